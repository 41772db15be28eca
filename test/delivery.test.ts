/**
 * The delivery state machine, event by event: fake timers, and a
 * collector whose answers the test scripts and releases one at a time.
 */
import { describe, expect, it, vi } from 'vitest'

import { classify, createDelivery } from '../src/delivery.js'
import type { DeliveryOptions } from '../src/delivery.js'
import { createStoredQueue } from '../src/queue.js'
import { REQUEST_TIMEOUT_MS } from '../src/transport.js'
import { openStorage } from '../src/storage.js'
import type { TelemetryEvent } from '../src/types.js'
import { useFakeBrowser } from './helpers/browser.js'

const KEY = 'q'
let serial = 0
const event = (name = 'e'): TelemetryEvent => ({
  type: 'track',
  id: String(serial++).padStart(21, '0'),
  ts: Date.now(),
  name,
})

interface Request {
  events: string[]
  dropped: number
  init: RequestInit
  /** answers the request */
  answer(status: number, headers?: Record<string, string>): Promise<void>
}

/** A collector that answers only when the test says so. */
const collector = () => {
  const requests: Request[] = []
  const fetch = vi.fn(
    (_: string, init: RequestInit) =>
      new Promise<Response>((resolve, reject) => {
        // as fetch does: an aborted request rejects
        init.signal?.addEventListener('abort', () =>
          reject(new DOMException('The operation was aborted.', 'AbortError')),
        )
        const body = JSON.parse(String(init.body))
        requests.push({
          events: body.events.map((e: TelemetryEvent) => e.name),
          dropped: body.dropped,
          init,
          answer: async (status, headers = {}) => {
            if (status) resolve(new Response(null, { status, headers }))
            else reject(new TypeError('Failed to fetch'))
            await vi.advanceTimersByTimeAsync(0)
          },
        })
      }),
  )
  vi.stubGlobal('fetch', fetch)
  return { requests, fetch }
}

const stored = (): string[] =>
  JSON.parse(localStorage.getItem(KEY) || '{"events":[]}').events.map((e: TelemetryEvent) => e.name)

const deliver = (options: Partial<DeliveryOptions> = {}) =>
  createDelivery({
    endpoint: '/telemetry',
    transport: 'fetch',
    batchSize: 3,
    intervalMs: 5000,
    stored: createStoredQueue(
      openStorage('localStorage', () => {}),
      KEY,
      () => true,
    ),
    hasStored: localStorage.getItem(KEY) !== null,
    serialize: (events, dropped) => JSON.stringify({ events, dropped }),
    allowed: () => true,
    log: () => {},
    debug: false,
    ...options,
  })

useFakeBrowser()

