/**
 * For every unit test: fails the test if any body it produced did not
 * match `schema/v1.json` (see `test/schema.ts`).
 */
import { afterEach, expect } from 'vitest'

import { invalidPayloads } from './schema.js'

afterEach(() => {
  const invalid = invalidPayloads.splice(0)
  expect(invalid, 'payloads that do not match schema/v1.json').toEqual([])
})
