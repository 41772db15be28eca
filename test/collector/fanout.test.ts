/**
 * `createCollector({ stores: [...] })`: a 2xx only when every store took the
 * events; a failing destination gives the browser 503 and loses nothing
 * acknowledged; the browser's retry gives no store an event twice, also
 * after a restart of the collector.
 */
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { createCollector, ndjsonStore, segmentStore } from '../../collector/index.js'
import type { Store, StoredEvent } from '../../collector/index.js'
import { fanoutStore } from '../../collector/stores/fanout.js'
import { fakeSegment } from '../helpers/destinations.js'
import type { Fake } from '../helpers/destinations.js'
import { payload, post, stored, tempDir } from '../helpers/collector.js'

const URL_ = 'http://collector.test/telemetry'
const KEY = 'fanoutWriteKey_0123456789'

const fakes: Fake[] = []
const closing: Store[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const store of closing.splice(0)) await store.close?.()
  for (const fake of fakes.splice(0)) await fake.close()
})
const start = async () => {
  const fake = await fakeSegment(KEY)
  fakes.push(fake)
  return fake
}
const local = (dir: string): Store => {
  const store = ndjsonStore({ dir })
  closing.push(store)
  return store
}
const ids = (events: { id: string }[]): string[] => events.map(e => e.id)
const messageIds = (fake: Fake): string[] => fake.taken.map(item => item.messageId)

describe('createCollector({ stores })', () => {
  it('answers 204 once every store took the events, each store once', async () => {
    const dir = tempDir()
    const fake = await start()
    const collector = createCollector({
      stores: [local(dir), segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch` })],
    })
    const body = payload(3)
    expect((await collector(post(URL_, body))).status).toBe(204)
    expect(ids(stored(dir))).toEqual(ids(body.events))
    expect(messageIds(fake)).toEqual(ids(body.events))
  })

  it('a failing destination gives the browser 503; the local store keeps the events; the retry forwards them, each once everywhere', async () => {
    const dir = tempDir()
    const fake = await start()
    const errors: unknown[] = []
    const collector = createCollector({
      stores: [local(dir), segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch`, timeoutMs: 1000 })],
      onError: error => errors.push(error),
    })
    const body = payload(4)
    fake.script.push(...Array.from({ length: 20 }, () => ({ status: 503 })))
    const answer = await collector(post(URL_, body))
    expect(answer.status).toBe(503)
    expect(answer.headers.get('retry-after')).toBe('5')
    // (on a loaded machine the last call may be the one cut off by the deadline)
    expect(String(errors[0])).toMatch(
      /segment: .* (answered 503; no time left before|no answer within) the write's (deadline \(1000 ms\)|1000 ms)/,
    )
    expect(ids(stored(dir))).toEqual(ids(body.events)) // nothing acknowledged, nothing lost
    fake.script.length = 0
    expect((await collector(post(URL_, body))).status).toBe(204) // the browser sends again
    expect(ids(stored(dir))).toEqual(ids(body.events)) // not twice on disk
    expect(messageIds(fake)).toEqual(ids(body.events)) // once at the destination
  }, 10_000)

  it('a failing local store gives 503; the retry does not forward again what the destination took', async () => {
    const dir = tempDir()
    const fake = await start()
    const handle = await open(join(dir, 'probe'), 'w')
    await handle.close()
    const proto = Object.getPrototypeOf(handle) as { datasync(): Promise<void> }
    const collector = createCollector({
      stores: [local(dir), segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch` })],
      onError: () => {},
    })
    const body = payload(2)
    vi.spyOn(proto, 'datasync').mockRejectedValueOnce(
      Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }),
    )
    expect((await collector(post(URL_, body))).status).toBe(503)
    expect(messageIds(fake)).toEqual(ids(body.events))
    expect((await collector(post(URL_, body))).status).toBe(204)
    expect(ids(stored(dir))).toEqual(ids(body.events))
    expect(fake.requests).toHaveLength(1)
  })

  it('after a restart, the retry goes only to the store that had not taken the events', async () => {
    const dir = tempDir()
    const fake = await start()
    const body = payload(2)
    fake.script.push({ status: 401 })
    const before = createCollector({
      stores: [local(dir), segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch` })],
      onError: () => {},
    })
    expect((await before(post(URL_, body))).status).toBe(503)
    await closing[0].close?.()
    // a new process: the ndjson store's ledger starts from its files
    const after = createCollector({
      stores: [local(dir), segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch` })],
    })
    expect((await after(post(URL_, body))).status).toBe(204)
    expect(ids(stored(dir))).toEqual(ids(body.events))
    expect(messageIds(fake)).toEqual(ids(body.events))
  })

  it('takes functions beside stores, and reports every failing store', async () => {
    const got: StoredEvent[][] = []
    const errors: unknown[] = []
    const collector = createCollector({
      stores: [
        events => void got.push(events),
        () => Promise.reject(new Error('one')),
        { write: () => Promise.reject(new Error('two')) },
      ],
      onError: error => errors.push(error),
    })
    expect((await collector(post(URL_, payload(1)))).status).toBe(503)
    expect(got).toHaveLength(1)
    expect(errors.map(String)).toEqual(['AggregateError: one; two'])
    expect((await collector(post(URL_, payload(1)))).status).toBe(503)
  })

  it('offers recentIds only when every store lists its own: the ids all of them hold', async () => {
    const lister = (list: string[]): Store => ({ write: async () => {}, recentIds: async () => list })
    expect(await fanoutStore([lister(['a', 'b', 'c']), lister(['c', 'b', 'x'])]).recentIds?.(10)).toEqual(['b', 'c'])
    expect(fanoutStore([lister(['a']), { write: async () => {} }]).recentIds).toBeUndefined()
  })

  it('refuses store and stores together, an empty list, and what is not a store', () => {
    const store: Store = { write: async () => {} }
    expect(() => createCollector({ store, stores: [store] })).toThrow(
      /^\[spa-telemetry\] store is an object: expected store or stores, not both$/,
    )
    expect(() => createCollector({ stores: [] })).toThrow(
      /^\[spa-telemetry\] stores is an array: expected a non-empty array of stores/,
    )
    expect(() => createCollector({ stores: [store, 42 as never] })).toThrow(
      /^\[spa-telemetry\] stores\[1\] is 42: expected a store/,
    )
    expect(() => createCollector({})).toThrow(/^\[spa-telemetry\] store is undefined: expected a store/)
  })
})
