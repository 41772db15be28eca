/**
 * The size figures of the README and the guide are the size-limit budgets of
 * package.json, word for word (nanostores' size-synced test): a budget that
 * changes without its figures fails here. (`npm run size` checks that each
 * budget is within 3% of what it guards, so these figures are the sizes.)
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

interface Budget {
  name: string
  limit: string
}

const budgets = (JSON.parse(readFileSync('package.json', 'utf8')) as { 'size-limit': Budget[] })['size-limit']
const readme = readFileSync('README.md', 'utf8')
const benchmarks = readFileSync('docs/benchmarks.md', 'utf8')
const kb = (limit: string): number => Number(limit.replace(/ KB$/, ''))

describe('size figures', () => {
  it('docs/benchmarks.md lists every budget, as package.json has it', () => {
    expect(budgets.length).toBeGreaterThan(10)
    const rows = [...benchmarks.matchAll(/^\| (.+?) \| ([\d.]+ KB) \|$/gm)].map(([, name, limit]) => ({ name, limit }))
    expect(rows).toEqual(budgets.map(({ name, limit }) => ({ name, limit })))
  })

  it("the README's core figure is the core's budget, its adapters' range theirs", () => {
    const core = budgets.find(budget => budget.name.startsWith('core: createTracker'))!
    expect(readme).toContain(`The core is ${core.limit} min+gz`)
    // the browser adapters over the core, production builds
    const adapters = budgets
      .filter(budget =>
        /^spa-telemetry\/(vue|nuxt|redux|history|react-router) over the (core|Vue plugin)\b.*\(production\)$/.test(
          budget.name,
        ),
      )
      .map(budget => kb(budget.limit))
    expect(adapters.length).toBeGreaterThanOrEqual(7)
    expect(readme).toContain(
      `each adapter adds ${Math.min(...adapters).toFixed(2)} to ${Math.max(...adapters).toFixed(2)} KB`,
    )
  })
})
