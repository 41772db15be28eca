/**
 * The ndjson store (daily files, group commit, torn lines, restarts), the
 * de-duplication window and the token buckets.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { createDedupe } from '../../collector/dedupe.js'
import { createCollector, ndjsonStore } from '../../collector/index.js'
import type { StoredEvent } from '../../collector/index.js'
import { createLimiter } from '../../collector/limits.js'
import { newId, payload, post, stored, tempDir } from '../helpers/collector.js'

const URL_ = 'http://collector.test/telemetry'

const event = (receivedAt = new Date().toISOString()): StoredEvent => ({
  id: newId(),
  type: 'page',
  ts: 1,
  clientTs: 1,
  receivedAt,
  sentAt: receivedAt,
  path: '/',
  app: { name: 'a' },
  library: { name: 'spa-telemetry', version: '0.1.0' },
})

/** FileHandle's prototype, to count or break its calls. */
const fileHandle = async (dir: string) => {
  const handle = await open(join(dir, 'probe'), 'w')
  await handle.close()
  return Object.getPrototypeOf(handle) as { datasync(): Promise<void> }
}

afterEach(() => void vi.restoreAllMocks())

describe('ndjsonStore', () => {
  it('writes one JSON event per line in a file per UTC day of receivedAt', async () => {
    const dir = tempDir()
    const store = ndjsonStore({ dir: join(dir, 'events', 'nested') })
    const a = event('2026-11-24T23:59:59.999Z')
    const b = event('2026-11-25T00:00:00.000Z')
    await store.write([a, b])
    await store.close?.()
    const files = readdirSync(join(dir, 'events', 'nested')).sort()
    expect(files).toEqual(['events-2026-11-24.ndjson', 'events-2026-11-25.ndjson'])
    expect(readFileSync(join(dir, 'events', 'nested', files[0]), 'utf8')).toBe(JSON.stringify(a) + '\n')
    expect(readFileSync(join(dir, 'events', 'nested', files[1]), 'utf8')).toBe(JSON.stringify(b) + '\n')
  })

  it('groups the writes of concurrent requests into one append and one fsync', async () => {
    const dir = tempDir()
    const syncs = vi.spyOn(await fileHandle(dir), 'datasync')
    const store = ndjsonStore({ dir })
    const collector = createCollector({ store, limits: false })
    const answers = await Promise.all(Array.from({ length: 50 }, () => collector(post(URL_, payload(20)))))
    expect(answers.every(r => r.status === 204)).toBe(true)
    expect(stored(dir)).toHaveLength(1000)
    expect(syncs.mock.calls.length).toBeLessThanOrEqual(3)
    await store.close?.()
  })

  it('a failed fsync leaves no unacknowledged line behind, answers 503, and the retry is stored once', async () => {
    const dir = tempDir()
    const proto = await fileHandle(dir)
    const store = ndjsonStore({ dir })
    const collector = createCollector({ store, onError: () => {} })
    await collector(post(URL_, payload(1)))
    vi.spyOn(proto, 'datasync').mockRejectedValueOnce(
      Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }),
    )
    const body = payload(3)
    expect((await collector(post(URL_, body))).status).toBe(503)
    expect(stored(dir)).toHaveLength(1)
    expect((await collector(post(URL_, body))).status).toBe(204)
    expect(
      stored(dir)
        .map(e => e.id)
        .slice(1),
    ).toEqual(body.events.map(e => e.id))
    await store.close?.()
  })

  it('after a crash: drops a torn last line, and remembers the stored ids (a retry is not stored twice)', async () => {
    const dir = tempDir()
    const first = ndjsonStore({ dir })
    const body = payload(3)
    expect((await createCollector({ store: first })(post(URL_, body))).status).toBe(204)
    await first.close?.()
    const [file] = readdirSync(dir).filter(name => name.endsWith('.ndjson'))
    writeFileSync(join(dir, file), readFileSync(join(dir, file), 'utf8') + '{"id":"torn_write_xxxxxxxxxx","type":"pa')
    // the process restarts
    const second = ndjsonStore({ dir })
    const collector = createCollector({ store: second })
    expect((await collector(post(URL_, body))).status).toBe(204)
    expect(stored(dir)).toHaveLength(3)
    expect((await collector(post(URL_, payload(1)))).status).toBe(204)
    const text = readFileSync(join(dir, file), 'utf8')
    expect(text.endsWith('\n')).toBe(true)
    expect(text).not.toContain('torn_write')
    expect(stored(dir)).toHaveLength(4)
    await second.close?.()
  })

  it('recentIds reads the newest files, oldest id first', async () => {
    const dir = tempDir()
    const store = ndjsonStore({ dir })
    const events = [
      event('2026-11-23T10:00:00.000Z'),
      event('2026-11-24T10:00:00.000Z'),
      event('2026-11-24T11:00:00.000Z'),
    ]
    await store.write(events)
    expect(await store.recentIds?.(2)).toEqual([events[1].id, events[2].id])
    expect(await store.recentIds?.(10)).toEqual(events.map(e => e.id))
    await store.close?.()
  })

  it('recentIds skips blank and foreign lines, and counts each line once', async () => {
    const dir = tempDir()
    const [a, b] = [event(), event()]
    writeFileSync(
      join(dir, 'events-2026-11-20.ndjson'),
      `\n${JSON.stringify(a)}\n\nnot json\n{"type":"page","id":"${b.id}"}\n`,
    )
    const store = ndjsonStore({ dir })
    expect(await store.recentIds?.(10)).toEqual([a.id, b.id])
    await store.close?.()
  })

  it('recentIds reads a large file backwards, across its megabyte chunks', async () => {
    const dir = tempDir()
    const store = ndjsonStore({ dir })
    const events = Array.from({ length: 6000 }, () => ({
      ...event('2026-11-24T10:00:00.000Z'),
      props: { padding: 'x'.repeat(150) },
    }))
    await store.write(events)
    expect(readFileSync(join(dir, 'events-2026-11-24.ndjson')).length).toBeGreaterThan(2 * 1024 * 1024)
    expect(await store.recentIds?.(5000)).toEqual(events.slice(-5000).map(e => e.id))
    await store.close?.()
  })

  it('recentIds is right when a megabyte chunk starts on a newline', async () => {
    const dir = tempDir()
    // 451-byte lines: 451 divides 2^20 - 1, so reading back from the end, the 1 MiB chunk starts on a line's newline
    const make = () => {
      const base = { ...event('2026-11-24T10:00:00.000Z'), props: { padding: '' } }
      base.props.padding = 'x'.repeat(451 - (JSON.stringify(base).length + 1))
      return base
    }
    const events = Array.from({ length: 4000 }, make)
    expect(new Set(events.map(e => JSON.stringify(e).length + 1))).toEqual(new Set([451]))
    const store = ndjsonStore({ dir })
    await store.write(events)
    expect((await store.recentIds?.(4000))!.join()).toBe(events.map(e => e.id).join())
    await store.close?.()
  })

  it('a directory that cannot be created gives 503, and the collector recovers once it can', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'blocked'), '')
    const errors: unknown[] = []
    const store = ndjsonStore({ dir: join(dir, 'blocked', 'events') })
    const collector = createCollector({ store, onError: error => errors.push(error) })
    expect((await collector(post(URL_, payload(1)))).status).toBe(503)
    expect(String(errors[0])).toMatch(/ENOTDIR|EEXIST/)
    const ok = ndjsonStore({ dir: join(dir, 'fine') })
    mkdirSync(join(dir, 'fine'))
    expect((await createCollector({ store: ok })(post(URL_, payload(1)))).status).toBe(204)
    await ok.close?.()
  })

  it('fsync: false skips the fsync', async () => {
    const dir = tempDir()
    const syncs = vi.spyOn(await fileHandle(dir), 'datasync')
    const store = ndjsonStore({ dir, fsync: false })
    await store.write([event()])
    expect(syncs).not.toHaveBeenCalled()
    expect(stored(dir)).toHaveLength(1)
    await store.close?.()
  })
})

