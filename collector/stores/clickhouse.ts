/**
 * The ClickHouse store, for scale: batched `JSONEachRow` inserts through the
 * official `@clickhouse/client` (an optional peer, imported only when this
 * store is used) into a `ReplacingMergeTree` ordered by app, environment,
 * type and event id, so that a duplicate that got past the collector's window
 * collapses in the table, and a question about one app (and type) reads only
 * its rows.
 */
import type { ClickHouseClient } from '@clickhouse/client'

import { checkNumber, setupError } from '../check.js'
import { parsedWhole, withoutCredentials } from './shown-url.js'
import { groupWrites } from '../group.js'
import type { Store, StoredEvent } from '../types.js'

/** Options of {@link clickhouseStore}. */
export interface ClickHouseStoreOptions {
  /** The server's HTTP interface, with credentials and database if needed: `http://user:password@localhost:8123/analytics` (a missing database is created). */
  url: string
  /** The table (`name` or `database.name`). Default `spa_telemetry_events`. */
  table?: string
  /** Create what is missing when the store opens: the database, and the table with {@link clickhouseDDL} (`CREATE TABLE IF NOT EXISTS`). Default `true`; `false` only checks that the table can be read. */
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
 * ordered by `(app_name, app_env, type, id)` (the copies of an event have the
 * same app and type, so they collapse when parts merge; query with `FINAL` to
 * see each event once before merges; a table ordered by `id`, as earlier
 * versions made it, is read and written alike), and
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
  if (typeof table !== 'string' || !TABLE.test(table))
    throw setupError('table', table, 'a table name such as "spa_telemetry_events" or "analytics.events"')
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
ORDER BY (app_name, app_env, type, id)`
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
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Server error codes that say nothing about the rows: the server is busy or
 * short of resources (retried with backoff) or set up otherwise (no such
 * table or database, a user without the right). Any other exception the
 * server answers an insert with may come from a row (a value it cannot parse,
 * a constraint, a `throwIf`): that group is split so that only its requests fail.
 */
const NOT_THE_ROWS = new Set([
  3, 60, 81, 159, 160, 164, 192, 193, 194, 197, 198, 201, 202, 203, 209, 210, 236, 241, 242, 252, 291, 319, 394, 425,
  497, 516,
])

/** A server exception's code (`Code: 81, e.displayText() = …` on 18.16, `ClickHouseError#code` on newer servers), else undefined (a network error). */
const serverCode = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code)
  const match = /^Code: (\d+)/.exec(error instanceof Error ? error.message : '')
  return match ? Number(match[1]) : undefined
}

/** An error of this store: the step that failed, in a sentence without credentials; `byRows` when some rows may be the cause. */
class ClickHouseStoreError extends Error {
  constructor(
    message: string,
    readonly byRows: boolean,
    cause: unknown,
  ) {
    super(message, { cause })
    this.name = 'ClickHouseStoreError'
  }
}

/** The URL as it may be shown: no user, password or query (which may hold settings or headers). */
const showUrl = (url: URL): string => `${url.origin}${url.pathname === '/' ? '' : url.pathname}`

