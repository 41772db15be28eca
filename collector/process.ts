/**
 * The commands as processes: `spa-telemetry` and its alias
 * `spa-telemetry-collector` (the bins call {@link command}), how they stop,
 * and what they print when they cannot start.
 */
import { COMMANDS, FlagError, main, run } from './cli.js'

const commandOf = (name: string | undefined) =>
  name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined

/** What {@link stopOnSignal} uses of the process (replaced in tests). */
export interface ProcessHooks {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): void
  exit(code: number): void
  error(line: string): void
}

const PROCESS: ProcessHooks = {
  on: (signal, listener) => void process.on(signal, listener),
  exit: code => process.exit(code),
  error: line => console.error(line),
}

/**
 * Stops on SIGINT or SIGTERM: the server closes and pending writes finish,
 * for at most `graceMs` (a store that hangs must not keep the process alive
 * for ever); a second signal, or the grace running out, exits at once with 1.
 *
 * @example stopOnSignal(stop, 15_000)
 */
export const stopOnSignal = (stop: () => Promise<void>, graceMs = 15_000, hooks: ProcessHooks = PROCESS): void => {
  let stopping = false
  const shutdown = (): void => {
    if (stopping) {
      hooks.error('[spa-telemetry] stopped without waiting for the store')
      return hooks.exit(1)
    }
    stopping = true
    const timer = setTimeout(() => {
      hooks.error(
        `[spa-telemetry] the store did not finish its writes within ${graceMs / 1000} s: stopped without them (their requests got no 2xx)`,
      )
      hooks.exit(1)
    }, graceMs)
    stop().then(
      () => {
        clearTimeout(timer)
        hooks.exit(0)
      },
      (error: unknown) => {
        clearTimeout(timer)
        hooks.error(error instanceof Error ? error.message : String(error))
        hooks.exit(1)
      },
    )
  }
  hooks.on('SIGINT', shutdown)
  hooks.on('SIGTERM', shutdown)
}

/**
 * Runs a command as a process: `spa-telemetry` (subcommands) or its alias
 * `spa-telemetry-collector` (the flags of `collect`). Stops cleanly on SIGINT
 * and SIGTERM; a failure prints one sentence and exits 1.
 *
 * @example command('spa-telemetry', process.argv.slice(2))
 */
export const command = (name: 'spa-telemetry' | 'spa-telemetry-collector', args: string[]): void => {
  const started = name === 'spa-telemetry' ? main(args) : run(args)
  started.then(
    stop => {
      if (stop) stopOnSignal(stop)
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error)
      const help =
        name === 'spa-telemetry'
          ? `spa-telemetry ${commandOf(args[0]) ? `${args[0]} ` : ''}--help`
          : 'spa-telemetry-collector --help'
      console.error(
        error instanceof FlagError || /^\[spa-telemetry\] [\w.[\]-]+ is /.test(message)
          ? `${message}\n(${help} lists the flags)`
          : message,
      )
      process.exit(1)
    },
  )
}
