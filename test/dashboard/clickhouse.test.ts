/**
 * The ClickHouse engine against a real server (Debian's 18.16 here), loaded
 * through the ClickHouse store with the same data set as the ndjson test:
 * every view answers as the naive count does, so both engines answer alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { clickhouseDDL, clickhouseStore } from '../../collector/index.js'
import type { StoredEvent } from '../../collector/index.js'
import { clickhouseEngine, createDashboard } from '../../dashboard/index.js'
import type { Engine } from '../../dashboard/index.js'
import { literal } from '../../dashboard/engines/clickhouse.js'
import { startClickHouse } from '../helpers/clickhouse-server.js'
import type { ClickHouseServer } from '../helpers/clickhouse-server.js'
import { ask, questions, reference } from './answers.js'
import { dataset } from './data.js'
import { expectFiveShowBand, expectOneReadsAsNobody, scenarios } from './folded.js'
import {
  expectFlowsLeaveNoLoneInstall,
  expectHourFlowsLeaveNoLoneInstall,
  expectInstallsAreRankedSums,
  loneAction,
  loneFlow,
  loneFlowInHour,
  noLoneFlow,
} from './nested.js'

const events = dataset()
let server: ClickHouseServer
let engine: Engine

beforeAll(async () => {
  server = await startClickHouse()
  const store = clickhouseStore({ url: server.url, table: 'events' })
  for (let at = 0; at < events.length; at += 5000) await store.write(events.slice(at, at + 5000))
  await store.close?.()
  engine = clickhouseEngine({ url: server.url, table: 'events' })
  await engine.open()
}, 60_000)
afterAll(async () => {
  await engine?.close()
  await server?.stop()
})

describe.each([5, 0])('ClickHouse engine, threshold %i', k => {
  // fewer questions than the ndjson test (two periods, two versions): each is a few queries to a server
  it('answers every question as the naive count does', { timeout: 180_000 }, async () => {
    const dashboard = createDashboard({ store: engine, threshold: k, clientAddress: () => '127.0.0.1' })
    const expected = reference(events, k)
    for (const question of questions(true)) {
      const { status, json } = await ask(dashboard, question.path)
      expect(status, question.path).toBe(200)
      expect(json, question.path).toEqual(question.expected(expected))
    }
  })
})

describe('ClickHouse engine over a table ordered by id (as earlier versions of the store made it)', () => {
  it('answers as over the table the store makes now', { timeout: 120_000 }, async () => {
    const client = (await import('@clickhouse/client')).createClient({ url: server.url })
    const old = clickhouseEngine({ url: server.url, table: 'events_by_id' })
    try {
      await client.command({ query: clickhouseDDL('events_by_id').replace(/ORDER BY .*$/, 'ORDER BY id') })
      const store = clickhouseStore({ url: server.url, table: 'events_by_id' })
      for (let at = 0; at < events.length; at += 5000) await store.write(events.slice(at, at + 5000))
      await store.close?.()
      const dashboard = createDashboard({ store: old, threshold: 5, clientAddress: () => '127.0.0.1' })
      const expected = reference(events, 5)
      for (const question of questions(true)
        .filter(q => /^(screens|funnel)\?/.test(q.path))
        .slice(0, 6)) {
        const { status, json } = await ask(dashboard, question.path)
        expect(status, question.path).toBe(200)
        expect(json, question.path).toEqual(question.expected(expected))
      }
      const [table] = await (
        await client.query({
          query: "SELECT sorting_key FROM system.tables WHERE name = 'events_by_id'",
          format: 'JSONEachRow',
        })
      ).json<{ sorting_key: string }>()
      expect(table.sorting_key).toBe('id')
    } finally {
      await old.close()
      await client.close()
    }
  })
})

describe('ClickHouse engine, the folded band (as folded.test.ts on ndjson)', () => {
  it(
    'tells one install alone from nobody in no view, and shows once the folded groups hold k installs',
    { timeout: 120_000 },
    async () => {
      const engines: Engine[] = []
      try {
        const dashboards: Record<string, ReturnType<typeof createDashboard>> = {}
        for (const [name, list] of Object.entries(scenarios())) {
          const store = clickhouseStore({ url: server.url, table: `fold_${name}` })
          await store.write(list)
          await store.close?.()
          const engine = clickhouseEngine({ url: server.url, table: `fold_${name}` })
          engines.push(engine)
          dashboards[name] = createDashboard({ store: engine, threshold: 5, clientAddress: () => '127.0.0.1' })
        }
        await expectOneReadsAsNobody(dashboards.nobody, dashboards.one)
        await expectFiveShowBand(dashboards.five)
      } finally {
        await Promise.all(engines.map(engine => engine.close()))
      }
    },
  )
})

describe('ClickHouse engine, views inside views (as nested.test.ts on ndjson)', () => {
  const open = async (name: string, list: StoredEvent[], engines: Engine[]) => {
    const store = clickhouseStore({ url: server.url, table: `nested_${name}` })
    await store.write(list)
    await store.close?.()
    const engine = clickhouseEngine({ url: server.url, table: `nested_${name}` })
    engines.push(engine)
    return createDashboard({ store: engine, threshold: 5, clientAddress: () => '127.0.0.1' })
  }

  it("the Installs view's events are the Screens, Actions and Errors totals", { timeout: 120_000 }, async () => {
    const engines: Engine[] = []
    try {
      await expectInstallsAreRankedSums(await open('action', loneAction(), engines))
    } finally {
      await Promise.all(engines.map(engine => engine.close()))
    }
  })

  it(
    "a screen's row minus its flows from every screen never leaves one install's page views",
    { timeout: 120_000 },
    async () => {
      const engines: Engine[] = []
      try {
        await expectFlowsLeaveNoLoneInstall(
          await open('flow', loneFlow(), engines),
          await open('no_flow', noLoneFlow(), engines),
        )
        await expectHourFlowsLeaveNoLoneInstall(await open('hour', loneFlowInHour(), engines))
      } finally {
        await Promise.all(engines.map(engine => engine.close()))
      }
    },
  )
})

describe('ClickHouse literals', () => {
  it('escape quotes, backslashes and control characters, so that a value is always one string', async () => {
    const hostile = ["'; DROP TABLE events; --", 'back\\slash', 'new\nline\u0000nul\u007f', "\\'", 'ünïcødé 🙂']
    const client = (await import('@clickhouse/client')).createClient({ url: server.url })
    try {
      for (const value of hostile) {
        const [row] = await (
          await client.query({ query: `SELECT ${literal(value)} AS v`, format: 'JSONEachRow' })
        ).json<{ v: string }>()
        expect(row.v).toBe(value)
      }
    } finally {
      await client.close()
    }
  })
})
