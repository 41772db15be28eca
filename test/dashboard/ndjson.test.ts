/**
 * The ndjson engine against the naive reference: every view, over several
 * periods, versions, screens and funnels, with the threshold at 5 and off.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ndjsonStore } from '../../collector/index.js'
import { createDashboard, ndjsonEngine } from '../../dashboard/index.js'
import type { Engine } from '../../dashboard/index.js'
import { tempDir } from '../helpers/collector.js'
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

describe('ndjson engine fed by the collector (ingest, as the command wires it to onStored)', () => {
  it(
    'counts the events handed over as if read from the files, and its index then covers every file',
    { timeout: 120_000 },
    async () => {
      const dir = tempDir()
      const half = Math.floor(events.length / 2)
      writeStore(dir, events.slice(0, half))
      const fed = ndjsonEngine({ dir, refreshMs: 3_600_000 }) // never reads the files again: what it counts was handed over
      await fed.open()
      const store = ndjsonStore({ dir })
      for (let at = half; at < events.length; at += 500) {
        const batch = events.slice(at, at + 500)
        await store.write(batch)
        fed.ingest(batch)
      }
      await store.close?.()
      const expected = reference(events, 5)
      const check = async (engine: Engine): Promise<void> => {
        const dashboard = createDashboard({ store: engine, threshold: 5, clientAddress: () => '127.0.0.1' })
        for (const question of questions(true).filter(q => /^(screens|installs|funnel)\?/.test(q.path))) {
          const { status, json } = await ask(dashboard, question.path)
          expect(status, question.path).toBe(200)
          expect(json, question.path).toEqual(question.expected(expected))
        }
      }
      await check(fed)
      await fed.close() // writes the index
      for (const name of readdirSync(dir).filter(file => file.endsWith('.ndjson'))) {
        const segment = readFileSync(join(dir, '.dashboard-index', name.replace(/\.ndjson$/, '.segment')))
        const header = JSON.parse(segment.toString('utf8', 0, segment.indexOf(0x0a))) as { size: number }
        expect(header.size, name).toBe(statSync(join(dir, name)).size)
      }
      const restarted = ndjsonEngine({ dir, refreshMs: 0 })
      try {
        await check(restarted)
      } finally {
        await restarted.close()
      }
    },
  )
})

describe('ndjson engine over a directory that does not exist yet', () => {
  it('answers with nothing until the collector stores its first events, then counts them', async () => {
    // a fresh `npm run demo` or `vite dev`: the store makes its directory at the first event
    const dir = join(tempDir(), '.spa-telemetry')
    const empty = ndjsonEngine({ dir, refreshMs: 0 })
    await empty.open()
    const dashboard = createDashboard({ store: empty, threshold: 0, clientAddress: () => '127.0.0.1' })
    const before = await ask(dashboard, 'scopes')
    expect(before.status).toBe(200)
    expect(before.json).toMatchObject({ scopes: [], versions: [] })
    const store = ndjsonStore({ dir })
    await store.write(events.slice(0, 20))
    await store.close?.()
    // the dashboard keeps the list of apps for 10 s: a new one asks at once
    const after = await ask(createDashboard({ store: empty, threshold: 0, clientAddress: () => '127.0.0.1' }), 'scopes')
    expect(after.status).toBe(200)
    expect(after.json).toMatchObject({ scopes: [{ app: 'console', env: 'production' }] })
    await empty.close()
    // its index is private like the files: the directory 0700, each segment 0600
    expect(statSync(join(dir, '.dashboard-index')).mode & 0o777).toBe(0o700)
    for (const name of readdirSync(join(dir, '.dashboard-index')))
      expect(statSync(join(dir, '.dashboard-index', name)).mode & 0o777).toBe(0o600)
  })

  it('never makes the directory itself: the store makes it, private, at its first event', async () => {
    const dir = join(tempDir(), '.spa-telemetry')
    const engine = ndjsonEngine({ dir })
    await engine.open()
    await engine.close()
    expect(existsSync(dir)).toBe(false)
  })
})
