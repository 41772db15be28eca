/**
 * The command: `npx spa-telemetry-collector --port 8787 --dir ./events`.
 * A standalone collector on the ndjson store, or on ClickHouse with `--clickhouse`.
 */
import { parseArgs } from 'node:util'

import { createCollector } from './handler.js'
import type { Limits, RateLimit } from './limits.js'
import { listen } from './node.js'
import { clickhouseStore } from './stores/clickhouse.js'
import { ndjsonStore } from './stores/ndjson.js'
import { forwardingStores } from './stores/from-flags.js'

/** Every flag, its default and what it does: `--help` prints this table. */
export const FLAGS = {
  port: { type: 'string', default: '8787', help: 'port to listen on (0: any free port)' },
  host: { type: 'string', default: '127.0.0.1', help: 'address to listen on (0.0.0.0: every interface)' },
  path: { type: 'string', default: '/telemetry', help: 'the endpoint path (point the tracker at http://host:port/telemetry)' },
  dir: { type: 'string', default: './events', help: 'ndjson store: directory of the daily files events-YYYY-MM-DD.ndjson' },
  'no-fsync': { type: 'boolean', default: false, help: 'ndjson store: skip fsync (a 2xx then survives a crash of the process, not of the machine)' },
  clickhouse: { type: 'string', default: '', help: 'send to ClickHouse at this URL instead (http://user:password@host:8123/database)' },
  table: { type: 'string', default: 'spa_telemetry_events', help: 'ClickHouse table, created if missing' },
  origin: { type: 'string', multiple: true, default: [] as string[], help: "browser origin allowed to send cross-origin (repeat for more; '*' for any)" },
  'client-rate': { type: 'string', default: '20', help: 'events per second per anonymousId (0: no limit)' },
  'client-burst': { type: 'string', default: '1000', help: 'events at once per anonymousId' },
  rate: { type: 'string', default: '5000', help: 'events per second overall (0: no limit)' },
  burst: { type: 'string', default: '20000', help: 'events at once overall' },
  'max-body': { type: 'string', default: '65536', help: 'largest body in bytes (larger: 413)' },
  'body-timeout': { type: 'string', default: '10000', help: 'ms to receive a body (slower: 408)' },
  dedupe: { type: 'string', default: '100000', help: 'event ids remembered to drop duplicates' },
  'segment-write-key': { type: 'string', default: '', help: 'also forward to Segment or RudderStack with this write key (better: SPA_TELEMETRY_SEGMENT_WRITE_KEY; flags show in ps)' },
  'segment-url': { type: 'string', default: '', help: 'their batch endpoint (or SPA_TELEMETRY_SEGMENT_URL; default https://api.segment.io/v1/batch; RudderStack: your data plane URL)' },
  'posthog-key': { type: 'string', default: '', help: 'also forward to PostHog with this project API key (better: SPA_TELEMETRY_POSTHOG_KEY; flags show in ps)' },
  'posthog-host': { type: 'string', default: '', help: 'the PostHog host (or SPA_TELEMETRY_POSTHOG_HOST; default https://us.i.posthog.com; EU: https://eu.i.posthog.com)' },
  help: { type: 'boolean', default: false, help: 'print this help' },
} as const

/**
 * The `--help` text: every flag, its default and what it does.
 * @example console.log(usage())
 */
export const usage = (): string =>
  [
    'spa-telemetry-collector: receives spa-telemetry payloads, validates, de-duplicates and stores them.',
    '',
    'Usage: npx spa-telemetry-collector [flags]',
    '',
    ...Object.entries(FLAGS).map(([name, flag]) => {
      const shown = flag.type === 'boolean' || (Array.isArray(flag.default) && !flag.default.length) || flag.default === '' ? '' : ` (default ${flag.default})`
      return `  --${name.padEnd(13)} ${flag.help}${shown}`
    }),
    '',
    'Answers: 204 stored, 400 invalid, 403 origin not allowed, 405 not POST, 408 body too slow, 413 body too large,',
    '415 content type, 429 rate limit (Retry-After), 503 store unavailable. Nothing of the request (IP, headers) is stored.',
  ].join('\n')

const number = (flag: string, text: string): number => {
  const value = Number(text)
  if (!text.trim() || !Number.isFinite(value)) throw new Error(`[spa-telemetry] --${flag} is ${JSON.stringify(text)}: expected a number`)
  return value
}

const bucket = (rate: number, burst: number): RateLimit | false => (rate === 0 ? false : { rate, burst })

/**
 * Runs the command with these arguments; resolves once the collector listens
 * (with a function that stops it), or after printing the help.
 *
 * @example
 * ```ts
 * const stop = await run(['--port', '0', '--dir', '/tmp/events'], console.log)
 * await stop?.()
 * ```
 */
export const run = async (args: string[], print: (line: string) => void = console.log): Promise<(() => Promise<void>) | undefined> => {
  const options = Object.fromEntries(Object.entries(FLAGS).map(([name, flag]: [string, { type: 'string' | 'boolean'; multiple?: boolean }]) => [name, { type: flag.type, multiple: flag.multiple === true }]))
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false })
  const flag = (name: keyof typeof FLAGS): string => String(values[name] ?? FLAGS[name].default)
  if (values.help) {
    print(usage())
    return undefined
  }
  const origins = (values.origin as string[] | undefined) ?? []
  const limits: Limits = {
    client: bucket(number('client-rate', flag('client-rate')), number('client-burst', flag('client-burst'))),
    overall: bucket(number('rate', flag('rate')), number('burst', flag('burst'))),
  }
  const url = flag('clickhouse')
  const store = url ? clickhouseStore({ url, table: flag('table') }) : ndjsonStore({ dir: flag('dir'), fsync: !values['no-fsync'] })
  const forwarding = forwardingStores(values, process.env)
  const stores = [store, ...forwarding.stores]
  const collector = createCollector({
    ...(forwarding.stores.length ? { stores } : { store }),
    path: flag('path'),
    origins: origins.includes('*') ? '*' : origins,
    limits,
    maxBodyBytes: number('max-body', flag('max-body')),
    bodyTimeoutMs: number('body-timeout', flag('body-timeout')),
    dedupeWindow: number('dedupe', flag('dedupe')),
  })
  const port = number('port', flag('port'))
  const closeAll = async (): Promise<void> => void (await Promise.all(stores.map(each => each.close?.())))
  await store.open?.()
  const server = await listen(collector, { port, hostname: flag('host') }).catch(async (error: unknown) => {
    await closeAll()
    throw error
  })
  const endpoint = new URL(flag('path'), server.url).href
  print(`spa-telemetry collector: ${endpoint}`)
  print(url ? `storing in ClickHouse, table ${flag('table')}` : `storing in ${flag('dir')}/events-YYYY-MM-DD.ndjson`)
  for (const line of forwarding.lines) print(line)
  return async () => {
    await server.close()
    await closeAll()
  }
}
