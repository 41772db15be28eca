import { describe, expect, it, vi } from 'vitest'

import { createTracker, describeTracker, LIBRARY, segmentFormat } from '../src/index.js'
import { destroyAll, queueKey, resetBrowser, setup, setVisibility, useFakeBrowser } from './helpers/browser.js'
import type { Answer } from './helpers/browser.js'

const routes = ['/', '/nc/:project_id', '/nc/:project_id/table/:table_id']

useFakeBrowser()

describe('events', () => {
  it('page() reads the current location and sends its template, the previous one as from', async () => {
    const { tracker, events } = setup({ routes })
    window.history.replaceState(null, '', '/nc/p_8f2k?secret=1#frag')
    tracker.page()
    tracker.page('/nc/p_8f2k/table/customers')
    await vi.runAllTimersAsync()
    expect(events()).toMatchObject([
      { type: 'page', path: '/nc/:project_id' },
      { type: 'page', path: '/nc/:project_id/table/:table_id', from: '/nc/:project_id' },
    ])
    expect(events()[0]).not.toHaveProperty('from')
  })

  it('the first page view carries the anonymized referrer, later ones none', async () => {
    vi.spyOn(document, 'referrer', 'get').mockReturnValue('https://mail.example/inbox/alice@example.com')
    const { tracker, events } = setup({ routes })
    tracker.page('/nc/p1')
    tracker.page('/nc/p2')
    await vi.runAllTimersAsync()
    expect(events()[0].referrer).toBe('external')
    expect(events()[1]).not.toHaveProperty('referrer')
  })

  it('a same-origin referrer is sent as its template', async () => {
    vi.spyOn(document, 'referrer', 'get').mockReturnValue(`${location.origin}/nc/p_9/table/secret`)
    const { tracker, events } = setup({ routes })
    tracker.page('/nc/p1')
    await vi.runAllTimersAsync()
    expect(events()[0].referrer).toBe('/nc/:project_id/table/:table_id')
  })

  it('page() takes a route of the table as the match, and a name', async () => {
    const { tracker, events } = setup({ routes })
    tracker.page('/nc/p1/table/t1', { route: '/nc/:project_id', name: 'project' })
    tracker.page('/nc/p1/table/t1', { route: '/not/in/the/table' })
    await vi.runAllTimersAsync()
    expect(events()).toMatchObject([
      { path: '/nc/:project_id', name: 'project' },
      { path: '/nc/:project_id/table/:table_id' },
    ])
  })

  it('track() sends names and primitive props, strings capped', async () => {
    const { tracker, events } = setup({ routes })
    tracker.track('table_created', { kind: 'grid', rows: 3, shared: false, note: 'x'.repeat(500) })
    await vi.runAllTimersAsync()
    expect(events()[0]).toMatchObject({
      type: 'track',
      name: 'table_created',
      props: { kind: 'grid', rows: 3, shared: false },
    })
    expect((events()[0].props as { note: string }).note).toHaveLength(200)
  })

  it.each([
    ['a name with an email', () => ['signed in as alice@example.com']],
    ['an empty name', () => ['']],
    ['a name that is not a string', () => [42]],
    ['an object prop', () => ['x', { user: { email: 'alice@example.com' } }]],
    ['an array prop', () => ['x', { ids: [1, 2] }]],
    ['a NaN prop', () => ['x', { n: Number.NaN }]],
    ['props that are not an object', () => ['x', 'alice@example.com']],
    ['a prop name with free text', () => ['x', { 'alice@example.com': true }]],
    ['too many props', () => ['x', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i]))]],
  ])('drops %s, counts it, never sends it', async (_, args) => {
    const { tracker, sent } = setup({ routes })
    ;(tracker.track as (...a: unknown[]) => void)(...args())
    tracker.track('ok')
    await vi.runAllTimersAsync()
    expect(sent).toHaveLength(1)
    expect(sent[0].payload.events).toHaveLength(1)
    expect(sent[0].payload.dropped).toBe(1)
    expect(sent[0].body).not.toContain('alice')
  })

  it('action() records the type with the current template, error() the constructor name only', async () => {
    const { tracker, events } = setup({ routes })
    tracker.page('/nc/p1')
    tracker.action('tables/create/fulfilled')
    tracker.error(new TypeError('cannot read alice@example.com'))
    tracker.error('a string thrown')
    await vi.runAllTimersAsync()
    expect(events().slice(1)).toEqual([
      expect.objectContaining({ type: 'action', name: 'tables/create/fulfilled', path: '/nc/:project_id' }),
      expect.objectContaining({ type: 'error', name: 'TypeError', path: '/nc/:project_id' }),
      expect.objectContaining({ type: 'error', name: 'Error', path: '/nc/:project_id' }),
    ])
    expect(JSON.stringify(events())).not.toContain('alice')
  })

  it('captureErrors records uncaught errors and rejections by constructor name', async () => {
    const { tracker, events } = setup({ routes, captureErrors: true })
    tracker.page('/nc/p1')
    class QuotaError extends Error {}
    window.dispatchEvent(
      new ErrorEvent('error', { error: new QuotaError('alice@example.com'), message: 'alice@example.com' }),
    )
    const rejection = new Event('unhandledrejection') as Event & { reason: unknown }
    rejection.reason = new RangeError('alice')
    window.dispatchEvent(rejection)
    await vi.runAllTimersAsync()
    expect(
      events()
        .slice(1)
        .map(e => [e.type, e.name]),
    ).toEqual([
      ['error', 'QuotaError'],
      ['error', 'RangeError'],
    ])
    expect(JSON.stringify(events())).not.toContain('alice')
  })

  it('every event has a unique id and a timestamp; the payload is schema 1', async () => {
    const { tracker, sent, events } = setup({ routes, instanceId: 'server-uuid-1' })
    for (let i = 0; i < 50; i++) tracker.track('clicked')
    await vi.runAllTimersAsync()
    const ids = events().map(e => e.id)
    expect(new Set(ids).size).toBe(50)
    expect(sent[0].payload).toMatchObject({
      schema: 1,
      sentAt: '2026-11-24T10:00:00.000Z',
      library: LIBRARY,
      app: { name: 'console', version: '2.1.0' },
      instanceId: 'server-uuid-1',
      dropped: 0,
    })
    expect(events()[0].ts).toBe(Date.parse('2026-11-24T10:00:00Z'))
  })
})

