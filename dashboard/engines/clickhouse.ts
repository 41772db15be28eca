/**
 * The ClickHouse engine: each question is one SQL query over the ClickHouse
 * store's table, using only what ClickHouse 18.16 already has (uniqExactIf,
 * groupArray, arrayFilter, arrayReduce, tuple IN subqueries), so it runs
 * there and on current releases alike. Values are inlined as escaped
 * literals (18.16 has no query parameters).
 *
 * No `FINAL` (it merged the table by id in every query, more than the
 * query's own work): a copy of an event that got past the collector's window
 * (a restart, two collectors) and that ClickHouse has not merged away yet
 * counts once all the same, since events are counted as distinct ids, as
 * installs and sessions are, and a funnel takes each session's first step
 * of each kind. Distinct ids are counted over their 64-bit hashes
 * (cityHash64): a set of integers, not of strings.
 */
import type { ClickHouseClient } from '@clickhouse/client'

import { checkNumber, checkString, setupError } from '../../collector/check.js'
import type { Atom, Engine, FlowResidual, FunnelAtom, KeyColumn, Selection, Step } from '../engine.js'
import { atomId, smallerFlow, UNIT_MS } from '../engine.js'

/** Options of {@link clickhouseEngine}. */
export interface ClickHouseEngineOptions {
  /** The server's HTTP interface, with credentials and database if needed (a read-only user is enough). */
  url: string
  /** The ClickHouse store's table. Default `spa_telemetry_events`. */
  table?: string
  /** A query's timeout. Default 30000 ms. */
  timeoutMs?: number
}

const TABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/
const COLUMN: Record<KeyColumn, string> = { type: 'type', name: 'name', path: 'path' }
const INSTALLS = "uniqExactIf(cityHash64(anonymous_id), anonymous_id != '')"
const SESSIONS = "uniqExactIf(cityHash64(anonymous_id, session_id), session_id != '')"
/** Events, each once by id (a copy not merged away yet counts once). */
const EVENTS = 'uniqExact(cityHash64(id))'

/** A ClickHouse string literal: backslash escapes for quotes, backslashes and every control character. */
export const literal = (value: string): string => {
  let out = "'"
  for (const c of value) {
    const code = c.charCodeAt(0)
    out +=
      c === '\\' || c === "'" ? `\\${c}` : code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c
  }
  return out + "'"
}

/** A whole number, as SQL (never anything else). */
const int = (value: number): string => {
  if (!Number.isSafeInteger(value)) throw new Error(`[spa-telemetry] not a whole number: ${value}`)
  return String(value)
}

/** The WHERE clause of a selection. */
const where = (selection: Selection): string => {
  const parts = [
    `app_name = ${literal(selection.app)}`,
    `app_env = ${literal(selection.env)}`,
    `ts >= ${int(selection.from)}`,
    `ts < ${int(selection.to)}`,
    `type IN (${selection.types.map(literal).join(', ')})`,
  ]
  const { path, name, from } = selection.where ?? {}
  if (path !== undefined) parts.push(`path = ${literal(path)}`)
  if (name !== undefined) parts.push(`name = ${literal(name)}`)
  if (from !== undefined) parts.push(`from_path = ${literal(from)}`)
  return parts.join(' AND ')
}

/** A step's condition. */
const matches = (step: Step): string =>
  `(type = ${literal(step.type)} AND ${step.type === 'page' ? 'path' : 'name'} = ${literal(step.value)})`

/**
 * The ClickHouse engine, over the ClickHouse store's table. Needs
 * `@clickhouse/client` installed.
 *
 * @example
 * ```ts
 * import { clickhouseEngine, createDashboard } from 'spa-telemetry/dashboard'
 *
 * const dashboard = createDashboard({ engine: clickhouseEngine({ url: 'http://localhost:8123' }) })
 * ```
 */
