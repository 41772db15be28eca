/**
 * The ClickHouse store against a real server (Debian's clickhouse-server,
 * 18.16 here): events inserted through the collector, read back, duplicates
 * collapsed by the ReplacingMergeTree (FINAL); a server that is down gives 503;
 * one request whose rows the server refuses fails alone; a fresh server gets
 * its database; every failure says which step failed, never the password.
 */
import { createClient } from '@clickhouse/client'
import type { ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { run } from '../../collector/cli.js'
import { clickhouseDDL, clickhouseStore, createCollector } from '../../collector/index.js'
import type { Store } from '../../collector/index.js'
import { startClickHouse, startProxy } from '../helpers/clickhouse-server.js'
import type { ClickHouseServer } from '../helpers/clickhouse-server.js'
import { payload, post } from '../helpers/collector.js'

let server: ClickHouseServer
let client: ClickHouseClient
const stores: Store[] = []

beforeAll(async () => {
  server = await startClickHouse()
  client = createClient({ url: server.url })
}, 30_000)
afterAll(async () => {
  await Promise.all(stores.map(store => store.close?.()))
  await client?.close()
  await server?.stop()
})

const fresh = (): string => `fresh_${Math.random().toString(36).slice(2, 10)}`
const rows = async (query: string): Promise<Record<string, unknown>[]> =>
  (await client.query({ query, format: 'JSONEachRow' })).json()
const store = (table: string, options = {}): Store => {
  const made = clickhouseStore({ url: server.url, table, ...options })
  stores.push(made)
  return made
}
const URL_ = 'http://collector.test/telemetry'

describe('clickhouseStore', () => {
  it('creates its table with the exported DDL and inserts the events, read back as stored', async () => {
    const collector = createCollector({ store: store('events_a') })
    const body = payload(
      [
        { type: 'page', path: '/nc/:project_id', from: '/nc', referrer: 'external' },
        { type: 'track', name: 'export_clicked', props: { format: 'csv', rows: 3 }, path: undefined },
      ],
      { dropped: 2, instanceId: 'server-1', app: { name: 'acme-console', version: '1.0.0', env: 'production' } },
    )
    expect((await collector(post(URL_, body))).status).toBe(204)
    const [table] = await rows("SELECT engine, sorting_key FROM system.tables WHERE name = 'events_a'")
    expect(table).toEqual({ engine: 'ReplacingMergeTree', sorting_key: 'app_name, app_env, type, id' })
    const [page, track] = await rows(
      'SELECT *, toUnixTimestamp(received_at) AS received FROM events_a FINAL ORDER BY client_ts, type',
    )
    expect(page).toMatchObject({
      id: body.events[0].id,
      type: 'page',
      client_ts: String(body.events[0].ts),
      path: '/nc/:project_id',
      from_path: '/nc',
      referrer: 'external',
      name: '',
      props: '',
      app_name: 'acme-console',
      app_version: '1.0.0',
      app_env: 'production',
      library_version: '0.1.0',
      instance_id: 'server-1',
      anonymous_id: body.anonymousId,
      session_id: body.sessionId,
      dropped: 2,
    })
    expect(Math.abs(Number(page.received) * 1000 - Date.now())).toBeLessThan(10_000)
    expect(Number(page.ts) - Number(page.client_ts)).toBeLessThan(1000) // skew correction, same clock
    expect(track).toMatchObject({
      type: 'track',
      name: 'export_clicked',
      props: '{"format":"csv","rows":3}',
      dropped: 0,
    })
  })

  it('duplicates that got past the collector (a restart) collapse in the table: FINAL shows each event once', async () => {
    const body = payload(5)
    for (let restart = 0; restart < 3; restart++) {
      const collector = createCollector({ store: store('events_b') })
      expect((await collector(post(URL_, body))).status).toBe(204) // a new collector's window is empty: written again
    }
    const [final] = await rows('SELECT count() AS n, uniqExact(id) AS ids FROM events_b FINAL')
    expect(final).toEqual({ n: '5', ids: '5' })
    await client.command({ query: 'OPTIMIZE TABLE events_b FINAL' })
    expect(await rows('SELECT count() AS n FROM events_b')).toEqual([{ n: '5' }])
  })

  it('groups the events of concurrent requests into few inserts', async () => {
    const collector = createCollector({ store: store('events_c'), limits: false })
    const answers = await Promise.all(Array.from({ length: 30 }, () => collector(post(URL_, payload(20)))))
    expect(answers.every(r => r.status === 204)).toBe(true)
    expect(await rows('SELECT count() AS n FROM events_c FINAL')).toEqual([{ n: '600' }])
    const [{ parts }] = await rows("SELECT count() AS parts FROM system.parts WHERE table = 'events_c'")
    expect(Number(parts)).toBeLessThan(10)
  })

  it('a server that does not answer: retries with backoff, then 503 (never a 2xx)', async () => {
    const errors: unknown[] = []
    const down = clickhouseStore({ url: 'http://127.0.0.1:9', retries: 2, retryDelayMs: 10, timeoutMs: 500 })
    const collector = createCollector({ store: down, onError: error => errors.push(error) })
    const started = Date.now()
    expect((await collector(post(URL_, payload(1)))).status).toBe(503)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(String(errors[0])).toMatch(/ECONNREFUSED|connect/)
    await down.close?.()
  })

  it('createTable: false checks that the table exists', async () => {
    await expect(store('missing_table', { createTable: false }).open?.()).rejects.toThrow(
      new RegExp(
        `^\\[spa-telemetry\\] ClickHouse at ${server.url}: could not read table missing_table \\(Code: 60, .*doesn't exist.*\\): create it with the statement clickhouseDDL\\(\\) prints, or leave createTable on$`,
      ),
    )
  })

  it("the command sends to ClickHouse with --clickhouse, creating the URL's database; its start line shows no credentials", async () => {
    const lines: string[] = []
    const database = fresh()
    const url = server.url.replace('//', '//default:@') + `/${database}`
    const stop = await run(['--port', '0', '--clickhouse', url, '--table', 'events_cli'], line => lines.push(line))
    try {
      expect(lines).toEqual([
        expect.stringMatching(
          new RegExp(
            `^spa-telemetry collector on http://127\\.0\\.0\\.1:\\d+/telemetry storing in ClickHouse at ${server.url}/${database}, table events_cli, for pages on the same origin only \\(--origin allows others\\); dashboard on http://127\\.0\\.0\\.1:\\d+/dashboard/ \\(this machine only\\)$`,
          ),
        ),
      ])
      const endpoint = lines[0].split(' ')[3]
      const response = await fetch(endpoint, {
        method: 'POST',
        body: JSON.stringify(payload(3)),
        headers: { 'content-type': 'text/plain' },
      })
      expect(response.status).toBe(204)
      expect(await rows(`SELECT count() AS n FROM ${database}.events_cli FINAL`)).toEqual([{ n: '3' }])
    } finally {
      await stop?.()
    }
  })

  it('a lone surrogate is refused at the door (400): the concurrent requests beside it are stored (204), where 27 of 27 got 503', async () => {
    const collector = createCollector({ store: store('events_surrogate'), limits: false, onError: () => {} })
    const bodies = Array.from({ length: 27 }, () => payload(2))
    const poisoned = JSON.stringify(payload([{ path: '/x__' }])).replace('/x__', '/x\\ud800')
    const answers = await Promise.all([poisoned, ...bodies].map(body => collector(post(URL_, body))))
    expect(answers.map(r => r.status)).toEqual([400, ...bodies.map(() => 204)])
    expect(await rows('SELECT count() AS n, uniqExact(id) AS ids FROM events_surrogate')).toEqual([
      { n: '54', ids: '54' },
    ])
  })

  it('one request whose rows the server refuses fails alone: the others of its group get 204 and are stored once', async () => {
    const table = 'events_poisoned'
    const made = store(table)
    await made.open?.()
    // the server refuses any insert holding a row named poisoned_marker (a constraint the collector cannot know)
    await client.command({
      query: `ALTER TABLE ${table} ADD COLUMN guard UInt8 MATERIALIZED throwIf(name = 'poisoned_marker')`,
    })
    const errors: unknown[] = []
    const collector = createCollector({ store: made, limits: false, onError: error => errors.push(error) })
    const legit = Array.from({ length: 27 }, () => payload(5))
    const poisoned = payload([{ type: 'track', name: 'poisoned_marker', path: undefined }])
    const answers = await Promise.all(
      [...legit.slice(0, 9), poisoned, ...legit.slice(9)].map(body => collector(post(URL_, body))),
    )
    const statuses = answers.map(r => r.status)
    expect(statuses.filter(status => status === 204)).toHaveLength(27)
    expect(statuses[9]).toBe(503)
    expect(await rows(`SELECT count() AS n, uniqExact(id) AS ids FROM ${table}`)).toEqual([{ n: '135', ids: '135' }])
    expect(errors.map(String)).toEqual([
      `ClickHouseStoreError: [spa-telemetry] ClickHouse at ${server.url}: could not insert into ${table} (Code: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero, e.what() = DB::Exception): the server refused rows of this write`,
    ])
    // the legitimate requests are acknowledged again and again while the poisoned client keeps retrying
    const again = await Promise.all([poisoned, payload(2), payload(2)].map(body => collector(post(URL_, body))))
    expect(again.map(r => r.status)).toEqual([503, 204, 204])
  })

  it('creates the database the URL names on a fresh server, then the table', async () => {
    const database = fresh()
    const made = clickhouseStore({ url: `${server.url}/${database}` })
    stores.push(made)
    const collector = createCollector({ store: made })
    expect((await collector(post(URL_, payload(2)))).status).toBe(204)
    expect(await rows(`SELECT name FROM system.databases WHERE name = '${database}'`)).toEqual([{ name: database }])
    expect(await rows(`SELECT count() AS n FROM ${database}.spa_telemetry_events`)).toEqual([{ n: '2' }])
    // and the database of a table named database.table
    const other = fresh()
    const qualified = clickhouseStore({ url: server.url, table: `${other}.events` })
    stores.push(qualified)
    await qualified.open?.()
    expect(await rows(`SELECT count() AS n FROM ${other}.events`)).toEqual([{ n: '0' }])
  })

  it('a user who may not create the database: one sentence saying what to do', async () => {
    const database = fresh()
    const made = clickhouseStore({ url: server.url.replace('//', '//readonly:@') + `/${database}` })
    stores.push(made)
    await expect(made.open?.()).rejects.toThrow(
      new RegExp(
        `^\\[spa-telemetry\\] ClickHouse at ${server.url}/${database}: could not create database ${database} \\(Code: 164, .*readonly.*\\): create it \\(CREATE DATABASE ${database}\\) or let this user create databases$`,
      ),
    )
  })

  it('a wrong password: which step failed, never the password', async () => {
    const made = clickhouseStore({ url: server.url.replace('//', '//default:hunter2_secret@') + '/analytics' })
    stores.push(made)
    const error = await made.open?.().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(String(error)).toMatch(
      new RegExp(
        `^ClickHouseStoreError: \\[spa-telemetry\\] ClickHouse at ${server.url}/analytics: could not log in as "default" \\(Code: 193, .*\\): check the user and password in the URL`,
      ),
    )
    expect(String(error)).not.toContain('hunter2')
    expect(() => clickhouseStore({ url: 'http://default:hunter2_secret@localhost:99999/analytics' })).toThrow(
      /^\[spa-telemetry\] url is "http:\/\/…@localhost:99999\/analytics": expected the URL/,
    )
    expect(() => clickhouseStore({ url: 'http://localhost:8123/analytics;drop' })).toThrow(
      /^\[spa-telemetry\] url is "http:\/\/localhost:8123\/analytics;drop": expected .*its path, the database, a name of letters, digits and _$/,
    )
  })

  it('ClickHouse down at start: the command fails with one sentence (connect), without the unrelated --help hint', async () => {
    const error = await run(
      ['--port', '0', '--clickhouse', 'http://default:hunter2_secret@127.0.0.1:9/analytics'],
      () => {},
    ).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect((error as Error).message).toBe(
      '[spa-telemetry] ClickHouse at http://127.0.0.1:9/analytics: could not connect (connect ECONNREFUSED 127.0.0.1:9): is the server running, and is this its HTTP interface (port 8123 by default)?',
    )
  })

  it('ClickHouse down mid-run: 503 (insert, connect) while it is away, 204 once it is back; the events of the 503s are stored once, by their retry', async () => {
    const proxy = await startProxy(server.url)
    try {
      const errors: unknown[] = []
      const made = clickhouseStore({
        url: proxy.url,
        table: 'events_midrun',
        retries: 1,
        retryDelayMs: 10,
        timeoutMs: 1000,
      })
      stores.push(made)
      const collector = createCollector({ store: made, onError: error => errors.push(error) })
      expect((await collector(post(URL_, payload(1)))).status).toBe(204)
      await proxy.down()
      const lost = payload(2)
      expect((await collector(post(URL_, lost))).status).toBe(503)
      expect(String(errors.at(-1))).toMatch(
        new RegExp(
          `could not insert into events_midrun \\((connect ECONNREFUSED|socket hang up|read ECONNRESET).*\\)$`,
        ),
      )
      await proxy.up()
      expect((await collector(post(URL_, lost))).status).toBe(204)
      expect(await rows('SELECT count() AS n, uniqExact(id) AS ids FROM events_midrun')).toEqual([{ n: '3', ids: '3' }])
    } finally {
      await proxy.close()
    }
  })

  it('a table dropped mid-run is created again by the retry of the next insert', async () => {
    const database = fresh()
    const made = clickhouseStore({ url: `${server.url}/${database}`, table: 'events_dropped', retryDelayMs: 10 })
    stores.push(made)
    const collector = createCollector({ store: made })
    expect((await collector(post(URL_, payload(1)))).status).toBe(204)
    await client.command({ query: `DROP TABLE ${database}.events_dropped` })
    expect((await collector(post(URL_, payload(2)))).status).toBe(204)
    expect(await rows(`SELECT count() AS n FROM ${database}.events_dropped`)).toEqual([{ n: '2' }])
  })

  it('ClickHouse hanging mid-run (accepts, never answers): 503 once storeTimeoutMs is over, not when the insert gives up', async () => {
    const proxy = await startProxy(server.url)
    try {
      const made = clickhouseStore({ url: proxy.url, table: 'events_hang', retries: 0, timeoutMs: 5000 })
      stores.push(made)
      expect((await createCollector({ store: made })(post(URL_, payload(1)))).status).toBe(204)
      const collector = createCollector({ store: made, storeTimeoutMs: 300, onError: () => {} })
      await proxy.hang()
      const response = await collector(post(URL_, payload(1)))
      expect(response.status).toBe(503)
      expect(await response.json()).toEqual({ error: 'store did not answer within 300 ms' }) // not the insert's 5 s
      await proxy.up()
    } finally {
      await proxy.close()
    }
  })

  it('the DDL uses only types ClickHouse 18.16 has', () => {
    expect(clickhouseDDL()).not.toMatch(/DateTime64|Nullable|LowCardinality|JSON\b|Map\(/)
    expect(() => clickhouseDDL('events; DROP TABLE x')).toThrow(
      /^\[spa-telemetry\] table is "events; DROP TABLE x": expected a table name/,
    )
  })
})