describe('batching and transport', () => {
  it('sends a batch when it is full, with keepalive fetch: text/plain, no Referer, no cookies', async () => {
    const { tracker, fetch } = setup({ routes, batch: { size: 3, intervalMs: 10_000 } })
    tracker.track('a')
    tracker.track('b')
    await vi.advanceTimersByTimeAsync(100)
    expect(fetch).not.toHaveBeenCalled()
    tracker.track('c')
    await vi.advanceTimersByTimeAsync(0)
    expect(fetch).toHaveBeenCalledTimes(1)
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe(`${location.origin}/telemetry`)
    expect(init).toMatchObject({
      method: 'POST',
      keepalive: true,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
    })
    expect(typeof init.body).toBe('string')
  })

  it('sends what is queued after the interval', async () => {
    const { tracker, fetch } = setup({ routes, batch: { size: 20, intervalMs: 5000 } })
    tracker.track('a')
    await vi.advanceTimersByTimeAsync(4999)
    expect(fetch).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('flushes on visibilitychange to hidden and on pagehide, each event once', async () => {
    const { tracker, events, fetch } = setup({ routes })
    tracker.track('a')
    setVisibility('hidden')
    window.dispatchEvent(new Event('pagehide'))
    tracker.track('b')
    window.dispatchEvent(new Event('pagehide'))
    setVisibility('visible')
    await vi.runAllTimersAsync()
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(fetch.mock.calls.every(([, init]) => init.keepalive === true)).toBe(true)
    expect(events().map(e => e.name)).toEqual(['a', 'b'])
  })

  it('keeps each body well under 64 KiB and the keepalive bytes in flight bounded; the rest follows once answered', async () => {
    const { tracker, requests, events } = setup({ routes })
    for (let i = 0; i < 600; i++) tracker.track('bulk', { i, text: 'é'.repeat(100) })
    window.dispatchEvent(new Event('pagehide'))
    const sizes = requests.map(s => new TextEncoder().encode(s.body).length)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16 * 1024)
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(48 * 1024)
    // not answered yet: stored (the newest that fit in 64 K characters) until acknowledged
    const stored = localStorage.getItem(queueKey())!
    expect(stored.length).toBeLessThanOrEqual(64 * 1024)
    await vi.runAllTimersAsync()
    expect(events().map(e => (e.props as { i: number }).i)).toEqual(Array.from({ length: 600 }, (_, i) => i))
    expect(localStorage.getItem(queueKey())).toBeNull()
  })

  it("transport: 'beacon' hands batches to sendBeacon and forgets them once the browser takes them", async () => {
    const { tracker, beacon, fetch, events } = setup({ routes, transport: 'beacon' })
    tracker.track('a')
    tracker.flush()
    await vi.runAllTimersAsync()
    expect(beacon).toHaveBeenCalledTimes(1)
    expect(beacon.mock.calls[0][0]).toBe(`${location.origin}/telemetry`)
    expect(fetch).not.toHaveBeenCalled()
    expect(events().map(e => e.name)).toEqual(['a'])
    expect(localStorage.getItem(queueKey())).toBeNull()
  })

  it("transport: 'beacon' keeps what sendBeacon refuses, missing or throwing, and tries again", async () => {
    for (const broken of [false, undefined, 'throw'] as const) {
      resetBrowser()
      const { tracker, sent } = setup({ routes, transport: 'beacon' }, { beacon: false })
      if (broken === undefined) Object.defineProperty(navigator, 'sendBeacon', { value: undefined, configurable: true })
      if (broken === 'throw')
        Object.defineProperty(navigator, 'sendBeacon', {
          value: () => {
            throw new TypeError('blocked')
          },
          configurable: true,
        })
      tracker.track('a')
      tracker.flush()
      await vi.advanceTimersByTimeAsync(0)
      expect(sent).toHaveLength(0)
      expect(localStorage.getItem(queueKey())).toContain('"a"')
      Object.defineProperty(navigator, 'sendBeacon', {
        value: (_: string, body: string) => (
          sent.push({ via: 'beacon', body, payload: JSON.parse(body), status: 202 }),
          true
        ),
        configurable: true,
      })
      await vi.advanceTimersByTimeAsync(120_000)
      expect(sent.flatMap(s => s.payload.events.map(e => e.name))).toEqual(['a'])
      destroyAll()
    }
  })

  it('where fetch has no keepalive, sends with fetch while the page lives and with sendBeacon as it unloads', async () => {
    vi.stubGlobal('Request', class Request {})
    const { tracker, fetch, beacon } = setup({ routes })
    tracker.track('a')
    tracker.flush()
    await vi.advanceTimersByTimeAsync(0)
    expect(fetch.mock.calls[0][1].keepalive).toBe(false)
    tracker.track('b')
    window.dispatchEvent(new Event('pagehide'))
    expect(beacon).toHaveBeenCalledTimes(1)
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('where fetch has no keepalive, a tab switch sends with fetch (no Referer, no cookies), never sendBeacon; pagehide hands what is queued and in flight to sendBeacon', async () => {
    vi.stubGlobal('Request', class Request {})
    const { tracker, fetch, beacon } = setup({ routes })
    // the requests never answer: in flight when the page goes
    fetch.mockImplementation(() => new Promise<Response>(() => {}))
    tracker.track('a')
    setVisibility('hidden')
    expect(beacon).not.toHaveBeenCalled()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(fetch.mock.calls[0][1]).toMatchObject({
      keepalive: false,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    })
    tracker.track('b')
    tracker.destroy() // an app's own teardown is no unload either
    expect(beacon).not.toHaveBeenCalled()
    window.dispatchEvent(new Event('pagehide'))
    expect(beacon).not.toHaveBeenCalled()
    const second = setup({ routes, app: { name: 'second' } })
    second.fetch.mockImplementation(() => new Promise<Response>(() => {}))
    second.tracker.track('c')
    setVisibility('hidden')
    second.tracker.track('d')
    // the page unloads: ordinary requests die with it, so what they carry goes again, by beacon (collectors de-duplicate by id)
    window.dispatchEvent(new Event('pagehide'))
    expect(second.beacon).toHaveBeenCalledTimes(1)
    expect(JSON.parse(String(second.beacon.mock.calls[0][1])).events.map((e: { name: string }) => e.name)).toEqual([
      'c',
      'd',
    ])
  })

  it("a relative endpoint resolves against the page's location: an injected <base href> reroutes nothing", async () => {
    const base = document.createElement('base')
    base.href = 'https://other-origin.example/'
    try {
      for (const transport of ['fetch', 'beacon'] as const) {
        const { tracker, fetch, beacon } = setup({
          routes,
          endpoint: '/collect/a',
          transport,
          app: { name: transport },
        })
        document.head.append(base)
        tracker.track('a')
        tracker.flush()
        const [url] = transport === 'fetch' ? fetch.mock.calls[0] : beacon.mock.calls[0]
        // fetch and sendBeacon resolve a relative URL against document.baseURI
        expect(new URL(String(url), document.baseURI).href).toBe(`${location.origin}/collect/a`)
        base.remove()
      }
    } finally {
      base.remove()
    }
  })

  it('retries 5xx, 429 and network errors with backoff, then delivers once', async () => {
    const statuses: Answer[] = [500, 429, 0, 204]
    const { tracker, fetch, events } = setup({ routes }, { status: () => statuses.shift()! })
    tracker.track('a')
    tracker.flush()
    await vi.advanceTimersByTimeAsync(0)
    expect(fetch).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(0)
    expect(fetch).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(20_000)
    expect(fetch).toHaveBeenCalledTimes(4)
    expect(events().map(e => e.name)).toEqual(['a'])
  })

  it('never gives up on an event the collector did not answer: it waits, with backoff capped at a minute', async () => {
    let status = 503
    const { tracker, fetch, events } = setup({ routes }, { status: () => status })
    tracker.track('kept')
    tracker.flush()
    await vi.advanceTimersByTimeAsync(60 * 60_000)
    const attempts = fetch.mock.calls.length
    expect(attempts).toBeGreaterThan(40)
    expect(attempts).toBeLessThan(130)
    status = 204
    await vi.advanceTimersByTimeAsync(90_000)
    expect(events().map(e => e.name)).toEqual(['kept'])
    expect(fetch.mock.calls.length).toBe(attempts + 1)
  })

  it('drops what the collector refuses (400) and sends smaller batches after a 413', async () => {
    const statuses: Answer[] = [400, 413]
    const { tracker, events, sent, fetch } = setup({ routes }, { status: () => statuses.shift() ?? 204 })
    tracker.track('refused')
    tracker.flush()
    await vi.runAllTimersAsync()
    for (let i = 0; i < 8; i++)
      tracker.track('big', { i, text: 'x'.repeat(200), more: 'y'.repeat(200), last: 'z'.repeat(200) })
    tracker.flush()
    await vi.runAllTimersAsync()
    expect(events().map(e => (e.props as { i?: number } | undefined)?.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    const tooLarge = fetch.mock.calls[1][1].body as string
    expect(sent.length).toBeGreaterThan(1)
    for (const s of sent) expect(s.body.length).toBeLessThanOrEqual(Math.max(2048, tooLarge.length / 2))
    expect(sent.reduce((n, s) => n + s.payload.dropped, 0)).toBe(1)
  })
})

describe('consent', () => {
  it('opt-in: nothing is stored or sent before optIn()', async () => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    const { tracker, beacon, fetch, events } = setup({ routes, consent: 'opt-in' })
    expect(tracker.isEnabled()).toBe(false)
    tracker.page('/nc/p1')
    tracker.track('before')
    window.dispatchEvent(new Event('pagehide'))
    await vi.runAllTimersAsync()
    expect(beacon).not.toHaveBeenCalled()
    expect(fetch).not.toHaveBeenCalled()
    expect(setItem).not.toHaveBeenCalled()
    tracker.optIn()
    tracker.track('after')
    await vi.runAllTimersAsync()
    expect(events().map(e => e.name)).toEqual(['after'])
  })

  it('the choice survives a reload', async () => {
    const first = setup({ routes, consent: 'opt-in' })
    first.tracker.optIn()
    first.tracker.destroy()
    const second = setup({ routes, consent: 'opt-in' })
    expect(second.tracker.isEnabled()).toBe(true)
    second.tracker.optOut()
    const third = setup({ routes })
    expect(third.tracker.isEnabled()).toBe(false)
  })

  it('optOut() drops what is queued and stored at once, and sends nothing more', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const { tracker, beacon } = setup({ routes, heartbeatMs: 60_000 })
    tracker.track('queued')
    window.dispatchEvent(new Event('pagehide'))
    expect(localStorage.getItem(queueKey())).toContain('queued')
    tracker.optOut()
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    window.dispatchEvent(new Event('online'))
    tracker.track('after')
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(beacon).not.toHaveBeenCalled()
    expect(Object.keys(localStorage)).toEqual(['spa-telemetry:console:consent'])
    expect(localStorage.getItem('spa-telemetry:console:consent')).toBe('out')
  })

  it.each([
    ['enabled: false', { enabled: false }],
    ['enabled() returning false', { enabled: () => false }],
    [
      'enabled() throwing',
      {
        enabled: () => {
          throw new Error('x')
        },
      },
    ],
  ])('%s sends and stores nothing', async (_, options) => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    const { tracker, beacon } = setup({ routes, ...options })
    tracker.page('/nc/p1')
    tracker.track('x')
    window.dispatchEvent(new Event('pagehide'))
    await vi.runAllTimersAsync()
    expect(beacon).not.toHaveBeenCalled()
    expect(setItem).not.toHaveBeenCalled()
  })

  it('enabled() is checked before every send', async () => {
    let on = true
    const { tracker, beacon } = setup({ routes, enabled: () => on })
    tracker.track('x')
    on = false
    await vi.runAllTimersAsync()
    expect(beacon).not.toHaveBeenCalled()
  })

  it.each([
    ['Do Not Track', () => Object.defineProperty(navigator, 'doNotTrack', { value: '1', configurable: true })],
    [
      'Global Privacy Control',
      () => Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true }),
    ],
  ])('%s turns tracking off unless respectPrivacySignals is false', async (_, signal) => {
    signal()
    const off = setup({ routes })
    expect(off.tracker.isEnabled()).toBe(false)
    off.tracker.track('x')
    await vi.runAllTimersAsync()
    expect(off.fetch).not.toHaveBeenCalled()
    expect(describeTracker(off.tracker)).toContain(`Tracking is off: your browser sends ${_}`)
    destroyAll()
    const on = setup({ routes, respectPrivacySignals: false })
    on.tracker.track('x')
    await vi.runAllTimersAsync()
    expect(on.fetch).toHaveBeenCalledTimes(1)
  })
})

