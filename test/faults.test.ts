/**
 * Fault injection: broken transports, broken storage, flaky networks,
 * hidden pages, clocks and lifecycles. In every case no exception reaches
 * the app, every event is either delivered once or counted in `dropped`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { createTracker, describeTracker } from '../src/index.js'
import type { Tracker } from '../src/index.js'
import { destroyAll, queueKey, setup, setVisibility, useFakeBrowser } from './helpers/browser.js'
import type { Sent } from './helpers/browser.js'

const routes = ['/', '/nc/:project_id']
let appErrors: unknown[] = []
const onError = (event: Event): void => void appErrors.push((event as ErrorEvent).error ?? event)
const onRejection = (reason: unknown): void => void appErrors.push(reason)

useFakeBrowser()
beforeEach(() => {
  appErrors = []
  window.addEventListener('error', onError)
  window.addEventListener('unhandledrejection', onError)
  process.on('unhandledRejection', onRejection)
})
afterEach(() => {
  window.removeEventListener('error', onError)
  window.removeEventListener('unhandledrejection', onError)
  process.off('unhandledRejection', onRejection)
})

/** Delivered ids (unique), duplicates, and the losses the payloads reported. */
const audit = (sent: Sent[]) => {
  const ids = sent.flatMap(s => s.payload.events.map(e => e.id as string))
  return {
    delivered: new Set(ids).size,
    duplicates: ids.length - new Set(ids).size,
    dropped: sent.reduce((n, s) => n + s.payload.dropped, 0),
  }
}

/** Records `count` events the way an app does: page views and clicks. */
const use = (tracker: Tracker, count: number): void => {
  for (let i = 0; i < count; i++) {
    if (i % 2) tracker.track('clicked', { i })
    else tracker.page(`/nc/p_${i}`)
  }
}

/** Runs every timer and pending promise for `ms` of fake time. */
const settle = (ms = 15 * 60_000) => vi.advanceTimersByTimeAsync(ms)

describe('transport faults', () => {
  it.each([
    [
      'sendBeacon missing',
      () => Object.defineProperty(navigator, 'sendBeacon', { value: undefined, configurable: true }),
    ],
    [
      'sendBeacon returning false',
      () => Object.defineProperty(navigator, 'sendBeacon', { value: () => false, configurable: true }),
    ],
    [
      'sendBeacon throwing',
      () =>
        Object.defineProperty(navigator, 'sendBeacon', {
          value: () => {
            throw new TypeError('Illegal invocation')
          },
          configurable: true,
        }),
    ],
  ])('%s: the default transport never needs it, everything is delivered with fetch, once', async (_, breakBeacon) => {
    const { tracker, sent } = setup({ routes })
    breakBeacon()
    use(tracker, 30)
    window.dispatchEvent(new Event('pagehide'))
    await settle()
    expect(audit(sent)).toEqual({ delivered: 30, duplicates: 0, dropped: 0 })
    expect(sent.every(s => s.via === 'fetch')).toBe(true)
    expect(appErrors).toEqual([])
  })

  it.each([
    ['missing', () => Object.defineProperty(navigator, 'sendBeacon', { value: undefined, configurable: true })],
    [
      'throwing',
      () =>
        Object.defineProperty(navigator, 'sendBeacon', {
          value: () => {
            throw new TypeError('Illegal invocation')
          },
          configurable: true,
        }),
    ],
  ])("transport: 'beacon' with sendBeacon %s: events are kept, nothing throws", async (_, breakBeacon) => {
    const { tracker, sent } = setup({ routes, transport: 'beacon' })
    breakBeacon()
    use(tracker, 6)
    window.dispatchEvent(new Event('pagehide'))
    await settle()
    expect(sent).toHaveLength(0)
    expect(JSON.parse(localStorage.getItem(queueKey())!).events).toHaveLength(6)
    expect(appErrors).toEqual([])
  })

  it.each([
    ['rejecting', [0, 0]],
    ['answering 500', [500, 500]],
    ['answering 429', [429, 429]],
    ['answering 413', [413, 413]],
  ])('fetch %s, then recovering: delivered once, nothing lost', async (_, failures) => {
    const statuses = [...failures]
    const { tracker, sent } = setup({ routes }, { status: () => statuses.shift() ?? 204 })
    use(tracker, 30)
    await settle()
    expect(audit(sent)).toEqual({ delivered: 30, duplicates: 0, dropped: 0 })
    expect(appErrors).toEqual([])
  })

  it('fetch failing for an hour: every event is kept and delivered once the collector is back', async () => {
    let status = 503
    const { tracker, sent } = setup({ routes }, { status: () => status })
    use(tracker, 10)
    await settle(60 * 60_000)
    status = 204
    tracker.track('after')
    tracker.flush()
    await settle()
    expect(audit(sent)).toEqual({ delivered: 11, duplicates: 0, dropped: 0 })
    expect(appErrors).toEqual([])
  })

  it('a collector that refuses with 400: counted, not retried', async () => {
    const statuses = [400]
    const { tracker, sent, fetch } = setup({ routes }, { status: () => statuses.shift() ?? 204 })
    use(tracker, 4)
    tracker.flush()
    await settle()
    use(tracker, 2)
    tracker.flush()
    await settle()
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(audit(sent)).toEqual({ delivered: 2, duplicates: 0, dropped: 4 })
  })
})

