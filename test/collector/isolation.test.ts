/**
 * One bad request never fails another: a group write that fails is split and
 * written again in halves, so that only the requests whose events the store
 * refuses get 503 (function stores, the ndjson store; the real ClickHouse in
 * clickhouse.test.ts). A store that hangs gets a 503 in time, and a retry is
 * never stored twice.
 */
import fs from 'node:fs'
import { symlinkSync } from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

import { groupWrites } from '../../collector/group.js'
import { createCollector, ndjsonStore } from '../../collector/index.js'
import type { StoredEvent } from '../../collector/index.js'
import { payload, post, stored, tempDir } from '../helpers/collector.js'

const URL_ = 'http://collector.test/telemetry'
const MARKER = 'poisoned_marker'
const poisoned = () => payload([{ type: 'track', name: MARKER, path: undefined }])

describe('groupWrites', () => {
  it('a failed group is written again in halves: only the write that fails alone is rejected', async () => {
    const flushes: number[][] = []
    const grouped = groupWrites<number>(async items => {
      flushes.push(items)
      if (items.includes(13)) throw new Error('refused 13')
    })
    const writes = Array.from({ length: 32 }, (_, i) => grouped.write([i]))
    const outcomes = await Promise.allSettled(writes)
    expect(outcomes.map(o => o.status)).toEqual(
      Array.from({ length: 32 }, (_, i) => (i === 13 ? 'rejected' : 'fulfilled')),
    )
    expect((outcomes[13] as PromiseRejectedResult).reason).toEqual(new Error('refused 13'))
    // 1 group + 2 halves per level down to the bad one (5 levels): 11 flushes, each item stored once
    expect(flushes).toHaveLength(11)
    expect(
      flushes
        .filter(items => !items.includes(13))
        .flat()
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 32 }, (_, i) => i).filter(i => i !== 13))
  })

  it('isolate: false (a store that is down for everyone) rejects the whole group after one flush', async () => {
    let calls = 0
    const grouped = groupWrites<number>(
      async () => {
        calls++
        throw new Error('down')
      },
      { isolate: () => false },
    )
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => grouped.write([i])))
    expect(outcomes.every(o => o.status === 'rejected')).toBe(true)
    expect(calls).toBe(1)
  })

  it('over maxPending waiting items, a write rejects at once with an [spa-telemetry] Error (the collector answers 503)', async () => {
    const grouped = groupWrites<number>(() => new Promise(resolve => setTimeout(resolve, 20)), { maxPending: 3 })
    const outcomes = await Promise.allSettled([grouped.write([1, 2]), grouped.write([3]), grouped.write([4])])
    expect(outcomes.map(o => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected'])
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toBe(
      'Error: [spa-telemetry] store backlog over 3 events: the store is slower than the events arrive',
    )
  })

  it('splitting stops after splitForMs: a store failing slowly for everyone costs one span, not 2·n flushes', async () => {
    let calls = 0
    const grouped = groupWrites<number>(
      async () => {
        calls++
        await new Promise(resolve => setTimeout(resolve, 20))
        throw new Error('down, slowly')
      },
      { splitForMs: 50 },
    )
    const outcomes = await Promise.allSettled(Array.from({ length: 64 }, (_, i) => grouped.write([i])))
    expect(outcomes.every(o => o.status === 'rejected')).toBe(true)
    expect(calls).toBeLessThanOrEqual(5) // the group, then halves until 50 ms are over (127 without the bound)
  })

  it('flushes one at a time, also while splitting; writes that arrive meanwhile form the next group', async () => {
    let running = 0
    let overlapped = false
    const sizes: number[] = []
    const grouped = groupWrites<number>(async items => {
      overlapped ||= running > 0
      running++
      sizes.push(items.length)
      await new Promise(resolve => setTimeout(resolve, 5))
      running--
      if (items.includes(0)) throw new Error('refused 0')
    })
    const first = Array.from({ length: 8 }, (_, i) => grouped.write([i]))
    await new Promise(resolve => setTimeout(resolve, 1))
    const later = Array.from({ length: 4 }, (_, i) => grouped.write([100 + i]))
    const outcomes = await Promise.allSettled([...first, ...later])
    expect(outcomes.filter(o => o.status === 'rejected')).toHaveLength(1)
    expect(overlapped).toBe(false)
    expect(sizes.at(-1)).toBe(4) // the later writes, together, after the first group was settled
  })
})