describe('identity', () => {
  it('persistent: a nanoid install id in localStorage, the same after a reload', async () => {
    const first = setup({ routes })
    first.tracker.track('x')
    await vi.runAllTimersAsync()
    const id = first.sent[0].payload.anonymousId
    expect(id).toMatch(/^[\w-]{21}$/)
    expect(localStorage.getItem('spa-telemetry:console:id')).toBe(id)
    destroyAll()
    const second = setup({ routes })
    second.tracker.track('y')
    await vi.runAllTimersAsync()
    expect(second.sent[0].payload.anonymousId).toBe(id)
  })

  it('session: the id lives in sessionStorage only', async () => {
    const { tracker, sent } = setup({ routes, identity: 'session' })
    tracker.track('x')
    await vi.runAllTimersAsync()
    expect(sessionStorage.getItem('spa-telemetry:console:id')).toBe(sent[0].payload.anonymousId)
    expect(localStorage.getItem('spa-telemetry:console:id')).toBeNull()
  })

  it('none: no id of any kind', async () => {
    const { tracker, sent } = setup({ routes, identity: 'none' })
    tracker.track('x')
    await vi.runAllTimersAsync()
    expect(sent[0].payload).not.toHaveProperty('anonymousId')
    expect(sent[0].payload).not.toHaveProperty('sessionId')
    expect(localStorage.length + sessionStorage.length).toBe(0)
  })

  it('the session id rotates after 30 minutes idle, not before, and not when the clock jumps back', async () => {
    const { tracker, sent } = setup({ routes })
    const session = async (advance: number) => {
      vi.setSystemTime(Date.now() + advance)
      tracker.track('x')
      tracker.flush()
      await vi.advanceTimersByTimeAsync(0)
      return sent.at(-1)!.payload.sessionId
    }
    const first = await session(0)
    expect(await session(29 * 60_000)).toBe(first)
    expect(await session(-3 * 3600_000)).toBe(first)
    expect(await session(31 * 60_000)).not.toBe(first)
  })
})