/**
 * The ClickHouse store. Needs `@clickhouse/client` installed (`npm install @clickhouse/client`);
 * users of the ndjson store never load it. When it opens, it creates the
 * URL's database (and the table's, for `db.table`) if missing, then the table.
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
  const expected = 'the URL of a ClickHouse HTTP interface, such as "http://user:password@localhost:8123/analytics"'
  // a URL that does not parse is shown without what could be its credentials
  if (typeof options.url !== 'string' || !options.url) throw setupError('url', options.url, expected)
  let parsed: URL
  try {
    parsed = new URL(options.url)
  } catch {
    throw setupError('url', withoutCredentials(options.url), expected)
  }
  // read otherwise than meant (no scheme, or a "/", "?" or "#" of the password ending the host): its host or path would hold the password
  if (!parsedWhole(options.url, parsed))
    throw setupError(
      'url',
      withoutCredentials(options.url),
      `${expected}, with "/", "?", "#" and "@" in the user or password percent-encoded (%2F, %3F, %23, %40)`,
    )
  const shown = showUrl(parsed)
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw setupError('url', shown, expected)
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text)
    } catch {
      throw setupError('url', shown, `${expected}, percent-encoded`)
    }
  }
  const database = decode(parsed.pathname.slice(1))
  if (database && !NAME.test(database))
    throw setupError('url', shown, `${expected}: its path, the database, a name of letters, digits and _`)
  const table = options.table ?? 'spa_telemetry_events'
  clickhouseDDL(table) // checks the name
  const tableDatabase = table.includes('.') ? table.split('.')[0] : database
  const qualified = table.includes('.') || !database ? table : `${database}.${table}`
  const createTable = options.createTable ?? true
  const retries = checkNumber('retries', options.retries ?? 3, 0, 10, true)
  const retryDelayMs = checkNumber('retryDelayMs', options.retryDelayMs ?? 200, 0, 60_000, false)
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? 10_000, 1, 600_000, false)
  const password = decode(parsed.password)
  let client: ClickHouseClient | undefined
  let opening: Promise<ClickHouseClient> | undefined

  /** The raw error's first line, without the password, nor the bytes of a row a parse error quotes (`before: …`). */
  const raw = (error: unknown): string => {
    let text = (error instanceof Error ? error.message : String(error))
      .split('\n')[0]
      .split(/\bbefore: /)[0]
      .trim()
      .slice(0, 300)
    if (password.length >= 3) text = text.split(password).join('…').split(parsed.password).join('…')
    return text.replace(/\/\/[^/\s]*@/g, '//…@')
  }
  /** The error of a failed step: `[spa-telemetry] ClickHouse at <url>: could not <step> (<raw>): <what to do>`. */
  const failure = (step: string, error: unknown, todo: string, byRows = false): ClickHouseStoreError => {
    if (error instanceof ClickHouseStoreError) return error
    return new ClickHouseStoreError(
      `[spa-telemetry] ClickHouse at ${shown}: could not ${step} (${raw(error)})${todo ? `: ${todo}` : ''}`,
      byRows,
      error,
    )
  }
  /** The error of a failed connection, by its cause. */
  const connectFailure = (error: unknown): ClickHouseStoreError => {
    const code = serverCode(error)
    if (code === 192 || code === 193 || code === 194 || code === 516)
      return failure(
        `log in as ${JSON.stringify(decode(parsed.username) || 'default')}`,
        error,
        'check the user and password in the URL (http://user:password@host:8123/database)',
      )
    if (code === undefined)
      return failure('connect', error, 'is the server running, and is this its HTTP interface (port 8123 by default)?')
    return failure('connect', error, '')
  }

  const open = (): Promise<ClickHouseClient> =>
    (opening ??= (async () => {
      let module: typeof import('@clickhouse/client')
      try {
        module = await import('@clickhouse/client')
      } catch {
        throw new Error('[spa-telemetry] the clickhouse store needs @clickhouse/client: npm install @clickhouse/client')
      }
      // the URL's credentials and settings, without its path: the database is passed on its own (a missing one is created first)
      const base = new URL(parsed.href)
      base.pathname = '/'
      const connect = (db: string | undefined): ClickHouseClient =>
        module.createClient({
          url: base,
          ...(db ? { database: db } : {}),
          request_timeout: timeoutMs,
          application: 'spa-telemetry',
          log: { level: module.ClickHouseLogLevel.OFF },
        })
      const databases = async (made: ClickHouseClient): Promise<Set<string>> =>
        new Set(
          (
            (await (
              await made.query({ query: 'SELECT name FROM system.databases', format: 'JSONEachRow' })
            ).json()) as { name: string }[]
          ).map(row => row.name),
        )
      const made = connect(database)
      try {
        let known: Set<string>
        try {
          known = await databases(made)
        } catch (error) {
          if (serverCode(error) !== 81) throw connectFailure(error)
          // the URL's database does not exist: created from the server's default database
          const admin = connect(undefined)
          try {
            await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` })
          } catch (cause) {
            throw failure(
              `create database ${database}`,
              cause,
              `create it (CREATE DATABASE ${database}) or let this user create databases`,
            )
          } finally {
            await admin.close()
          }
          known = await databases(made).catch((cause: unknown) => Promise.reject(connectFailure(cause)))
        }
        if (tableDatabase && !known.has(tableDatabase) && createTable) {
          await made
            .command({ query: `CREATE DATABASE IF NOT EXISTS ${tableDatabase}` })
            .catch((cause: unknown) =>
              Promise.reject(
                failure(
                  `create database ${tableDatabase}`,
                  cause,
                  `create it (CREATE DATABASE ${tableDatabase}) or let this user create databases`,
                ),
              ),
            )
        }
        if (createTable) {
          await made
            .command({ query: clickhouseDDL(qualified) })
            .catch((cause: unknown) =>
              Promise.reject(
                failure(
                  `create table ${qualified}`,
                  cause,
                  'create it with the statement clickhouseDDL() prints, or let this user create tables',
                ),
              ),
            )
        } else {
          await made
            .query({ query: `SELECT count() FROM ${qualified} WHERE 0`, format: 'JSONEachRow' })
            .then(result => result.close())
            .catch((cause: unknown) =>
              Promise.reject(
                failure(
                  `read table ${qualified}`,
                  cause,
                  'create it with the statement clickhouseDDL() prints, or leave createTable on',
                ),
              ),
            )
        }
      } catch (error) {
        await made.close()
        throw error
      }
      return (client = made)
    })().catch(error => {
      opening = undefined
      throw error
    }))

  /** One insert, retried with backoff unless the server refused the rows themselves (then the group is split instead). */
  const insert = async (events: StoredEvent[]): Promise<void> => {
    const values = events.map(toRow)
    for (let attempt = 0; ; attempt++) {
      let error: ClickHouseStoreError
      try {
        const ready = await open()
        await ready.insert({ table: qualified, values, format: 'JSONEachRow' })
        return
      } catch (cause) {
        const code = serverCode(cause)
        const byRows = code !== undefined && !NOT_THE_ROWS.has(code)
        error = failure(
          `insert into ${qualified}`,
          cause,
          byRows ? 'the server refused rows of this write' : '',
          byRows,
        )
        // the table or database went away (dropped, a server reinstalled): the next attempt sets them up again
        if ((code === 60 || code === 81) && createTable && client) {
          const gone = client
          client = undefined
          opening = undefined
          await gone.close().catch(() => {})
        }
      }
      if (error.byRows || attempt >= retries) throw error
      await sleep(retryDelayMs * 2 ** attempt * (0.75 + Math.random() / 2))
    }
  }

  const grouped = groupWrites<StoredEvent>(insert, {
    isolate: error => error instanceof ClickHouseStoreError && error.byRows,
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
