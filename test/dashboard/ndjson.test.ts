/**
 * The ndjson engine against the naive reference: every view, over several
 * periods, versions, screens and funnels, with the threshold at 5 and off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createDashboard, ndjsonEngine } from '../../dashboard/index.js'
import type { Engine } from '../../dashboard/index.js'
import { tempDir } from '../collector/helpers.js'
import { ask, questions, reference } from './answers.js'
import { dataset, writeStore } from './data.js'

const events = dataset()
let engine: Engine

beforeAll(async () => {
  const dir = tempDir()
  writeStore(dir, events)
  engine = ndjsonEngine({ dir, refreshMs: 0 })
  await engine.open()
})
afterAll(() => engine?.close())

describe.each([5, 0, 2])('ndjson engine, threshold %i', k => {
  it('answers every question as the naive count does', { timeout: 120_000 }, async () => {
    const dashboard = createDashboard({ store: engine, threshold: k, clientAddress: () => '127.0.0.1' })
    const expected = reference(events, k)
    for (const question of questions()) {
      const { status, json } = await ask(dashboard, question.path)
      expect(status, question.path).toBe(200)
      expect(json, question.path).toEqual(question.expected(expected))
    }
  })
})
