/**
 * The command: `npx spa-telemetry collect --dir ./events` (and its alias
 * `npx spa-telemetry-collector`, the same flags). A standalone collector on
 * the ndjson store, or on ClickHouse with `--clickhouse`.
 */
import { parseArgs } from 'node:util'

import { clickhouseEngine, createDashboard, ndjsonEngine } from 'spa-telemetry/dashboard'
import type { Identity } from 'spa-telemetry/dashboard'
import { createCollector } from './handler.js'
import type { Refused } from './handler.js'
import type { Limits, RateLimit } from './limits.js'
import type { StoredEvent } from './types.js'
import { listen } from './node.js'
import { clickhouseStore } from './stores/clickhouse.js'
import { ndjsonStore } from './stores/ndjson.js'
import { forwardingStores } from './stores/from-flags.js'

/** A flag: its type, default and the line `--help` prints for it. */
export interface Flag {
  type: 'string' | 'boolean'
  default: string | boolean | string[]
  multiple?: boolean
  help: string
}

/** The flags of `spa-telemetry collect`, one row each (add a row for a new flag: `--help` prints them all). */
export const FLAGS = {
  port: { type: 'string', default: '8787', help: 'port to listen on (0: any free port)' },
  host: { type: 'string', default: '127.0.0.1', help: 'address to listen on (0.0.0.0: every interface)' },
  path: {
    type: 'string',
    default: '/telemetry',
    help: 'the endpoint path (point the tracker at http://host:port/telemetry)',
  },
  dir: {
    type: 'string',
    default: './events',
    help: 'ndjson store: directory of the daily files events-YYYY-MM-DD.ndjson',
  },
  'no-fsync': {
    type: 'boolean',
    default: false,
    help: 'ndjson store: skip fsync (a 2xx then survives a crash of the process, not of the machine)',
  },
  clickhouse: {
    type: 'string',
    default: '',
    help: 'send to ClickHouse at this URL instead (http://user:password@host:8123/database; the database and table are created if missing)',
  },
  table: { type: 'string', default: 'spa_telemetry_events', help: 'ClickHouse table, created if missing' },
  origin: {
    type: 'string',
    multiple: true,
    default: [] as string[],
    help: "browser origin allowed to send cross-origin (repeat for more; '*' for any)",
  },
  'client-rate': { type: 'string', default: '20', help: 'events per second per anonymousId (0: no limit)' },
  'client-burst': { type: 'string', default: '1000', help: 'events at once per anonymousId' },
  rate: { type: 'string', default: '5000', help: 'events per second overall (0: no limit)' },
  burst: { type: 'string', default: '20000', help: 'events at once overall' },
  'max-body': { type: 'string', default: '65536', help: 'largest body in bytes (larger: 413)' },
  'body-timeout': { type: 'string', default: '10000', help: 'ms to receive a body (slower: 408)' },
  'store-timeout': {
    type: 'string',
    default: '10000',
    help: "ms for the store to keep a request's events (slower: 503, the write goes on)",
  },
  dedupe: { type: 'string', default: '100000', help: 'event ids remembered to drop duplicates' },
  'segment-write-key': {
    type: 'string',
    default: '',
    help: 'also forward to Segment or RudderStack with this write key (better: SPA_TELEMETRY_SEGMENT_WRITE_KEY; flags show in ps)',
  },
  'segment-url': {
    type: 'string',
    default: '',
    help: 'their batch endpoint (or SPA_TELEMETRY_SEGMENT_URL; default https://api.segment.io/v1/batch; RudderStack: your data plane URL)',
  },
  'posthog-key': {
    type: 'string',
    default: '',
    help: 'also forward to PostHog with this project API key (better: SPA_TELEMETRY_POSTHOG_KEY; flags show in ps)',
  },
  'posthog-host': {
    type: 'string',
    default: '',
    help: 'the PostHog host (or SPA_TELEMETRY_POSTHOG_HOST; default https://us.i.posthog.com; EU: https://eu.i.posthog.com)',
  },
  verbose: {
    type: 'boolean',
    default: false,
    help: 'print a line per refused request: its status and reason, never its content',
  },
  'no-dashboard': {
    type: 'boolean',
    default: false,
    help: 'do not serve the dashboard at /dashboard (it answers this machine only, or SPA_TELEMETRY_DASHBOARD_TOKEN holders)',
  },
  threshold: {
    type: 'string',
    default: '5',
    help: 'dashboard: fold groups of fewer distinct installs (0: off, for development)',
  },
  identity: {
    type: 'string',
    default: 'persistent',
    help: "dashboard: the tracker's identity option (persistent, session or none)",
  },
  help: { type: 'boolean', default: false, help: 'print this help' },
} satisfies Record<string, Flag>