describe('storage faults', () => {
  const offlineSession = async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const first = setup({ routes })
    use(first.tracker, 6)
    window.dispatchEvent(new Event('pagehide'))
    destroyAll()
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    const second = setup({ routes })
    second.tracker.track('second_load')
    await settle()
    return [...first.sent, ...second.sent]
  }

  it('localStorage missing: events of an offline session are lost, and nothing throws', async () => {
    vi.spyOn(window, 'localStorage', 'get').mockReturnValue(undefined as never)
    const sent = await offlineSession()
    expect(audit(sent)).toMatchObject({ delivered: 1, duplicates: 0 })
    expect(appErrors).toEqual([])
  })

  it('localStorage throwing on access (private mode): nothing throws, the page keeps working', async () => {
    vi.spyOn(window, 'localStorage', 'get').mockImplementation(() => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    })
    const { tracker, sent } = setup({ routes })
    use(tracker, 6)
    await settle()
    expect(audit(sent)).toEqual({ delivered: 6, duplicates: 0, dropped: 0 })
    expect(sent[0].payload.anonymousId).toMatch(/^[\w-]{21}$/)
    expect(appErrors).toEqual([])
  })

  it('localStorage over quota: unsent events stay in memory and go when back online', async () => {
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('Quota exceeded', 'QuotaExceededError')
    })
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const { tracker, sent } = setup({ routes })
    use(tracker, 6)
    window.dispatchEvent(new Event('pagehide'))
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    window.dispatchEvent(new Event('online'))
    await settle()
    expect(audit(sent)).toEqual({ delivered: 6, duplicates: 0, dropped: 0 })
    expect(appErrors).toEqual([])
  })

  it.each([
    ['corrupt JSON', '{"v":1,"events":[{"type":"page",'],
    ['foreign JSON', '[1,2,3]'],
    ['JSON of another version', '{"v":2,"events":[]}'],
    ['events of another shape', '{"v":1,"events":[null,7,"x",{"type":"page"}]}'],
  ])('localStorage holding %s: ignored, counted, cleaned', async (_, text) => {
    localStorage.setItem(queueKey(), text)
    const { tracker, sent } = setup({ routes })
    use(tracker, 2)
    await settle()
    expect(audit(sent).delivered).toBe(2)
    expect(localStorage.getItem(queueKey())).toBeNull()
    expect(appErrors).toEqual([])
  })
})

describe('network and page faults', () => {
  it('offline and back online, repeatedly: each event delivered once', async () => {
    const { tracker, sent } = setup({ routes })
    for (let round = 0; round < 5; round++) {
      Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
      use(tracker, 4)
      await settle(10_000)
      Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
      window.dispatchEvent(new Event('online'))
      await settle(10_000)
    }
    expect(audit(sent)).toEqual({ delivered: 20, duplicates: 0, dropped: 0 })
    expect(localStorage.getItem(queueKey())).toBeNull()
  })

  it('the page hidden and shown repeatedly: each event delivered once', async () => {
    const { tracker, sent } = setup({ routes, heartbeatMs: 60_000 })
    for (let round = 0; round < 10; round++) {
      use(tracker, 3)
      setVisibility('hidden')
      window.dispatchEvent(new Event('pagehide'))
      setVisibility('visible')
    }
    await settle()
    const events = sent.flatMap(s => s.payload.events).filter(e => e.type !== 'heartbeat')
    expect(events).toHaveLength(30)
    expect(audit(sent).duplicates).toBe(0)
  })

  it('the clock jumping backwards: nothing is lost, nothing stops', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const first = setup({ routes, heartbeatMs: 60_000 })
    use(first.tracker, 4)
    window.dispatchEvent(new Event('pagehide'))
    destroyAll()
    vi.setSystemTime(Date.now() - 3 * 24 * 3600_000)
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    const second = setup({ routes, heartbeatMs: 60_000 })
    use(second.tracker, 2)
    await settle(5 * 60_000)
    const events = [...first.sent, ...second.sent].flatMap(s => s.payload.events)
    expect(events.filter(e => e.type !== 'heartbeat')).toHaveLength(6)
    expect(events.filter(e => e.type === 'heartbeat').length).toBeGreaterThanOrEqual(1)
    expect(appErrors).toEqual([])
  })
})

describe('lifecycle faults', () => {
  it('created twice for the same app: stored events are sent by one of them, once', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const first = setup({ routes })
    use(first.tracker, 4)
    window.dispatchEvent(new Event('pagehide'))
    destroyAll()
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    const a = setup({ routes })
    const b = setup({ routes })
    await settle()
    expect(audit([...a.sent, ...b.sent])).toEqual({ delivered: 4, duplicates: 0, dropped: 0 })
  })

  it('destroyed twice, then used: nothing throws, nothing more is sent', async () => {
    const { tracker, sent } = setup({ routes })
    use(tracker, 2)
    tracker.destroy()
    tracker.destroy()
    const calls = [
      () => tracker.page('/nc/p'),
      () => tracker.track('x'),
      () => tracker.action('a/b'),
      () => tracker.error(new Error('x')),
      () => tracker.flush(),
      () => tracker.optIn(),
      () => tracker.optOut(),
      () => describeTracker(tracker),
      () => tracker.status(),
      () => tracker.anonymize('/nc/p'),
    ]
    for (const call of calls) expect(call).not.toThrow()
    await settle()
    expect(audit(sent)).toEqual({ delivered: 2, duplicates: 0, dropped: 0 })
    expect(tracker.isEnabled()).toBe(false)
  })

  it('a hostile enabled() or a broken navigator never reaches the app', async () => {
    const tracker = createTracker({
      endpoint: '/t',
      app: { name: 'x' },
      enabled: () => {
        throw new Error('config not loaded')
      },
    })
    expect(() => use(tracker, 4)).not.toThrow()
    vi.spyOn(navigator, 'onLine', 'get').mockImplementation(() => {
      throw new Error('broken')
    })
    expect(() => tracker.flush()).not.toThrow()
    tracker.destroy()
    await settle()
    expect(appErrors).toEqual([])
  })
})
