/**
 * The ClickHouse store against a real server (Debian's clickhouse-server,
 * 18.16 here): events inserted through the collector, read back, duplicates
 * collapsed by the ReplacingMergeTree (FINAL); a server that is down gives 503.
 */
import { createClient } from '@clickhouse/client'
import type { ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { run } from '../../collector/cli.js'
import { clickhouseDDL, clickhouseStore, createCollector } from '../../collector/index.js'
import type { Store } from '../../collector/index.js'
import { startClickHouse } from './clickhouse-server.js'
import type { ClickHouseServer } from './clickhouse-server.js'
import { payload, post } from './helpers.js'

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

const rows = async (query: string): Promise<Record<string, unknown>[]> => (await client.query({ query, format: 'JSONEachRow' })).json()
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
    expect(table).toEqual({ engine: 'ReplacingMergeTree', sorting_key: 'id' })
    const [page, track] = await rows('SELECT *, toUnixTimestamp(received_at) AS received FROM events_a FINAL ORDER BY client_ts, type')
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
    expect(track).toMatchObject({ type: 'track', name: 'export_clicked', props: '{"format":"csv","rows":3}', dropped: 0 })
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
    await expect(store('missing_table', { createTable: false }).open?.()).rejects.toThrow(/doesn't exist|UNKNOWN_TABLE|Table/)
  })

  it('the command sends to ClickHouse with --clickhouse', async () => {
    const lines: string[] = []
    const stop = await run(['--port', '0', '--clickhouse', server.url, '--table', 'events_cli'], line => lines.push(line))
    try {
      const endpoint = lines[0].replace('spa-telemetry collector: ', '')
      const response = await fetch(endpoint, { method: 'POST', body: JSON.stringify(payload(3)), headers: { 'content-type': 'text/plain' } })
      expect(response.status).toBe(204)
      expect(await rows('SELECT count() AS n FROM events_cli FINAL')).toEqual([{ n: '3' }])
      expect(lines[1]).toBe('storing in ClickHouse, table events_cli')
    } finally {
      await stop?.()
    }
  })

  it('the DDL uses only types ClickHouse 18.16 has', () => {
    expect(clickhouseDDL()).not.toMatch(/DateTime64|Nullable|LowCardinality|JSON\b|Map\(/)
    expect(() => clickhouseDDL('events; DROP TABLE x')).toThrow(/^\[spa-telemetry\] table is "events; DROP TABLE x": expected a table name/)
  })
})
