/**
 * Views inside views on the ndjson engine (the ClickHouse engine:
 * clickhouse.test.ts): see nested.ts.
 */
import { afterAll, beforeAll, describe, it } from 'vitest'

import type { StoredEvent } from '../../collector/index.js'
import { createDashboard, ndjsonEngine } from '../../dashboard/index.js'
import type { Dashboard, Engine } from '../../dashboard/index.js'
import { tempDir } from '../helpers/collector.js'
import { writeStore } from './data.js'
import {
  expectFlowsLeaveNoLoneInstall,
  expectHourFlowsLeaveNoLoneInstall,
  expectInstallsAreRankedSums,
  loneAction,
  loneFlow,
  loneFlowInHour,
  noLoneFlow,
} from './nested.js'

const engines: Engine[] = []
const open = async (events: StoredEvent[]): Promise<Dashboard> => {
  const dir = tempDir()
  writeStore(dir, events)
  const engine = ndjsonEngine({ dir, refreshMs: 0 })
  await engine.open()
  engines.push(engine)
  return createDashboard({ store: engine, threshold: 5, clientAddress: () => '127.0.0.1' })
}
const dashboards = {} as Record<'action' | 'flow' | 'noFlow' | 'hour', Dashboard>

beforeAll(async () => {
  dashboards.action = await open(loneAction())
  dashboards.flow = await open(loneFlow())
  dashboards.noFlow = await open(noLoneFlow())
  dashboards.hour = await open(loneFlowInHour())
})
afterAll(() => Promise.all(engines.map(engine => engine.close())))

describe('views inside views (ndjson engine)', () => {
  it("the Installs view's events are the Screens, Actions and Errors totals: one install's lone action is in none", () =>
    expectInstallsAreRankedSums(dashboards.action))

  it("a screen's row minus its flows from every screen never leaves one install's page views", () =>
    expectFlowsLeaveNoLoneInstall(dashboards.flow, dashboards.noFlow))

  it("by the hour too: a screen's hour minus its flows in that hour never leaves one install's page views", () =>
    expectHourFlowsLeaveNoLoneInstall(dashboards.hour))
})
