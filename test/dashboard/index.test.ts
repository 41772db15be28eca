/**
 * The ndjson engine's index (`.dashboard-index/` beside the day files): built
 * when missing, read instead of the files when present, extended by the lines
 * the collector appends, and never holding more than the store: a day file
 * that goes takes its segment with it, a rewritten one is read again.
 */
import { appendFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

import { ndjsonEngine } from '../../dashboard/index.js'
import type { Selection } from '../../dashboard/index.js'
import { tempDir } from '../helpers/collector.js'
import { dataset, DAY, END, FIRST, writeStore } from './data.js'

const all: Selection = {
  app: 'console',
  env: 'production',
  from: FIRST,
  to: END + DAY,
  types: ['page', 'track', 'action', 'heartbeat', 'error'],
}
const total = async (engine: ReturnType<typeof ndjsonEngine>): Promise<number> =>
  (await engine.atoms(all, [], 'day')).reduce((sum, atom) => sum + atom.events, 0)
const segments = (dir: string): string[] =>
  existsSync(join(dir, '.dashboard-index')) ? readdirSync(join(dir, '.dashboard-index')).sort() : []

describe('the ndjson index', () => {
  const events = dataset().filter(e => e.app.name === 'console' && e.app.env === 'production')
  const expected = new Set(events.map(e => e.id)).size

  it('is built when missing, then read instead of the files, with the same answers', async () => {
    const dir = tempDir()
    writeStore(dir, events)
    const cold = ndjsonEngine({ dir })
    await cold.open()
    expect(await total(cold)).toBe(expected)
    await cold.close()
    const days = readdirSync(dir).filter(name => name.endsWith('.ndjson'))
    expect(segments(dir)).toEqual(days.map(name => name.replace('.ndjson', '.segment')).sort())
    const warm = ndjsonEngine({ dir })
    await warm.open()
    expect(await total(warm)).toBe(expected)
    expect(await warm.atoms(all, ['path'], 'day')).toEqual(
      await (async () => {
        const again = ndjsonEngine({ dir, index: false })
        await again.open()
        const atoms = await again.atoms(all, ['path'], 'day')
        await again.close()
        return atoms
      })(),
    )
    await warm.close()
  })

  it('reads the lines appended after its segment, and then saves them', async () => {
    const dir = tempDir()
    writeStore(dir, events.slice(0, 3000))
    const engine = ndjsonEngine({ dir, refreshMs: 0 })
    await engine.open()
    const before = await total(engine)
    const day = readdirSync(dir)
      .filter(name => name.endsWith('.ndjson'))
      .sort()
      .at(-1)!
    const more = events.slice(3000, 3100).map(e => ({ ...e, receivedAt: `${day.slice(7, 17)}T12:00:00.000Z` }))
    appendFileSync(join(dir, day), more.map(e => JSON.stringify(e) + '\n').join('') + '{"id":"torn-line-without-an-end')
    expect(await total(engine)).toBe(before + more.length)
    await engine.close()
    const again = ndjsonEngine({ dir })
    await again.open()
    expect(await total(again)).toBe(before + more.length)
    await again.close()
  })

  it('never holds more than the store: a deleted day file takes its segment and its events away; a rewritten one is read again', async () => {
    const dir = tempDir()
    writeStore(dir, events)
    const engine = ndjsonEngine({ dir, refreshMs: 0 })
    await engine.open()
    await engine.close()
    const [first, second] = readdirSync(dir)
      .filter(name => name.endsWith('.ndjson'))
      .sort()
    const firstIds = new Set(events.filter(e => e.receivedAt.startsWith(first.slice(7, 17))).map(e => e.id))
    rmSync(join(dir, first))
    writeFileSync(join(dir, second), '') // emptied (retention, or a rewrite)
    const secondIds = new Set(events.filter(e => e.receivedAt.startsWith(second.slice(7, 17))).map(e => e.id))
    const after = ndjsonEngine({ dir, refreshMs: 0 })
    await after.open()
    expect(await total(after)).toBe(expected - firstIds.size - secondIds.size)
    await after.close()
    expect(segments(dir)).not.toContain(first.replace('.ndjson', '.segment'))
    // and while running: a file deleted under a running engine
    const live = ndjsonEngine({ dir, refreshMs: 0 })
    await live.open()
    const third = readdirSync(dir)
      .filter(name => name.endsWith('.ndjson'))
      .sort()[1]
    const thirdCount = new Set(events.filter(e => e.receivedAt.startsWith(third.slice(7, 17))).map(e => e.id)).size
    const running = await total(live)
    rmSync(join(dir, third))
    expect(await total(live)).toBe(running - thirdCount)
    await live.close()
    expect(segments(dir)).not.toContain(third.replace('.ndjson', '.segment'))
  })

  it('counts an event stored twice once', async () => {
    const dir = tempDir()
    const twice = events.slice(0, 50)
    writeStore(dir, [...twice, ...twice])
    const engine = ndjsonEngine({ dir })
    await engine.open()
    expect(
      (await engine.atoms({ ...all, app: twice[0].app.name }, [], 'day')).reduce((sum, atom) => sum + atom.events, 0),
    ).toBe(new Set(twice.map(e => e.id)).size)
    await engine.close()
  })
})