describe('de-duplication window', () => {
  it('forgets the oldest ids past its size', () => {
    const dedupe = createDedupe(2)
    dedupe.claim(['a', 'b', 'c']).settle(true)
    expect(dedupe.size).toBe(2)
    expect(dedupe.claim(['a', 'b', 'c']).fresh).toEqual([true, false, false])
  })

  it('decides as a plain set of the last ids would, over many random claims (fingerprint table, probing, deletion)', () => {
    let seed = 14
    const random = (): number => ((seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32
    for (const size of [1, 7, 64, 500]) {
      const dedupe = createDedupe(size)
      const window: string[] = []
      const pool = Array.from({ length: size * 3 }, (_, i) => `id${i}`.padEnd(21, '-'))
      for (let round = 0; round < 4000; round++) {
        const ids = Array.from({ length: 1 + Math.floor(random() * 5) }, () => pool[Math.floor(random() * pool.length)])
        const stored = random() < 0.9
        const expected = ids.map((id, i) => !window.includes(id) && ids.indexOf(id) === i)
        const claim = dedupe.claim(ids)
        expect(claim.fresh).toEqual(expected)
        claim.settle(stored)
        if (stored) {
          for (const [i, id] of ids.entries()) {
            if (!expected[i]) continue
            window.push(id)
            if (window.length > size) window.shift()
          }
        }
        expect(dedupe.size).toBe(window.length)
      }
    }
  })

  it('releases the ids of a failed write for a retry', () => {
    const dedupe = createDedupe(10)
    dedupe.claim(['a']).settle(false)
    expect(dedupe.claim(['a']).fresh).toEqual([true])
  })
})

describe('token buckets', () => {
  it('refill at their rate up to their burst; Retry-After is the wait for the tokens needed', () => {
    let now = 0
    const limiter = createLimiter({ client: { rate: 2, burst: 10 }, overall: { rate: 1000, burst: 10_000 } }, () => now)
    expect(limiter.take('a', 10)).toBe(0)
    expect(limiter.take('a', 1)).toBe(1)
    now = 2000 // 4 tokens back
    expect(limiter.take('a', 6)).toBe(1)
    expect(limiter.take('a', 4)).toBe(0)
    expect(limiter.take('a', 10)).toBe(5)
    now = 60_000
    expect(limiter.take('a', 10)).toBe(0)
    // a payload larger than the burst waits for a full bucket, never forever
    expect(limiter.take('b', 5000)).toBe(0)
  })

  it('the overall bucket covers payloads without ids; clients past the table size are forgotten, oldest first', () => {
    const now = 0
    const overall = createLimiter({ client: { rate: 1, burst: 2 }, overall: { rate: 10, burst: 5 } }, () => now)
    expect(overall.take(undefined, 5)).toBe(0)
    expect(overall.take(undefined, 1)).toBe(1)
    expect(overall.take('a', 1)).toBe(1) // a client is within both buckets
    const limiter = createLimiter({ client: { rate: 1, burst: 2 }, overall: false, clients: 2 }, () => now)
    expect(limiter.take('a', 2)).toBe(0)
    expect(limiter.take('b', 2)).toBe(0)
    expect(limiter.take('c', 1)).toBe(0) // forgets a
    expect(limiter.take('a', 2)).toBe(0) // a starts full again
    expect(limiter.take('c', 2)).toBe(1)
  })

  it('limits: false turns them off', () => {
    const limiter = createLimiter(false)
    expect(limiter.take('a', 1e9)).toBe(0)
  })
})