/** The subcommands of `spa-telemetry`: a row each. */
export const COMMANDS: Record<string, { summary: string; flags: Record<string, Flag>; run: typeof run }> = {
  collect: {
    summary: 'receive spa-telemetry payloads: validate, de-duplicate and store them (ndjson files or ClickHouse)',
    flags: FLAGS,
    run: (args, print) => run(args, print),
  },
}

const commandOf = (name: string | undefined) =>
  name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined

const ANSWERS = [
  'Answers: 204 stored, 400 invalid, 403 origin not allowed, 404 other path, 405 not POST, 408 body too slow,',
  '413 body too large, 415 content type, 429 rate limit (Retry-After), 503 store failed or too slow (Retry-After).',
  'Nothing of the request (IP, headers) is stored.',
]

const flagLines = (flags: Record<string, Flag>): string[] =>
  Object.entries(flags).map(([name, flag]) => {
    const shown =
      flag.type === 'boolean' || (Array.isArray(flag.default) && !flag.default.length) || flag.default === ''
        ? ''
        : ` (default ${String(flag.default)})`
    return `  --${name.padEnd(13)} ${flag.help}${shown}`
  })

/**
 * The `--help` text: of `spa-telemetry` without a command, else of the command
 * (every flag, its default and what it does).
 * @example console.log(usage('collect'))
 */
