#!/usr/bin/env node
// The `spa-telemetry-collector` command (see cli.ts); stops cleanly on SIGINT and SIGTERM.
import { run } from './cli.js'

run(process.argv.slice(2)).then(
  stop => {
    if (!stop) return
    const shutdown = (): void => void stop().then(() => process.exit(0), () => process.exit(1))
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
  },
  (error: unknown) => {
    console.error(`${error instanceof Error ? error.message : String(error)}\n(spa-telemetry-collector --help lists the flags)`)
    process.exit(1)
  },
)