describe('persistence', () => {
  it('offline events are kept in storage and sent on the next load, once', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const first = setup({ routes })
    first.tracker.page('/nc/p_secret')
    first.tracker.track('offline')
    window.dispatchEvent(new Event('pagehide'))
    expect(first.beacon).not.toHaveBeenCalled()
    const stored = localStorage.getItem(queueKey())!
    expect(stored).toContain('/nc/:project_id')
    expect(stored).not.toContain('p_secret')
    destroyAll()
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    const second = setup({ routes })
    await vi.runAllTimersAsync()
    expect(second.events().map(e => e.type)).toEqual(['page', 'track'])
    expect(localStorage.getItem(queueKey())).toBeNull()
    destroyAll()
    const third = setup({ routes })
    await vi.runAllTimersAsync()
    expect(third.sent).toHaveLength(0)
  })

  it('a stored event belongs to its endpoint: a tracker of the same app with another endpoint never sends it', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const first = setup({ routes, endpoint: '/collect/a' })
    first.tracker.track('for_a')
    window.dispatchEvent(new Event('pagehide'))
    destroyAll()
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    for (const endpoint of ['https://collector.example/collect/a', '/collect/b', '/collect/a/', '/collect/a?x=1']) {
      const other = setup({ routes, endpoint })
      other.tracker.track('for_other')
      await vi.runAllTimersAsync()
      expect(other.requests.map(r => r.body).join()).not.toContain('for_a')
      destroyAll()
    }
    const again = setup({ routes, endpoint: '/collect/a' })
    await vi.runAllTimersAsync()
    expect(again.events().map(e => e.name)).toEqual(['for_a'])
    expect(String(again.fetch.mock.calls[0][0])).toBe(`${location.origin}/collect/a`)
  })

  it("a queue stored under 0.1.0's key (one per app, whatever the endpoint) is deleted unsent and counted as dropped", async () => {
    const old = (name: string, n: number) => ({ type: 'track', id: String(n).padStart(21, 'A'), ts: Date.now(), name })
    localStorage.setItem(
      'spa-telemetry:console:queue',
      JSON.stringify({ v: 1, events: [old('for_elsewhere', 1), old('also_elsewhere', 2)] }),
    )
    const { tracker, sent } = setup({ routes })
    tracker.track('fresh')
    await vi.runAllTimersAsync()
    expect(sent.map(s => s.payload.events.map(e => e.name))).toEqual([['fresh']])
    expect(sent[0].payload.dropped).toBe(2)
    expect(localStorage.getItem('spa-telemetry:console:queue')).toBeNull()
  })

  it('sends when the connection returns', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const { tracker, events } = setup({ routes })
    tracker.track('x')
    await vi.runAllTimersAsync()
    expect(events()).toHaveLength(0)
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    window.dispatchEvent(new Event('online'))
    expect(events().map(e => e.name)).toEqual(['x'])
  })

  it.each([
    ['corrupt JSON', '{"v":1,"events":[{'],
    ['foreign JSON', '{"queue":["x"]}'],
    ['a raw URL', '{"v":1,"events":[{"type":"page","id":"AAAAAAAAAAAAAAAAAAAAA","ts":NOW,"path":"/nc/p_secret"}]}'],
    [
      'an unknown key',
      '{"v":1,"events":[{"type":"track","id":"AAAAAAAAAAAAAAAAAAAAA","ts":NOW,"name":"x","email":"alice@x.io"}]}',
    ],
    ['an expired event', '{"v":1,"events":[{"type":"track","id":"AAAAAAAAAAAAAAAAAAAAA","ts":1000,"name":"x"}]}'],
    [
      'a free-text name',
      '{"v":1,"events":[{"type":"track","id":"AAAAAAAAAAAAAAAAAAAAA","ts":NOW,"name":"alice@x.io"}]}',
    ],
    ['a page view without a path', '{"v":1,"events":[{"type":"page","id":"AAAAAAAAAAAAAAAAAAAAA","ts":NOW}]}'],
    [
      'props on a page view',
      '{"v":1,"events":[{"type":"page","id":"AAAAAAAAAAAAAAAAAAAAA","ts":NOW,"path":"/","props":{"alice":1}}]}',
    ],
    [
      'a track event without a name',
      '{"v":1,"events":[{"type":"track","id":"AAAAAAAAAAAAAAAAAAAAA","ts":NOW,"props":{"alice":1}}]}',
    ],
  ])('stored %s is dropped, never sent', async (_, text) => {
    localStorage.setItem(queueKey(), text.replace('NOW', String(Date.now())))
    const { tracker, sent } = setup({ routes })
    tracker.track('fresh')
    await vi.runAllTimersAsync()
    expect(sent).toHaveLength(1)
    expect(sent[0].payload.events.map(e => e.name)).toEqual(['fresh'])
    expect(sent[0].body).not.toMatch(/secret|alice/)
  })

  it('stored events of this tracker are accepted: templates, masked paths, props', async () => {
    const event = (extra: object) => ({
      id: Math.random().toString(36).slice(2).padEnd(21, 'x').slice(0, 21),
      ts: Date.now(),
      ...extra,
    })
    const events = [
      event({ type: 'page', path: '/nc/:project_id/table/:table_id', from: '/nc/*/*', referrer: 'external' }),
      event({ type: 'track', name: 'export', props: { kind: 'csv' } }),
    ]
    localStorage.setItem(queueKey(), JSON.stringify({ v: 1, events }))
    const second = setup({ routes })
    await vi.runAllTimersAsync()
    expect(second.events()).toEqual(events)
  })

  it('stored events are checked against the route table as it is at the first flush, with routes added by adapters', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const first = setup({})
    first.tracker.addRoutes(['/reports/:report_id'])
    first.tracker.page('/reports/r_secret')
    window.dispatchEvent(new Event('pagehide'))
    destroyAll()
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    const second = setup({})
    second.tracker.addRoutes(['/reports/:report_id']) // as a router adapter does, after createTracker
    await vi.runAllTimersAsync()
    expect(second.events().map(e => e.path)).toEqual(['/reports/:report_id'])
  })

  it('storage that throws or is full never reaches the app', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError')
    })
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError')
    })
    const { tracker, events } = setup({ routes })
    expect(() => {
      tracker.page('/nc/p1')
      tracker.track('x')
      window.dispatchEvent(new Event('pagehide'))
    }).not.toThrow()
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    window.dispatchEvent(new Event('online'))
    expect(events().map(e => e.type)).toEqual(['page', 'track'])
  })

  it('persist: false keeps nothing in storage', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const { tracker } = setup({ routes, persist: false, identity: 'none' })
    tracker.track('x')
    window.dispatchEvent(new Event('pagehide'))
    expect(localStorage.length).toBe(0)
  })

  it('the queue stays within its caps and counts what it drops', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const { tracker, sent } = setup({ routes })
    for (let i = 0; i < 5000; i++) tracker.track('burst', { i })
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    window.dispatchEvent(new Event('online'))
    await vi.runAllTimersAsync()
    const delivered = sent.reduce((n, s) => n + s.payload.events.length, 0)
    expect(delivered).toBe(1000)
    expect(sent.map(s => s.payload.dropped)).toEqual([4000, ...sent.slice(1).map(() => 0)])
  })
})