describe('a request whose events the store refuses fails alone', () => {
  it('function store: concurrent requests beside a poisoned one all get 204 and are stored once', async () => {
    const written: string[] = []
    let calls = 0
    const collector = createCollector({
      store: async (events: StoredEvent[]) => {
        calls++
        await new Promise(resolve => setTimeout(resolve, 2))
        if (events.some(event => event.name === MARKER)) throw new Error('the downstream API refused an event')
        written.push(...events.map(event => event.id))
      },
      limits: false,
      onError: () => {},
    })
    const bodies = Array.from({ length: 27 }, () => payload(3))
    const answers = await Promise.all(
      [...bodies.slice(0, 13), poisoned(), ...bodies.slice(13)].map(body => collector(post(URL_, body))),
    )
    const statuses = answers.map(r => r.status)
    expect(statuses.filter(s => s === 204)).toHaveLength(27)
    expect(statuses[13]).toBe(503)
    expect(written.sort()).toEqual(bodies.flatMap(b => b.events.map(e => e.id)).sort())
    expect(calls).toBeLessThan(27) // still grouped
  })

  /** Makes the ndjson store's append (fs.writevSync) fail with EFBIG for the bytes that hold `marker`. */
  const failAppendsOf = (marker: string) => {
    const original = fs.writevSync
    fs.writevSync = ((fd: number, buffers: NodeJS.ArrayBufferView[], position?: number) => {
      if (buffers.some(buffer => Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).includes(marker))) {
        throw Object.assign(new Error('EFBIG: file too large, write'), { code: 'EFBIG' })
      }
      return original(fd, buffers, position)
    }) as typeof fs.writevSync
    syncBuiltinESMExports()
    return () => {
      fs.writevSync = original
      syncBuiltinESMExports()
    }
  }
  let restore: (() => void) | undefined
  afterEach(() => restore?.())

  it("ndjson store: an append refused for one request's bytes fails that request only; nothing is written twice", async () => {
    const dir = tempDir()
    const store = ndjsonStore({ dir })
    const errors: unknown[] = []
    const collector = createCollector({ store, limits: false, onError: error => errors.push(error) })
    expect((await collector(post(URL_, payload(1)))).status).toBe(204) // opened before the fault
    restore = failAppendsOf(MARKER)
    const bodies = Array.from({ length: 20 }, () => payload(5))
    const answers = await Promise.all([poisoned(), ...bodies].map(body => collector(post(URL_, body))))
    expect(answers.map(r => r.status)).toEqual([503, ...bodies.map(() => 204)])
    const ids = stored(dir).map(e => e.id)
    expect(ids).toHaveLength(101)
    expect(new Set(ids).size).toBe(101)
    expect(String(errors[0])).toMatch(
      /^Error: \[spa-telemetry\] ndjson store: could not append to .*events-\d{4}-\d\d-\d\d\.ndjson \(EFBIG: file too large, write\)$/,
    )
    await store.close?.()
  })

  it('ndjson store: a group spanning two days is all or nothing (the day appended first is cut back)', async () => {
    const dir = tempDir()
    const store = ndjsonStore({ dir })
    const event = (receivedAt: string, name?: string): StoredEvent => ({
      ...(name ? { type: 'track', name } : { type: 'page', path: '/' }),
      id: `${receivedAt.slice(0, 10)}_${Math.random().toString(36).slice(2, 9)}`.padEnd(21, '-').slice(0, 21),
      ts: 1,
      clientTs: 1,
      receivedAt,
      sentAt: receivedAt,
      app: { name: 'a' },
      library: { name: 'spa-telemetry', version: '0.1.0' },
    })
    await store.write([event('2026-11-24T12:00:00.000Z')])
    restore = failAppendsOf(MARKER)
    const before = event('2026-11-24T23:59:59.999Z')
    const after = event('2026-11-25T00:00:00.001Z', MARKER)
    const outcomes = await Promise.allSettled([store.write([before]), store.write([after])])
    expect(outcomes.map(o => o.status)).toEqual(['fulfilled', 'rejected'])
    // the group (both days) failed on the second day: the first day's line was cut back, then written once, alone
    expect(stored(dir).map(e => e.id)).toEqual([expect.any(String), before.id])
    await store.close?.()
  })

  it('ndjson store on a full disk (/dev/full): 503 for every request, a sentence naming the file, and the process serves on', async () => {
    const dir = tempDir()
    const day = new Date().toISOString().slice(0, 10)
    symlinkSync('/dev/full', join(dir, `events-${day}.ndjson`))
    const errors: unknown[] = []
    const store = ndjsonStore({ dir, fsync: false })
    const collector = createCollector({ store, limits: false, onError: error => errors.push(error) })
    const answers = await Promise.all(Array.from({ length: 8 }, () => collector(post(URL_, payload(2)))))
    expect(answers.map(r => r.status)).toEqual(Array(8).fill(503))
    expect(answers[0].headers.get('retry-after')).toBe('5')
    expect(String(errors[0])).toContain(`could not append to ${join(dir, `events-${day}.ndjson`)} (ENOSPC`)
    expect((await collector(post(URL_, { nope: 1 }))).status).toBe(400)
    await store.close?.()
  })
})