describe('classify(status)', () => {
  it.each([
    [200, 'sent'],
    [202, 'sent'],
    [204, 'sent'],
    [299, 'sent'],
    [413, 'shrink'],
    [400, 'drop'],
    [401, 'drop'],
    [403, 'drop'],
    [404, 'drop'],
    [415, 'drop'],
    [422, 'drop'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [0, 'retry'],
    [302, 'retry'],
  ])('%i → %s', (status, outcome) => {
    expect(classify(status)).toBe(outcome)
  })
})

describe('acknowledged delivery', () => {
  it('an event is forgotten only after a 2xx: stored while in flight, removed once answered', async () => {
    const { requests } = collector()
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.flush('now')
    expect(requests).toHaveLength(1)
    expect(stored()).toEqual(['a'])
    await requests[0].answer(204)
    expect(stored()).toEqual([])
  })

  it('a batch handed over at unload and never answered is sent again by the next load', async () => {
    const { requests } = collector()
    const first = deliver()
    first.push(event('a'))
    first.push(event('b'))
    first.flush('unload')
    expect(requests[0].init.keepalive).toBe(true)
    expect(stored()).toEqual(['a', 'b'])
    // the page dies: no answer ever reaches it. The next load:
    const second = deliver()
    second.start()
    await vi.advanceTimersByTimeAsync(1000)
    expect(requests.map(r => r.events)).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ])
    await requests[1].answer(204)
    expect(stored()).toEqual([])
  })

  it('one request at a time while the page lives; the answer sends the next', async () => {
    const { requests } = collector()
    const delivery = deliver()
    for (const name of ['a', 'b', 'c']) delivery.push(event(name))
    await vi.advanceTimersByTimeAsync(0)
    for (const name of ['d', 'e', 'f', 'g']) delivery.push(event(name))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(requests.map(r => r.events)).toEqual([['a', 'b', 'c']])
    await requests[0].answer(204)
    expect(requests.map(r => r.events)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f', 'g'],
    ])
  })

  it('at unload, everything queued goes at once, beside what is in flight, within the keepalive budget', async () => {
    const { requests } = collector()
    const delivery = deliver({ batchSize: 1000 })
    for (let i = 0; i < 900; i++) delivery.push(event('x'.repeat(40)))
    delivery.flush('now')
    delivery.flush('unload')
    const bytes = requests.map(r => new TextEncoder().encode(String(r.init.body)).length)
    expect(requests.length).toBeGreaterThan(2)
    expect(Math.max(...bytes)).toBeLessThanOrEqual(16 * 1024)
    expect(bytes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(48 * 1024)
    expect(requests.every(r => r.init.keepalive)).toBe(true)
  })

  it('hidden with a request in flight: what does not fit the keepalive budget left stays queued and stored, and goes next', async () => {
    const { requests } = collector()
    const delivery = deliver({ batchSize: 1000 })
    // seven events of about 12.5 KB (20 props of 200 three-byte characters, within limits)
    const big = (name: string): TelemetryEvent => ({
      ...event(name),
      props: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, '€'.repeat(200)])),
    })
    delivery.push(event('page'))
    delivery.flush('now')
    const names = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7']
    for (const name of names) delivery.push(big(name))
    delivery.flush('unload')
    const atUnload = requests.slice(1)
    expect(atUnload.length).toBeGreaterThan(0)
    expect(atUnload.length).toBeLessThan(7)
    expect(atUnload.flatMap(r => r.events)).toEqual(names.slice(0, atUnload.length))
    expect(stored()).toEqual(['page', ...names])
    // the collector answers: the rest follow, nothing dropped
    for (let i = 0; i < requests.length; i++) await requests[i].answer(204)
    expect(requests.flatMap(r => r.events)).toEqual(['page', ...names])
    expect(requests.map(r => r.dropped)).toEqual(requests.map(() => 0))
    expect(stored()).toEqual([])
  })
})