export const clickhouseEngine = (options: ClickHouseEngineOptions): Engine => {
  if (typeof options !== 'object' || options === null) throw setupError('clickhouseEngine options', options, '{ url }')
  const url = checkString('url', options.url, 'the URL of a ClickHouse HTTP interface, such as "http://localhost:8123"')
  try {
    new URL(url)
  } catch {
    throw setupError('url', url, 'the URL of a ClickHouse HTTP interface, such as "http://localhost:8123"')
  }
  const table = options.table ?? 'spa_telemetry_events'
  if (typeof table !== 'string' || !TABLE.test(table))
    throw setupError('table', table, 'a table name such as "spa_telemetry_events" or "analytics.events"')
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? 30_000, 1, 600_000, false)
  let opening: Promise<ClickHouseClient> | undefined

  const open = (): Promise<ClickHouseClient> =>
    (opening ??= (async () => {
      let module: typeof import('@clickhouse/client')
      try {
        module = await import('@clickhouse/client')
      } catch {
        throw new Error(
          '[spa-telemetry] the clickhouse engine needs @clickhouse/client: npm install @clickhouse/client',
        )
      }
      const client = module.createClient({
        url,
        request_timeout: timeoutMs,
        application: 'spa-telemetry-dashboard',
        log: { level: module.ClickHouseLogLevel.OFF },
      })
      try {
        await (await client.query({ query: `SELECT count() FROM ${table} WHERE 0`, format: 'JSONEachRow' })).json()
      } catch (error) {
        await client.close()
        throw error
      }
      return client
    })().catch(error => {
      opening = undefined
      throw error
    }))

  const rows = async (query: string): Promise<Record<string, string>[]> => {
    const client = await open()
    return (await client.query({ query, format: 'JSONEachRow' })).json<Record<string, string>>()
  }

  const keys = (key: readonly KeyColumn[]): string[] => key.map((column, i) => `${COLUMN[column]} AS k${i}`)
  const keyOf = (row: Record<string, string>, key: readonly KeyColumn[]): string[] => key.map((_, i) => row[`k${i}`])
  const aliases = (key: readonly KeyColumn[]): string[] => key.map((_, i) => `k${i}`)

  /** `AND (key…, bucket, version) IN (atoms with installs <op> k)` */
  const atomsWhere = (selection: Selection, key: readonly KeyColumn[], unitMs: number, test: string): string => {
    const tuple = [...key.map(column => COLUMN[column]), `intDiv(ts, ${int(unitMs)})`, 'app_version']
    return `AND (${tuple.join(', ')}) IN (SELECT ${tuple.join(', ')} FROM ${table} WHERE ${where(selection)} GROUP BY ${tuple.join(', ')} HAVING ${INSTALLS} ${test})`
  }

  /**
   * `AND` the atom of each row is released, from the day atoms already counted:
   * the released atoms, or the others (`NOT IN`), whichever list is shorter;
   * undefined when the list would be too long for a query (the subquery then).
   */
  const atomsList = (key: readonly KeyColumn[], days: readonly Atom[], k: number): string | undefined => {
    const ids = { in: [] as string[], out: [] as string[] }
    for (const atom of days)
      ids[atom.installs >= k ? 'in' : 'out'].push(
        literal([...atom.key, String(atom.bucket / UNIT_MS.day), atom.version].join('\u0000')),
      )
    if (!ids.out.length) return ' '
    if (!ids.in.length) return 'AND 0'
    const [list, operator] = ids.out.length <= ids.in.length ? [ids.out, 'NOT IN'] : [ids.in, 'IN']
    if (list.reduce((sum, id) => sum + id.length + 2, 0) > 200_000) return undefined
    const id = `concat(${[...key.map(column => COLUMN[column]), 'toString(intDiv(ts, 86400000))', 'app_version'].join(", '\\x00', ")})`
    return `AND ${id} ${operator} (${list.join(', ')})`
  }

  /** `AND` the atom of each row is none of these (ids by {@link atomId}: key, day start, version). */
  const skipped = (key: readonly KeyColumn[], skip: ReadonlySet<string>): string => {
    const ids = [...skip].map(id => {
      const parts = id.split('\u0000')
      return literal(
        [...parts.slice(0, key.length), String(Number(parts[key.length]) / UNIT_MS.day), parts[key.length + 1]].join(
          '\u0000',
        ),
      )
    })
    const id = `concat(${[...key.map(column => COLUMN[column]), 'toString(intDiv(ts, 86400000))', 'app_version'].join(", '\\x00', ")})`
    return `AND ${id} NOT IN (${ids.join(', ')})`
  }

  /** The funnel sessions with their level and day, as a subquery. */
  const sessions = (selection: Selection, steps: readonly Step[]): string => {
    const mask = steps.map((step, i) => `${1 << i} * toUInt8${matches(step)}`).join(' + ')
    const found: string[] = []
    const columns: string[] = []
    steps.forEach((_, i) => {
      const after = i === 0 ? '' : ` AND t > t${i}`
      columns.push(`arrayFilter((t, m) -> bitAnd(m, ${1 << i}) != 0${after}, T, M) AS c${i + 1}`)
      columns.push(`arrayReduce('min', c${i + 1}) AS t${i + 1}`)
      found.push(`notEmpty(c${i + 1})`)
      columns.push(`${found.join(' AND ')} AS f${i + 1}`)
    })
    const level = steps.map((_, i) => `f${i + 1}`).join(' + ')
    return `SELECT anonymous_id, version, ${columns.join(', ')}, ${level} AS level, intDiv(t1, 86400000) * 86400000 AS day FROM (
      SELECT anonymous_id, session_id, app_version AS version, groupArray(ts) AS T, groupArray(mask) AS M
      FROM (SELECT anonymous_id, session_id, app_version, ts, ${mask} AS mask FROM ${table} WHERE ${where({ ...selection, types: [...new Set(steps.map(step => step.type))] })} AND session_id != '')
      WHERE mask != 0 GROUP BY anonymous_id, session_id, app_version)`
  }

  return {
    open: async () => void (await open()),
    atoms: async (selection, key, unit, sessions = true) => {
      const unitMs = UNIT_MS[unit]
      const result =
        await rows(`SELECT ${[...keys(key), `intDiv(ts, ${unitMs}) * ${unitMs} AS bucket`, 'app_version AS version'].join(', ')}, ${EVENTS} AS events, ${INSTALLS} AS installs, ${sessions ? SESSIONS : '0'} AS sessions
        FROM ${table} WHERE ${where(selection)} GROUP BY ${[...aliases(key), 'bucket', 'version'].join(', ')}`)
      return result.map(row => ({
        key: keyOf(row, key),
        bucket: Number(row.bucket),
        version: row.version,
        events: Number(row.events),
        installs: Number(row.installs),
        sessions: Number(row.sessions),
      }))
    },
    unions: async (selection, key, k, byVersion, sessions = true, days, skip) => {
      const group = [...aliases(key), ...(byVersion ? ['version'] : [])]
      const kept = skip?.size ? days?.filter(atom => !skip.has(atomId(atom.key, atom.bucket, atom.version))) : days
      const released =
        (k > 0 ? (kept && atomsList(key, kept, k)) || atomsWhere(selection, key, UNIT_MS.day, `>= ${int(k)}`) : '') +
        (skip?.size ? ` ${skipped(key, skip)}` : '')
      const select = [
        ...keys(key),
        ...(byVersion ? ['app_version AS version'] : []),
        `${INSTALLS} AS installs`,
        `${sessions ? SESSIONS : '0'} AS sessions`,
        'count() AS events',
      ]
      const result = await rows(
        `SELECT ${select.join(', ')} FROM ${table} WHERE ${where(selection)} ${released} ${group.length ? `GROUP BY ${group.join(', ')}` : ''}`,
      )
      return result
        .filter(row => Number(row.events) > 0)
        .map(row => ({
          key: keyOf(row, key),
          ...(byVersion ? { version: row.version } : {}),
          installs: Number(row.installs),
          sessions: Number(row.sessions),
        }))
    },
    foldedInstalls: async (selection, key, k, version) => {
      if (k <= 0) return 0
      const only = version === undefined ? '' : `AND app_version = ${literal(version)}`
      const [row] = await rows(
        `SELECT ${INSTALLS} AS installs FROM ${table} WHERE ${where(selection)} ${only} ${atomsWhere(selection, key, UNIT_MS.day, `< ${int(k)}`)}`,
      )
      return Number(row?.installs ?? 0)
    },
    hourRests: async (selection, key, k) => {
      if (k <= 0) return []
      const result =
        await rows(`SELECT ${[...keys(key), 'intDiv(ts, 86400000) * 86400000 AS day', 'app_version AS version'].join(', ')}, ${INSTALLS} AS installs
        FROM ${table} WHERE ${where(selection)} ${atomsWhere(selection, key, UNIT_MS.hour, `< ${int(k)}`)}
        GROUP BY ${[...aliases(key), 'day', 'version'].join(', ')}`)
      return result.map(row => ({
        key: keyOf(row, key),
        day: Number(row.day),
        version: row.version,
        installs: Number(row.installs),
      }))
    },
    flowResiduals: async (selection, k, unit) => {
      if (k <= 0) return []
      const pages = where({ ...selection, types: ['page'] })
      const bucket = `intDiv(ts, ${int(UNIT_MS[unit])})`
      const flow = `from_path, path, ${bucket}, app_version`
      // the residual: page views from no screen, or whose flow atom has fewer than k installs
      const residual = `${pages} AND (from_path = '' OR (${flow}) IN (SELECT ${flow} FROM ${table} WHERE ${pages} GROUP BY ${flow} HAVING ${INSTALLS} < ${int(k)}))`
      const residuals =
        await rows(`SELECT path, ${bucket} * ${int(UNIT_MS[unit])} AS bucket, app_version AS version, ${INSTALLS} AS installs
        FROM ${table} WHERE ${residual}
        GROUP BY path, bucket, version HAVING installs >= 1 AND installs < ${int(k)}`)
      if (!residuals.length) return []
      const id = (path: string, at: number | string, version: string): string => `${path}\u0000${at}\u0000${version}`
      const out = new Map<string, FlowResidual>(
        residuals.map(row => [
          id(row.path, row.bucket, row.version),
          {
            path: row.path,
            bucket: Number(row.bucket),
            version: row.version,
            installs: Number(row.installs),
            smallest: null,
          },
        ]),
      )
      // the flow atoms of k installs or more into those page atoms: the smallest is folded with the residual
      const list = [...out.values()]
        .map(r => `(${literal(r.path)}, ${int(r.bucket / UNIT_MS[unit])}, ${literal(r.version)})`)
        .join(', ')
      // a list too long for a query: the residual's page atoms again, as a subquery
      const wanted =
        list.length <= 100_000
          ? list
          : `SELECT path, ${bucket}, app_version FROM ${table} WHERE ${residual} GROUP BY path, ${bucket}, app_version HAVING ${INSTALLS} >= 1 AND ${INSTALLS} < ${int(k)}`
      const shown =
        await rows(`SELECT from_path AS origin, path, ${bucket} * ${int(UNIT_MS[unit])} AS bucket, app_version AS version, ${EVENTS} AS events
        FROM ${table} WHERE ${pages} AND from_path != '' AND (path, ${bucket}, app_version) IN (${wanted})
        GROUP BY origin, path, bucket, version HAVING ${INSTALLS} >= ${int(k)}`)
      const smallest = new Map<string, { from: string; events: number }>()
      for (const row of shown) {
        const key = id(row.path, row.bucket, row.version)
        smallest.set(key, smallerFlow(smallest.get(key), { from: row.origin, events: Number(row.events) }))
      }
      return [...out].map(([key, residual]) => ({ ...residual, smallest: smallest.get(key)?.from ?? null }))
    },
    funnel: async (selection, steps) => {
      const n = steps.length
      const list = (make: (i: number) => string): string => Array.from({ length: n }, (_, i) => make(i)).join(', ')
      const result = await rows(`SELECT day, version,
          ${list(i => `countIf(level = ${i + 1}) AS s${i}`)},
          ${list(i => `uniqExactIf(anonymous_id, anonymous_id != '' AND level = ${i + 1}) AS e${i}`)},
          ${list(i => `uniqExactIf(anonymous_id, anonymous_id != '' AND level >= ${i + 1}) AS a${i}`)}
        FROM (${sessions(selection, steps)}) WHERE level > 0 GROUP BY day, version`)
      return result.map((row): FunnelAtom => ({
        day: Number(row.day),
        version: row.version,
        sessions: steps.map((_, i) => Number(row[`s${i}`])),
        installsExactly: steps.map((_, i) => Number(row[`e${i}`])),
        installsAtLeast: steps.map((_, i) => Number(row[`a${i}`])),
      }))
    },
    funnelUnions: async (selection, steps, released) => {
      const inSet = (i: number): string =>
        released[i]?.length ? `concat(toString(day), ' ', version) IN (${released[i].map(literal).join(', ')})` : '0'
      const columns = steps
        .map((_, i) => `uniqExactIf(anonymous_id, anonymous_id != '' AND level >= ${i + 1} AND ${inSet(i)}) AS u${i}`)
        .join(', ')
      const subquery = sessions(selection, steps)
      const [overall, versions] = await Promise.all([
        rows(`SELECT ${columns} FROM (${subquery}) WHERE level > 0`),
        rows(`SELECT version, ${columns} FROM (${subquery}) WHERE level > 0 GROUP BY version`),
      ])
      const counts = (row: Record<string, string> | undefined): number[] =>
        steps.map((_, i) => Number(row?.[`u${i}`] ?? 0))
      return {
        installs: counts(overall[0]),
        byVersion: Object.fromEntries(versions.map(row => [row.version, counts(row)])),
      }
    },
    scopes: async () => {
      const result = await rows(
        `SELECT app_name, app_env, ${INSTALLS} AS installs FROM ${table} GROUP BY app_name, app_env`,
      )
      return result.map(row => ({ app: row.app_name, env: row.app_env, installs: Number(row.installs) }))
    },
    close: async () => {
      const client = opening && (await opening.catch(() => undefined))
      opening = undefined
      await client?.close()
    },
  }
}
