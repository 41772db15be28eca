/**
 * For every unit test: fails the test if any body it produced did not
 * match `schema/v1.json` (see `test/helpers/schema.ts`), or if it printed a warning
 * or an error no test asserted: a test that expects one captures it
 * (`vi.spyOn(console, 'warn').mockImplementation(...)`) and checks it, so a
 * green run prints nothing and a new warning is a failure, not noise.
 */
import { afterEach, expect } from 'vitest'

import { invalidPayloads } from './helpers/schema.js'

const printed: string[] = []
for (const level of ['warn', 'error'] as const) {
  const original = console[level].bind(console)
  console[level] = (...args: unknown[]) => {
    printed.push(`console.${level}: ${args.map(String).join(' ').slice(0, 300)}`)
    original(...args)
  }
}

afterEach(() => {
  const invalid = invalidPayloads.splice(0)
  expect(invalid, 'payloads that do not match schema/v1.json').toEqual([])
  const unasserted = printed.splice(0)
  expect(unasserted, 'warnings and errors no test asserted').toEqual([])
})
