/**
 * The folded band on the ndjson engine (the ClickHouse engine: clickhouse.test.ts):
 * see folded.ts.
 */
import { afterAll, beforeAll, describe, it } from 'vitest'

import { createDashboard, ndjsonEngine } from '../../dashboard/index.js'
import type { Dashboard, Engine } from '../../dashboard/index.js'
import { tempDir } from '../helpers/collector.js'
import { writeStore } from './data.js'
import { expectFiveShowBand, expectOneReadsAsNobody, scenarios } from './folded.js'

const engines: Engine[] = []
const dashboards = {} as Record<keyof ReturnType<typeof scenarios>, Dashboard>

beforeAll(async () => {
  for (const [name, events] of Object.entries(scenarios())) {
    const dir = tempDir()
    writeStore(dir, events)
    const engine = ndjsonEngine({ dir, refreshMs: 0 })
    await engine.open()
    engines.push(engine)
    dashboards[name as keyof typeof dashboards] = createDashboard({
      store: engine,
      threshold: 5,
      clientAddress: () => '127.0.0.1',
    })
  }
})
afterAll(() => Promise.all(engines.map(engine => engine.close())))

describe('the folded band (ndjson engine)', () => {
  it('does not tell one install alone opening a screen on a day from nobody opening it, in any view or export', () =>
    expectOneReadsAsNobody(dashboards.nobody, dashboards.one))

  it('shows once the folded groups hold k installs together (five installs, each alone on its own version)', () =>
    expectFiveShowBand(dashboards.five))
})