describe('retries', () => {
  it('network errors, 408 and 5xx are retried with exponential backoff and jitter', async () => {
    const { requests } = collector()
    vi.spyOn(Math, 'random').mockReturnValue(0.999)
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.flush('now')
    const delays: number[] = []
    for (const status of [0, 503, 408, 500]) {
      const before = Date.now()
      const count = requests.length
      await requests.at(-1)!.answer(status)
      while (requests.length === count) await vi.advanceTimersByTimeAsync(100)
      delays.push(Date.now() - before)
    }
    // 1 s, 2 s, 4 s, 8 s, each times 0.5 to 1.5 (here 1.499)
    expect(delays.map(d => Math.round(d / 100) / 10)).toEqual([1.5, 3, 6, 12])
    await requests.at(-1)!.answer(204)
    expect(requests.map(r => r.events)).toEqual(Array(5).fill(['a']))
  })

  it('a request with no answer in 30 s is aborted and retried: a hanging one holds back nothing for long', async () => {
    const { requests } = collector()
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.flush('now')
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS - 1)
    delivery.push(event('b'))
    delivery.flush('now')
    // still waiting: one request at a time, and the event stays stored
    expect(requests).toHaveLength(1)
    expect(requests[0].init.signal?.aborted).toBe(false)
    expect(stored()).toEqual(['a', 'b'])
    await vi.advanceTimersByTimeAsync(1)
    expect(requests[0].init.signal?.aborted).toBe(true)
    // retried after the first backoff (1 s, times 0.5 + 0.5), with what came since
    await vi.advanceTimersByTimeAsync(999)
    expect(requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(requests.map(r => r.events)).toEqual([['a'], ['a', 'b']])
    await requests[1].answer(204)
    expect(stored()).toEqual([])
    // an answered request's timer is gone: nothing is aborted later
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS)
    expect(requests[1].init.signal?.aborted).toBe(false)
    expect(requests).toHaveLength(2)
  })

  it('the backoff is capped at a minute and starts again after a success', async () => {
    const { requests } = collector()
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.flush('now')
    for (let i = 0; i < 12; i++) {
      await requests.at(-1)!.answer(503)
      await vi.advanceTimersByTimeAsync(60_000)
    }
    const before = requests.length
    await requests.at(-1)!.answer(503)
    await vi.advanceTimersByTimeAsync(59_999)
    expect(requests.length).toBe(before)
    await vi.advanceTimersByTimeAsync(1)
    expect(requests.length).toBe(before + 1)
    await requests.at(-1)!.answer(204)
    delivery.push(event('b'))
    delivery.flush('now')
    await requests.at(-1)!.answer(0)
    await vi.advanceTimersByTimeAsync(1000)
    expect(requests.at(-1)!.events).toEqual(['b'])
  })

  it('429 with Retry-After: nothing is sent before it, not even at unload or on flush()', async () => {
    const { requests } = collector()
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.flush('now')
    await requests[0].answer(429, { 'retry-after': '30' })
    delivery.push(event('b'))
    delivery.flush('now')
    delivery.flush('unload')
    await vi.advanceTimersByTimeAsync(29_000)
    expect(requests).toHaveLength(1)
    expect(stored()).toEqual(['a', 'b'])
    await vi.advanceTimersByTimeAsync(1000)
    expect(requests).toHaveLength(2)
    expect(requests[1].events).toEqual(['a', 'b'])
  })

  it('Retry-After follows elapsed time: the clock set back an hour after a 429 stalls nothing, flush() included', async () => {
    const { requests } = collector()
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.flush('now')
    await requests[0].answer(429, { 'retry-after': '1' })
    vi.setSystemTime(Date.now() - 3_600_000)
    await vi.advanceTimersByTimeAsync(1000)
    expect(requests.map(r => r.events)).toEqual([['a'], ['a']])
    await requests[1].answer(429, { 'retry-after': '1' })
    vi.setSystemTime(Date.now() - 3_600_000)
    delivery.push(event('b'))
    delivery.flush('now')
    expect(requests).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(999)
    expect(requests).toHaveLength(2)
    // the wait has elapsed: flush() sends, whatever the wall clock says
    await vi.advanceTimersByTimeAsync(1)
    delivery.flush('now')
    expect(requests.map(r => r.events)).toEqual([['a'], ['a'], ['a', 'b']])
    await requests[2].answer(204)
    expect(stored()).toEqual([])
  })

  it('Retry-After follows elapsed time: the clock jumping forward does not cut the wait short', async () => {
    const { requests } = collector()
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.flush('now')
    await requests[0].answer(429, { 'retry-after': '30' })
    vi.setSystemTime(Date.now() + 3_600_000)
    delivery.flush('now')
    delivery.flush('unload')
    await vi.advanceTimersByTimeAsync(29_999)
    expect(requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(requests).toHaveLength(2)
  })

  it('Retry-After as an HTTP date, on a 503', async () => {
    const { requests } = collector()
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.flush('now')
    await requests[0].answer(503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() })
    await vi.advanceTimersByTimeAsync(119_000)
    expect(requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(requests).toHaveLength(2)
  })

  it('flush("now") (back online, or the app asks) cuts a backoff short', async () => {
    const { requests } = collector()
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.flush('now')
    for (let i = 0; i < 5; i++) {
      await requests.at(-1)!.answer(0)
      const count = requests.length
      while (requests.length === count) await vi.advanceTimersByTimeAsync(100)
    }
    await requests.at(-1)!.answer(0)
    delivery.flush('now')
    expect(requests).toHaveLength(7)
  })
})

describe('a collector on another origin that answers without CORS headers', () => {
  it("debug output (development) names the collector command's --origin flag with this page's origin", async () => {
    const lines: string[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_: string, init: RequestInit) => {
        // a POST's answer cannot be read (no Access-Control-Allow-Origin); the no-cors HEAD probe gets an opaque answer
        if (init.method === 'HEAD') return new Response(null, { status: 200 })
        throw new TypeError('Failed to fetch')
      }),
    )
    const delivery = deliver({
      endpoint: 'https://collector.example/telemetry',
      debug: true,
      log: line => void lines.push(line),
    })
    delivery.push(event('a'))
    delivery.flush('now')
    await vi.advanceTimersByTimeAsync(0)
    expect(lines.join('\n')).toContain(
      `https://collector.example answers, but not with Access-Control-Allow-Origin for ${location.origin}`,
    )
    expect(lines.join('\n')).toContain(`start the collector with --origin ${location.origin}`)
  })
})

