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
import { expectInstallsAreRankedSums, loneAction } from './nested.js'

const engines: Engine[] = []
const open = async (events: StoredEvent[]): Promise<Dashboard> => {
  const dir = tempDir()
  writeStore(dir, events)
  const engine = ndjsonEngine({ dir, refreshMs: 0 })
  await engine.open()
  engines.push(engine)
  return createDashboard({ store: engine, threshold: 5, clientAddress: () => '127.0.0.1' })
}
const dashboards = {} as Record<'action', Dashboard>

beforeAll(async () => {
  dashboards.action = await open(loneAction())
})
afterAll(() => Promise.all(engines.map(engine => engine.close())))

describe('views inside views (ndjson engine)', () => {
  it("the Installs view's events are the Screens, Actions and Errors totals: one install's lone action is in none", () =>
    expectInstallsAreRankedSums(dashboards.action))
})