describe('a store that hangs', () => {
  it('503 once storeTimeoutMs is over; a retry meanwhile waits for the same write instead of writing again; stored once', async () => {
    let release!: () => void
    const hanging = new Promise<void>(resolve => (release = resolve))
    const writes: string[][] = []
    const collector = createCollector({
      store: async events => {
        writes.push(events.map(event => event.id))
        await hanging
      },
      storeTimeoutMs: 100,
      onError: () => {},
    })
    const body = payload(2)
    const first = await collector(post(URL_, body))
    expect(first.status).toBe(503)
    expect(first.headers.get('retry-after')).toBe('5')
    expect(JSON.parse(await first.text())).toEqual({ error: 'store did not answer within 100 ms' })
    expect((await collector(post(URL_, body))).status).toBe(503) // the retry: its events are still being written
    release()
    await new Promise(resolve => setTimeout(resolve, 10))
    expect((await collector(post(URL_, body))).status).toBe(204) // stored by the first write: acknowledged, not written again
    expect(writes).toEqual([body.events.map(e => e.id)])
  })

  it('a recentIds that hangs (seeding after a restart) gets 503 in time too', async () => {
    const collector = createCollector({
      store: { write: async () => {}, recentIds: () => new Promise<string[]>(() => {}) },
      storeTimeoutMs: 50,
    })
    expect((await collector(post(URL_, payload(1)))).status).toBe(503)
  })

  it('slow clients while group writes fail: bodies still time out (408), every request is answered, a retry succeeds once the store is back', async () => {
    let failing = true
    const collector = createCollector({
      store: async () => {
        await new Promise(resolve => setTimeout(resolve, 30))
        if (failing) throw new Error('down')
      },
      bodyTimeoutMs: 200,
      storeTimeoutMs: 300,
      limits: false,
      onError: () => {},
    })
    const slow = () =>
      new Request(URL_, {
        method: 'POST',
        body: new ReadableStream<Uint8Array>({
          start: c => c.enqueue(new TextEncoder().encode('{"schema":1,')),
          pull: () => new Promise(() => {}),
        }),
        headers: { 'content-type': 'text/plain' },
        duplex: 'half',
      } as RequestInit)
    const answers = await Promise.all(
      [...Array.from({ length: 5 }, slow), ...Array.from({ length: 20 }, () => post(URL_, payload(2)))].map(request =>
        collector(request),
      ),
    )
    expect(answers.map(r => r.status)).toEqual([...Array(5).fill(408), ...Array(20).fill(503)])
    // once the store is back, a client's retry is stored (the split of the failed group may still be draining: retried as the tracker does)
    failing = false
    const body = payload(2)
    let status = 0
    for (let attempt = 0; attempt < 20 && status !== 204; attempt++) {
      status = (await collector(post(URL_, body))).status
      if (status !== 204) await new Promise(resolve => setTimeout(resolve, 100))
    }
    expect(status).toBe(204)
  })
})