describe('answers that shrink or drop', () => {
  it('413 halves the requests; a single event too large for the collector is dropped and counted', async () => {
    const { requests } = collector()
    const delivery = deliver({ batchSize: 100 })
    for (let i = 0; i < 8; i++) delivery.push(event('x'.repeat(1000)))
    delivery.flush('now')
    const first = String(requests[0].init.body).length
    await requests[0].answer(413)
    expect(String(requests[1].init.body).length).toBeLessThanOrEqual(first / 2)
    while (requests.at(-1)!.events.length > 1) await requests.at(-1)!.answer(413)
    const count = requests.length
    await requests.at(-1)!.answer(413)
    expect(requests[count]).toMatchObject({ dropped: 1 })
    const delivered: string[] = []
    for (let i = count; i < requests.length; i++) {
      delivered.push(...requests[i].events)
      await requests[i].answer(204)
    }
    // 8 events, one dropped: each of the other 7 delivered once
    expect(delivered).toHaveLength(7)
  })

  it('after a 413, an event a little over the halved size is tried alone, not dropped untried; a 413 while hidden loses nothing', async () => {
    const { requests } = collector()
    const delivery = deliver({ batchSize: 1000 })
    const sized = (name: string): TelemetryEvent => ({
      ...event(name),
      props: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, '€'.repeat(100)])),
    })
    for (const name of ['a', 'b', 'c', 'd']) delivery.push(sized(name))
    // hidden: two requests of two events each
    delivery.flush('unload')
    expect(requests.map(r => r.events)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
    await requests[0].answer(413)
    await requests[1].answer(204)
    // each of a and b, larger than half the refused body, alone
    expect(requests.slice(2).map(r => r.events)).toEqual([['a']])
    await requests[2].answer(204)
    await requests[3].answer(204)
    expect(requests.map(r => r.events)).toEqual([['a', 'b'], ['c', 'd'], ['a'], ['b']])
    expect(requests.map(r => r.dropped)).toEqual([0, 0, 0, 0])
    expect(stored()).toEqual([])
  })

  it('other 4xx drop the batch, counted once in the next body, never negative', async () => {
    const { requests } = collector()
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.push(event('b'))
    delivery.flush('now')
    await requests[0].answer(400)
    delivery.drop(1)
    delivery.push(event('c'))
    delivery.flush('now')
    expect(requests[1]).toMatchObject({ events: ['c'], dropped: 3 })
    await requests[1].answer(503)
    await vi.advanceTimersByTimeAsync(2000)
    // the retry reports the same loss again, once: its first report never arrived
    expect(requests[2]).toMatchObject({ events: ['c'], dropped: 3 })
    await requests[2].answer(204)
    delivery.push(event('d'))
    delivery.flush('now')
    expect(requests[3]).toMatchObject({ events: ['d'], dropped: 0 })
  })

  it('concurrent requests at unload report a loss once', async () => {
    const { requests } = collector()
    const delivery = deliver({ batchSize: 1000 })
    delivery.drop(2)
    for (let i = 0; i < 200; i++) delivery.push(event('x'.repeat(100)))
    delivery.flush('unload')
    expect(requests.length).toBeGreaterThan(1)
    expect(requests.map(r => r.dropped).reduce((a, b) => a + b)).toBe(2)
  })
})