describe('heartbeat', () => {
  it('beats at most once per interval across tabs, only while visible', async () => {
    const a = setup({ routes, heartbeatMs: 3600_000 })
    const b = setup({ routes, heartbeatMs: 3600_000 })
    await vi.advanceTimersByTimeAsync(10_000)
    const beats = () => [...a.events(), ...b.events()].filter(e => e.type === 'heartbeat').length
    expect(beats()).toBe(1)
    await vi.advanceTimersByTimeAsync(3600_000)
    expect(beats()).toBe(2)
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
    await vi.advanceTimersByTimeAsync(3 * 3600_000)
    expect(beats()).toBe(2)
  })
})

describe('debug', () => {
  it('logs every payload and every drop with its reason, without the dropped value', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const { tracker } = setup({ routes, debug: true })
    tracker.track('ok')
    tracker.track('alice@example.com')
    await vi.runAllTimersAsync()
    const lines = info.mock.calls.map(call => call.map(String).join(' '))
    expect(lines.some(l => l.includes('sending 1 events'))).toBe(true)
    expect(lines.some(l => l.includes('1 events delivered (204)'))).toBe(true)
    expect(lines.some(l => l.includes('dropped a track event: its name does not follow the name grammar'))).toBe(true)
    expect(JSON.stringify(info.mock.calls)).not.toContain('alice')
  })

  it("'dry-run' logs and sends nothing", async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const { tracker, beacon, fetch } = setup({ routes, debug: 'dry-run' })
    tracker.page('/nc/p1')
    window.dispatchEvent(new Event('pagehide'))
    await vi.runAllTimersAsync()
    expect(beacon).not.toHaveBeenCalled()
    expect(fetch).not.toHaveBeenCalled()
    expect(info.mock.calls.find(call => String(call[0]).includes('dry run'))?.[1]).toMatchObject({
      events: [{ type: 'page', path: '/nc/:project_id' }],
    })
  })
})