export const usage = (command?: string): string => {
  const row = commandOf(command)
  if (!row) {
    return [
      'spa-telemetry: privacy-first usage analytics for single-page apps.',
      '',
      'Usage: npx spa-telemetry <command> [flags]',
      '',
      'Commands:',
      ...Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(10)} ${summary}`),
      '',
      'npx spa-telemetry <command> --help lists its flags.',
    ].join('\n')
  }
  return [
    `spa-telemetry ${command}: ${row.summary}.`,
    '',
    `Usage: npx spa-telemetry ${command} [flags]${command === 'collect' ? '   (or: npx spa-telemetry-collector [flags])' : ''}`,
    '',
    ...flagLines(row.flags),
    '',
    ...(command === 'collect' ? ANSWERS : []),
  ].join('\n')
}

/** A wrong flag or value: the command says so and points at `--help`. */
export class FlagError extends Error {}

const number = (flag: string, text: string): number => {
  const value = Number(text)
  if (!text.trim() || !Number.isFinite(value))
    throw new FlagError(`[spa-telemetry] --${flag} is ${JSON.stringify(text)}: expected a number`)
  return value
}

const bucket = (rate: number, burst: number): RateLimit | false => (rate === 0 ? false : { rate, burst })

/** `a, b and c` */
const list = (items: string[]): string =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`

/**
 * What the command prints about refusals: with `verbose`, a line each (at
 * most 20 a second; the rest counted); in any case, the first time a page on
 * an origin that is not allowed is refused, how to allow it.
 *
 * @example
 * ```ts
 * const log = refusalLog(console.log, true)
 * createCollector({ store, onRefused: log.refused })
 * ```
 */
export const refusalLog = (print: (line: string) => void, verbose: boolean, clock: () => number = Date.now) => {
  let hinted = false
  let second = 0
  let shown = 0
  let hidden = 0
  const flush = (): void => {
    if (hidden) print(`[spa-telemetry] … ${hidden} more refused request${hidden === 1 ? '' : 's'} not shown`)
    hidden = 0
  }
  return {
    refused: ({ status, reason, origin }: Refused): void => {
      if (status === 403 && !hinted) {
        hinted = true
        const who = origin ?? 'another origin'
        print(
          `[spa-telemetry] refused a page on ${who} (403): to accept it, start the collector with --origin ${origin ?? '<that origin>'}`,
        )
      }
      if (!verbose) return
      const now = Math.floor(clock() / 1000)
      if (now !== second) {
        flush()
        second = now
        shown = 0
      }
      if (shown++ >= 20) hidden++
      else print(`[spa-telemetry] refused ${status}: ${reason.replace(/[^\x20-\x7e]/g, '')}`)
    },
    flush,
  }
}

/**
 * Runs `spa-telemetry collect` (and `spa-telemetry-collector`) with these
 * flags; resolves once the collector listens (with a function that stops it),
 * or after printing the help.
 *
 * @example
 * ```ts
 * const stop = await run(['--port', '0', '--dir', '/tmp/events'], console.log)
 * await stop?.()
 * ```
 */
export const run = async (
  args: string[],
  print: (line: string) => void = console.log,
): Promise<(() => Promise<void>) | undefined> => {
  const options = Object.fromEntries(
    Object.entries(FLAGS as Record<string, Flag>).map(([name, flag]) => [
      name,
      { type: flag.type, multiple: flag.multiple === true },
    ]),
  )
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw new FlagError(`[spa-telemetry] ${error instanceof Error ? error.message : String(error)}`)
  }
  const flag = (name: keyof typeof FLAGS): string => String(values[name] ?? FLAGS[name].default)
  if (values.help) {
    print(usage('collect'))
    return undefined
  }
  const origins = (values.origin as string[] | undefined) ?? []
  const limits: Limits = {
    client: bucket(number('client-rate', flag('client-rate')), number('client-burst', flag('client-burst'))),
    overall: bucket(number('rate', flag('rate')), number('burst', flag('burst'))),
  }
  const url = flag('clickhouse')
  const store = url
    ? clickhouseStore({ url, table: flag('table') })
    : ndjsonStore({ dir: flag('dir'), fsync: !values['no-fsync'] })
  const forwarding = forwardingStores(values, process.env)
  const stores = [store, ...forwarding.stores]
  const log = refusalLog(print, values.verbose === true)
  // the dashboard's engine: the ndjson one takes the events the collector stores instead of parsing them back from the files
  const files = values['no-dashboard'] || url ? undefined : ndjsonEngine({ dir: flag('dir') })
  const engine = values['no-dashboard'] ? undefined : url ? clickhouseEngine({ url, table: flag('table') }) : files
  const collector = createCollector({
    ...(forwarding.stores.length ? { stores } : { store }),
    path: flag('path'),
    origins: origins.includes('*') ? '*' : origins,
    limits,
    maxBodyBytes: number('max-body', flag('max-body')),
    bodyTimeoutMs: number('body-timeout', flag('body-timeout')),
    storeTimeoutMs: number('store-timeout', flag('store-timeout')),
    dedupeWindow: number('dedupe', flag('dedupe')),
    onRefused: log.refused,
    ...(files ? { onStored: (events: StoredEvent[]) => files.ingest(events) } : {}),
  })
  const port = number('port', flag('port'))
  const host = flag('host')
  const closeAll = async (): Promise<void> => void (await Promise.all(stores.map(each => each.close?.())))
  // the dashboard, beside the collector on the same port, reading the same store
  const token = process.env.SPA_TELEMETRY_DASHBOARD_TOKEN || undefined
  const dashboard =
    engine &&
    createDashboard({
      store: engine,
      threshold: number('threshold', flag('threshold')),
      identity: flag('identity') as Identity,
      ...(token ? { token } : {}),
    })
  const toDashboard = (request: Request): boolean => {
    const { pathname } = new URL(request.url)
    return pathname === '/dashboard' || pathname.startsWith('/dashboard/')
  }
  const handler = dashboard
    ? (request: Request) => (toDashboard(request) ? dashboard(request) : collector(request))
    : collector
  await store.open?.()
  const server = await listen(handler, { port, hostname: host }).catch(async (error: unknown) => {
    await closeAll()
    if ((error as { code?: unknown }).code === 'EADDRINUSE')
      throw new Error(`[spa-telemetry] port ${port} on ${host} is in use: pick another with --port (0: any free port)`)
    throw error
  })
  const endpoint = new URL(flag('path'), server.url).href
  const where = url
    ? `ClickHouse at ${showUrl(url)}, table ${flag('table')}`
    : `${flag('dir')}/events-YYYY-MM-DD.ndjson`
  const who = origins.includes('*')
    ? 'pages on any origin'
    : origins.length
      ? `pages on ${list([...origins, 'the same origin'])}`
      : 'pages on the same origin only (--origin allows others)'
  const board = dashboard
    ? `; dashboard on ${new URL('/dashboard/', server.url).href} (${token ? 'token required' : 'this machine only'})`
    : ''
  print(`spa-telemetry collector on ${endpoint} storing in ${where}, for ${who}${board}`)
  for (const line of forwarding.lines) print(line)
  return async () => {
    log.flush()
    await server.close()
    await engine?.close()
    await closeAll()
  }
}

/** A ClickHouse URL as the start line shows it: no user, password or query. */
const showUrl = (url: string): string => {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname === '/' ? '' : parsed.pathname}`
}

/**
 * The `spa-telemetry` command: `collect` (or `--help`), dispatched to its row
 * of {@link COMMANDS}.
 *
 * @example
 * ```ts
 * const stop = await main(['collect', '--port', '0'], console.log)
 * ```
 */
export const main = async (
  args: string[],
  print: (line: string) => void = console.log,
): Promise<(() => Promise<void>) | undefined> => {
  const [name, ...rest] = args
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    print(usage(name === 'help' ? rest[0] : undefined))
    return undefined
  }
  const command = commandOf(name)
  if (!command)
    throw new FlagError(
      `[spa-telemetry] ${JSON.stringify(name.slice(0, 40))} is not a command: expected ${list(Object.keys(COMMANDS))}`,
    )
  return command.run(rest, print)
}