describe('opt-out and offline', () => {
  it('forget(): a late answer changes nothing, the storage stays empty, the loss is not reported', async () => {
    const { requests } = collector()
    const delivery = deliver()
    delivery.drop(4)
    delivery.push(event('a'))
    delivery.flush('now')
    delivery.forget()
    expect(localStorage.getItem(KEY)).toBeNull()
    await requests[0].answer(503)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(requests).toHaveLength(1)
    expect(localStorage.getItem(KEY)).toBeNull()
    delivery.push(event('b'))
    delivery.flush('now')
    expect(requests[1]).toMatchObject({ events: ['b'], dropped: 0 })
  })

  it('nothing is stored when consent no longer allows it, and a flush then forgets everything', async () => {
    const { requests } = collector()
    let allowed = true
    const delivery = deliver({ allowed: () => allowed })
    delivery.push(event('a'))
    delivery.flush('now')
    allowed = false
    await requests[0].answer(503)
    expect(stored()).toEqual(['a'])
    delivery.flush('unload')
    expect(localStorage.getItem(KEY)).toBeNull()
    expect(requests).toHaveLength(1)
  })

  it('offline: nothing is sent, everything is stored; back online, all of it goes', async () => {
    const { requests } = collector()
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const delivery = deliver()
    for (const name of ['a', 'b', 'c', 'd']) delivery.push(event(name))
    await vi.advanceTimersByTimeAsync(10_000)
    delivery.flush('unload')
    expect(requests).toHaveLength(0)
    expect(stored()).toEqual(['a', 'b', 'c', 'd'])
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    delivery.flush('now')
    expect(requests.map(r => r.events)).toEqual([['a', 'b', 'c', 'd']])
  })

  it('a full batch waits while a request is out, a backoff runs or the browser is offline: no storage write per event', async () => {
    const { requests } = collector()
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    const delivery = deliver()
    delivery.push(event('a'))
    delivery.flush('now')
    await requests[0].answer(0)
    setItem.mockClear()
    for (let i = 0; i < 50; i++) delivery.push(event('burst'))
    await vi.advanceTimersByTimeAsync(500)
    expect(setItem.mock.calls.length).toBeLessThanOrEqual(1)
  })

  it('draining, the stored copy is rewritten once the queue is empty, not per answer; a batch that only moves into flight is not written again', async () => {
    const { requests } = collector()
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    const removeItem = vi.spyOn(Storage.prototype, 'removeItem')
    const delivery = deliver()
    for (const name of ['a', 'b', 'c']) delivery.push(event(name))
    delivery.flush('now')
    expect(setItem).toHaveBeenCalledTimes(1)
    for (const name of ['d', 'e', 'f']) delivery.push(event(name))
    // the scheduled flush, while a request is out: d, e and f are stored (they were added)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(setItem).toHaveBeenCalledTimes(2)
    expect(stored()).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    // the answer sends d, e and f at once: no write (a crash now could only send a, b and c again)
    await requests[0].answer(204)
    expect(requests.map(r => r.events)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ])
    expect(setItem).toHaveBeenCalledTimes(2)
    expect(removeItem).not.toHaveBeenCalled()
    // the last answer empties the queue: one write (nothing left: the key is removed)
    await requests[1].answer(204)
    expect(setItem).toHaveBeenCalledTimes(2)
    expect(removeItem).toHaveBeenCalledTimes(1)
    expect(stored()).toEqual([])
  })

  /** a, b and c in flight; d, e and f queued behind them, and stored by the scheduled flush */
  const aInFlightAndDStored = async () => {
    const { requests } = collector()
    const delivery = deliver()
    for (const name of ['a', 'b', 'c']) delivery.push(event(name))
    await vi.advanceTimersByTimeAsync(0)
    for (const name of ['d', 'e', 'f']) delivery.push(event(name))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(requests.map(r => r.events)).toEqual([['a', 'b', 'c']])
    expect(stored()).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    return { requests, delivery }
  }

  it('after stop(), answers still arriving update the stored copy, and send nothing', async () => {
    const { requests, delivery } = await aInFlightAndDStored()
    delivery.stop()
    await requests[0].answer(204)
    expect(stored()).toEqual(['d', 'e', 'f'])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(requests).toHaveLength(1)
  })

  it('answered events leave the stored copy at unload, and when the drain stops (here: offline)', async () => {
    const { requests, delivery } = await aInFlightAndDStored()
    await requests[0].answer(204)
    expect(requests.map(r => r.events)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ])
    expect(stored()).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    delivery.flush('unload')
    expect(stored()).toEqual(['d', 'e', 'f'])
    // offline: the answer's flush sends nothing, and writes what is left
    for (const name of ['g', 'h', 'i']) delivery.push(event(name))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(stored()).toEqual(['d', 'e', 'f', 'g', 'h', 'i'])
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    await requests[1].answer(204)
    expect(stored()).toEqual(['g', 'h', 'i'])
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
  })
})