describe('format: segmentFormat', () => {
  it('writes a Segment-compatible batch', async () => {
    const { tracker, sent } = setup({ routes, format: segmentFormat })
    tracker.page('/nc/p1')
    tracker.track('export', { kind: 'csv' })
    tracker.action('tables/create')
    await vi.runAllTimersAsync()
    const { batch } = sent[0].payload as unknown as { batch: Record<string, unknown>[] }
    const anonymousId = localStorage.getItem('spa-telemetry:console:id')
    expect(batch).toEqual([
      expect.objectContaining({
        type: 'page',
        anonymousId,
        messageId: expect.any(String),
        timestamp: '2026-11-24T10:00:00.000Z',
        context: expect.objectContaining({ page: { path: '/nc/:project_id' } }),
        properties: { path: '/nc/:project_id' },
      }),
      expect.objectContaining({ type: 'track', event: 'export', properties: { kind: 'csv' } }),
      expect.objectContaining({
        type: 'track',
        event: 'tables/create',
        properties: { path: '/nc/:project_id', category: 'action' },
      }),
    ])
  })
})

describe('describe()', () => {
  it('tells what is collected from the actual options', () => {
    const text = describeTracker(
      setup({ routes, identity: 'none', captureErrors: true, heartbeatMs: 6 * 3600_000, consent: 'opt-in' }).tracker,
    )
    expect(text).toContain('console 2.1.0 collects anonymous usage data')
    expect(text).toContain('"/"')
    expect(text).toContain('no identifier of any kind')
    expect(text).toContain('the type of errors')
    expect(text).toContain('at most every 6 hours')
    expect(text).toContain('Nothing is collected until you agree')
    expect(text).toContain('Sent to /telemetry')
    // the library reads the address (to find its template): what it never does is send it
    expect(text).toContain(
      "Never sent: the full address, its query and #fragment, page titles, text on the screen or typed into forms, the app's data and state, error messages, or anything to fingerprint your device.",
    )
    expect(text).not.toContain('Never read')
    expect(text).toContain('without cookies and without this page')
  })
})

