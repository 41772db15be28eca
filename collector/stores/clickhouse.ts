/**
 * The ClickHouse store, for scale: batched `JSONEachRow` inserts through the
 * official `@clickhouse/client` (an optional peer, imported only when this
 * store is used) into a `ReplacingMergeTree` ordered by event id, so that a
 * duplicate that got past the collector's window collapses in the table.
 */
import type { ClickHouseClient } from '@clickhouse/client'

import { checkNumber, checkString, setupError } from '../check.js'
import { groupWrites } from '../group.js'
import type { Store, StoredEvent } from '../types.js'

/** Options of {@link clickhouseStore}. */
export interface ClickHouseStoreOptions {
  /** The server's HTTP interface, with credentials and database if needed: `http://user:password@localhost:8123/analytics`. */
  url: string
  /** The table (`name` or `database.name`). Default `spa_telemetry_events`. */
  table?: string
  /** Run {@link clickhouseDDL} (`CREATE TABLE IF NOT EXISTS`) when the store opens. Default `true`. */
  createTable?: boolean
  /** Attempts after a failed insert, with exponential backoff from `retryDelayMs`. Default 3. */
  retries?: number
  /** The first retry's delay, doubled for each next one. Default 200 ms. */
  retryDelayMs?: number
  /** A request's timeout. Default 10000 ms. */
  timeoutMs?: number
}

const TABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/

/**
 * The table the ClickHouse store writes to: one row per event, `ReplacingMergeTree`
 * ordered by `id` (query with `FINAL` to see each event once before merges), and
 * only types every ClickHouse version has (`String`, `UInt64`, `UInt32`, `DateTime`).
 *
 * @example
 * ```ts
 * import { clickhouseDDL } from 'spa-telemetry/collector'
 *
 * console.log(clickhouseDDL('analytics.events'))
 * ```
 */
export const clickhouseDDL = (table = 'spa_telemetry_events'): string => {
  if (typeof table !== 'string' || !TABLE.test(table)) throw setupError('table', table, 'a table name such as "spa_telemetry_events" or "analytics.events"')
  return `CREATE TABLE IF NOT EXISTS ${table}
(
    id String,
    type String,
    ts UInt64,
    client_ts UInt64,
    received_at DateTime,
    sent_at String,
    path String,
    from_path String,
    referrer String,
    name String,
    props String,
    app_name String,
    app_version String,
    app_env String,
    library_version String,
    instance_id String,
    anonymous_id String,
    session_id String,
    dropped UInt32
)
ENGINE = ReplacingMergeTree()
ORDER BY id`
}

/** A UInt64 column's value: a whole number of milliseconds from 0 to 2^53. */
const uint = (value: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.round(value)))

/** One table row for an event (absent fields are empty strings; `props` is JSON text). */
const toRow = (event: StoredEvent): Record<string, string | number> => ({
  id: event.id,
  type: event.type,
  ts: uint(event.ts),
  client_ts: uint(event.clientTs),
  received_at: Math.floor(Date.parse(event.receivedAt) / 1000),
  sent_at: event.sentAt,
  path: event.path ?? '',
  from_path: event.from ?? '',
  referrer: event.referrer ?? '',
  name: event.name ?? '',
  props: event.props ? JSON.stringify(event.props) : '',
  app_name: event.app.name,
  app_version: event.app.version ?? '',
  app_env: event.app.env ?? '',
  library_version: event.library.version,
  instance_id: event.instanceId ?? '',
  anonymous_id: event.anonymousId ?? '',
  session_id: event.sessionId ?? '',
  dropped: Math.min(event.dropped ?? 0, 4294967295),
})

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/**
 * The ClickHouse store. Needs `@clickhouse/client` installed (`npm install @clickhouse/client`);
 * users of the ndjson store never load it.
 *
 * @example
 * ```ts
 * import { clickhouseStore, createCollector } from 'spa-telemetry/collector'
 *
 * const collector = createCollector({ store: clickhouseStore({ url: 'http://localhost:8123' }) })
 * ```
 */
export const clickhouseStore = (options: ClickHouseStoreOptions): Store => {
  if (typeof options !== 'object' || options === null) throw setupError('clickhouseStore options', options, '{ url }')
  const url = checkString('url', options.url, 'the URL of a ClickHouse HTTP interface, such as "http://localhost:8123"')
  try {
    new URL(url)
  } catch {
    throw setupError('url', url, 'the URL of a ClickHouse HTTP interface, such as "http://localhost:8123"')
  }
  const table = options.table ?? 'spa_telemetry_events'
  const ddl = clickhouseDDL(table)
  const createTable = options.createTable ?? true
  const retries = checkNumber('retries', options.retries ?? 3, 0, 10, true)
  const retryDelayMs = checkNumber('retryDelayMs', options.retryDelayMs ?? 200, 0, 60_000, false)
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? 10_000, 1, 600_000, false)
  let client: ClickHouseClient | undefined
  let opening: Promise<ClickHouseClient> | undefined

  const open = (): Promise<ClickHouseClient> =>
    (opening ??= (async () => {
      let module: typeof import('@clickhouse/client')
      try {
        module = await import('@clickhouse/client')
      } catch {
        throw new Error('[spa-telemetry] the clickhouse store needs @clickhouse/client: npm install @clickhouse/client')
      }
      const made = module.createClient({ url, request_timeout: timeoutMs, application: 'spa-telemetry', log: { level: module.ClickHouseLogLevel.OFF } })
      try {
        if (createTable) await made.command({ query: ddl })
        else await made.query({ query: `SELECT count() FROM ${table} WHERE 0`, format: 'JSONEachRow' }).then(result => result.close())
      } catch (error) {
        await made.close()
        throw error
      }
      return (client = made)
    })().catch(error => {
      opening = undefined
      throw error
    }))

  const grouped = groupWrites<StoredEvent>(async (events: StoredEvent[]) => {
    const values = events.map(toRow)
    for (let attempt = 0; ; attempt++) {
      try {
        const ready = await open()
        await ready.insert({ table, values, format: 'JSONEachRow' })
        return
      } catch (error) {
        if (attempt >= retries) throw error
        await sleep(retryDelayMs * 2 ** attempt * (0.75 + Math.random() / 2))
      }
    }
  })

  return {
    open: async () => void (await open()),
    write: events => grouped.write(events),
    close: async () => {
      await grouped.idle()
      const made = client
      client = undefined
      opening = undefined
      await made?.close()
    },
  }
}