describe('lifecycle', () => {
  it('destroy() sends what is queued, then the tracker does nothing; twice is fine', async () => {
    const { tracker, fetch } = setup({ routes })
    tracker.track('last')
    tracker.destroy()
    tracker.destroy()
    expect(fetch).toHaveBeenCalledTimes(1)
    tracker.track('after')
    window.dispatchEvent(new Event('pagehide'))
    await vi.runAllTimersAsync()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(tracker.isEnabled()).toBe(false)
  })

  it('a tracker that throws inside never throws into the app', () => {
    const { tracker } = setup({ routes })
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom')
        },
      },
    )
    expect(() => tracker.track('x', hostile as never)).not.toThrow()
    expect(() =>
      tracker.page({
        get pathname(): string {
          throw new Error('boom')
        },
      }),
    ).not.toThrow()
  })
})

describe('setup errors', () => {
  const base = { endpoint: '/telemetry', app: { name: 'console' } }
  it.each([
    [undefined, '[spa-telemetry] options is undefined: expected an object'],
    [{ ...base, endpont: '/x' }, '[spa-telemetry] unknown option "endpont": expected one of'],
    [
      { ...base, endpoint: '' },
      '[spa-telemetry] endpoint is "": expected an absolute URL or a path, like "/telemetry"',
    ],
    [{ ...base, endpoint: 'telemetry' }, '[spa-telemetry] endpoint is "telemetry": expected an absolute URL or a path'],
    [{ ...base, app: 'console' }, '[spa-telemetry] app is "console": expected an object'],
    [{ ...base, app: { name: '' } }, '[spa-telemetry] app.name is "": expected a short name'],
    [
      { ...base, app: { name: 'x', version: 2 } },
      '[spa-telemetry] app.version is 2: expected a string of at most 64 characters',
    ],
    [{ ...base, consent: 'yes' }, '[spa-telemetry] consent is "yes": expected "opt-out" or "opt-in"'],
    [{ ...base, enabled: 'false' }, '[spa-telemetry] enabled is "false": expected true, false or a function'],
    [
      { ...base, identity: 'fingerprint' },
      '[spa-telemetry] identity is "fingerprint": expected "persistent", "session" or "none"',
    ],
    [{ ...base, batch: { size: 0 } }, '[spa-telemetry] batch.size is 0: expected a whole number from 1 to 1000'],
    [
      { ...base, batch: { intervalMs: 10 } },
      '[spa-telemetry] batch.intervalMs is 10: expected milliseconds from 100 to 3600000',
    ],
    [{ ...base, heartbeatMs: 5 }, '[spa-telemetry] heartbeatMs is 5: expected milliseconds, at least 1000'],
    [{ ...base, debug: 'yes' }, '[spa-telemetry] debug is "yes": expected true, false or "dry-run"'],
    [
      { ...base, format: 'ga4' },
      '[spa-telemetry] format is "ga4": expected a function like segmentFormat (schema 1 is the default)',
    ],
    [
      { ...base, format: 'segment' },
      '[spa-telemetry] format is "segment": expected a function: import { segmentFormat } from "spa-telemetry" and pass format: segmentFormat',
    ],
    [{ ...base, transport: 'xhr' }, '[spa-telemetry] transport is "xhr": expected "fetch" or "beacon"'],
    [{ ...base, persist: 'no' }, '[spa-telemetry] persist is "no": expected true or false'],
    [
      { ...base, routes: ['/users/:'] },
      '[spa-telemetry] routes[0] "/users/:" is not a valid path template: missing parameter name',
    ],
  ])('%j', (options, message) => {
    expect(() => createTracker(options as never)).toThrow(message)
  })
})
