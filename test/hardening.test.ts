/**
 * The attacks that got through an attacker's pass over 0.1.0, one test
 * each (numbered as in the report), and what a second pass found. Each
 * failed before its fix.
 */
import { describe, expect, it, vi } from 'vitest'

import { describeTracker } from '../src/index.js'
import { queueKey, setup, setVisibility, useFakeBrowser } from './helpers/browser.js'

const routes = ['/', '/nc/:project_id', '/nc/:project_id/table/:table_id']
const QUEUE = queueKey()
const CONSENT = 'spa-telemetry:console:consent'

useFakeBrowser()

/** What another tab of the origin does to this one's storage, and the event it then receives. */
const otherTabWrites = (key: string, value: string | null): void => {
  if (value === null) localStorage.removeItem(key)
  else localStorage.setItem(key, value)
  window.dispatchEvent(new StorageEvent('storage', { key, newValue: value, storageArea: localStorage }))
}

describe('consent', () => {
  it('1. an opt-out is final for events in flight: a 503 that arrives later, then optIn(), does not bring them back', async () => {
    const { tracker, fetch, events } = setup({ routes })
    let answer: (status: number) => void = () => {}
    fetch.mockImplementation(() => new Promise(resolve => (answer = status => resolve(new Response(null, { status })))))
    tracker.track('before_opt_out')
    tracker.flush()
    tracker.optOut()
    answer(503)
    await vi.advanceTimersByTimeAsync(500)
    tracker.optIn()
    fetch.mockImplementation(async () => new Response(null, { status: 204 }))
    tracker.track('after_opt_in')
    await vi.advanceTimersByTimeAsync(120_000)
    const bodies = fetch.mock.calls.slice(1).map(([, init]) => String(init.body))
    expect(bodies.join()).not.toContain('before_opt_out')
    expect(bodies.join()).toContain('after_opt_in')
    expect(events()).toEqual([])
    expect(bodies.map(body => JSON.parse(body).dropped)).toEqual(bodies.map(() => 0))
  })

  it('2. an opt-out in another tab reaches this one: nothing more is sent or stored, its id is forgotten', async () => {
    const { tracker, fetch } = setup({ routes })
    tracker.track('x')
    await vi.runAllTimersAsync()
    const id = localStorage.getItem('spa-telemetry:console:id')
    fetch.mockClear()
    tracker.track('queued_in_b')
    otherTabWrites(CONSENT, 'out')
    expect(tracker.status()).toBe('opted-out')
    tracker.track('after')
    window.dispatchEvent(new Event('pagehide'))
    await vi.runAllTimersAsync()
    expect(fetch).not.toHaveBeenCalled()
    expect(localStorage.getItem(QUEUE)).toBeNull()
    otherTabWrites(CONSENT, 'in')
    expect(tracker.status()).toBe('on')
    tracker.track('again')
    await vi.runAllTimersAsync()
    const payload = JSON.parse(String(fetch.mock.calls[0][1].body))
    expect(payload.anonymousId).not.toBe(id)
    expect(payload.events.map((e: { name: string }) => e.name)).toEqual(['again'])
  })

  it('2b. an opt-out whose storage event this tab missed is found before the next request or write', async () => {
    const { tracker, fetch } = setup({ routes })
    tracker.track('queued')
    localStorage.setItem(CONSENT, 'out') // no event
    await vi.runAllTimersAsync()
    window.dispatchEvent(new Event('pagehide'))
    expect(fetch).not.toHaveBeenCalled()
    expect(localStorage.getItem(QUEUE)).toBeNull()
    expect(tracker.status()).toBe('opted-out')
  })

  it('2c. an opt-in in another tab starts this one (opt-in mode)', async () => {
    const { tracker, events } = setup({ routes, consent: 'opt-in' })
    expect(tracker.status()).toBe('awaiting-consent')
    otherTabWrites(CONSENT, 'in')
    tracker.track('after')
    await vi.runAllTimersAsync()
    expect(events().map(e => e.name)).toEqual(['after'])
  })

  it('3. a page seen before consent is never sent after it, not even as from or referrer', async () => {
    vi.spyOn(document, 'referrer', 'get').mockReturnValue('https://mail.example/')
    const { tracker, events } = setup({ routes, consent: 'opt-in' })
    tracker.page('/nc/p_before/table/t_before')
    tracker.optIn()
    tracker.page('/nc/p_after')
    await vi.runAllTimersAsync()
    expect(events()).toEqual([expect.objectContaining({ type: 'page', path: '/nc/:project_id' })])
    expect(events()[0]).not.toHaveProperty('from')
    expect(events()[0]).not.toHaveProperty('referrer')
  })

  it('3b. after an opt-out and a new opt-in, the first page view has no from', async () => {
    const { tracker, events } = setup({ routes })
    tracker.page('/nc/p1')
    tracker.optOut()
    tracker.optIn()
    tracker.page('/nc/p2/table/t2')
    await vi.runAllTimersAsync()
    expect(events().map(e => [e.path, e.from])).toEqual([['/nc/:project_id/table/:table_id', undefined]])
  })
})

describe('names are identifiers', () => {
  it.each([
    ['track(a URL)', (t: ReturnType<typeof setup>['tracker']) => t.track('https://app.example.com/nc/p_8f2k')],
    [
      'page(…, { name: a URL })',
      (t: ReturnType<typeof setup>['tracker']) => t.page('/nc/p1', { name: 'https://app.example.com/nc' }),
    ],
    [
      'action(a type with an email-like segment)',
      (t: ReturnType<typeof setup>['tracker']) => t.action('users/alice.smith/loaded'),
    ],
    [
      'action(a type with a uuid)',
      (t: ReturnType<typeof setup>['tracker']) => t.action('projects/3f2a9c1d-0b5e-4f3a-9c1d-0b5e7a2c6d81/opened'),
    ],
    ['track(free text)', (t: ReturnType<typeof setup>['tracker']) => t.track('search for Alice Smith')],
    ['track(a long digit run)', (t: ReturnType<typeof setup>['tracker']) => t.track('order_123456_paid')],
    ['track(a hex id)', (t: ReturnType<typeof setup>['tracker']) => t.track('session_a0885e8e6a38')],
  ])('4. %s is dropped, counted and explained', async (_, call) => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const { tracker, sent } = setup({ routes, debug: true })
    call(tracker)
    tracker.track('ok')
    await vi.runAllTimersAsync()
    expect(sent[0].payload.events.map(e => e.name)).toEqual(['ok'])
    expect(sent[0].payload.dropped).toBe(1)
    expect(info.mock.calls.flat().map(String).join('\n')).toMatch(
      /dropped (a|an) (track event|page view|action): its (name|type) does not follow the name grammar/,
    )
  })

  it('4b. the Redux middleware may vouch for a type it names as a string (verbatim), within the schema', async () => {
    const { tracker, events } = setup({ routes })
    tracker.action('users.list/loaded', { verbatim: true })
    tracker.action('users list/with spaces?', { verbatim: true })
    await vi.runAllTimersAsync()
    expect(events().map(e => e.name)).toEqual(['users.list/loaded'])
  })

  it('5. an error name is its class name, never an own property taken from data', async () => {
    const { tracker, events } = setup({ routes })
    tracker.error(Object.assign(new Error(), JSON.parse('{"constructor":{"name":"alice_smith"},"name":"alice_smith"}')))
    const shadowed = new TypeError('x')
    Object.defineProperty(shadowed, 'constructor', { value: { name: 'bob_jones' } })
    tracker.error(shadowed)
    await vi.runAllTimersAsync()
    expect(events().map(e => e.name)).toEqual(['Error', 'TypeError'])
  })
})

describe('debug output', () => {
  it('6. names nothing taken from a thrown value: enabled() and props getters that throw data', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const thrown = Object.assign(new Error('alice@corp.example'), { name: 'alice@corp.example' })
    const { tracker } = setup({
      routes,
      debug: true,
      enabled: () => {
        throw thrown
      },
    })
    tracker.track('x', {
      get a(): string {
        throw thrown
      },
    })
    tracker.track('y')
    await vi.runAllTimersAsync()
    const { tracker: other } = setup({ routes, debug: true })
    other.track('x', {
      get a(): string {
        throw thrown
      },
    })
    const logged = JSON.stringify(info.mock.calls)
    expect(logged).toContain('enabled() threw: tracking stays off')
    expect(logged).toContain('track() failed; the app is not affected')
    expect(logged).not.toContain('alice')
  })
})

describe('disclosure', () => {
  it('7. describeTracker() does not claim that names or emails are never collected: props are sent as passed', () => {
    const text = describeTracker(setup({ routes }).tracker)
    expect(text).not.toMatch(/never collected[^.]*(name or email|your name)/i)
    expect(text).toMatch(/as the app passes them/)
  })

  it('7b. after an opt-out it says tracking is off and how to opt in again, not "you can opt out"', () => {
    const { tracker } = setup({ routes })
    tracker.optOut()
    const text = describeTracker(tracker)
    expect(text).toContain('Tracking is off: you opted out.')
    expect(text).not.toContain('You can opt out at any time')
  })
})

describe('dropped is a true count', () => {
  it('8a. a request answered after optOut() does not make dropped negative or report old losses', async () => {
    const { tracker, requests } = setup({ routes }, { status: 400 })
    tracker.track('a')
    tracker.flush()
    tracker.optOut()
    await vi.runAllTimersAsync()
    tracker.optIn()
    tracker.track('b')
    tracker.flush()
    await vi.runAllTimersAsync()
    expect(requests.map(r => r.payload.dropped)).toEqual([0, 0])
  })

  it('8b. a request in flight while the page is hidden: its loss is reported once, by one body', async () => {
    const { tracker, requests } = setup({ routes }, { status: () => (requests.length < 2 ? 503 : 204) })
    tracker.track('x', { bad: {} } as never)
    tracker.track('a')
    tracker.flush()
    setVisibility('hidden')
    await vi.runAllTimersAsync()
    setVisibility('visible')
    const delivered = requests.filter(r => r.status === 204)
    expect(delivered.reduce((n, r) => n + r.payload.dropped, 0)).toBe(1)
    expect(requests.every(r => r.payload.dropped >= 0)).toBe(true)
  })

  it('8c. offline beyond the storage cap: events still in memory are not counted as dropped', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const { tracker, sent } = setup({ routes, batch: { size: 20, intervalMs: 1000 } })
    for (let i = 0; i < 920; i++) {
      tracker.track('offline', { i, pad: 'x'.repeat(100) })
      if (i % 20 === 0) await vi.advanceTimersByTimeAsync(1000)
    }
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    window.dispatchEvent(new Event('online'))
    await vi.runAllTimersAsync()
    expect(sent.reduce((n, s) => n + s.payload.events.length, 0)).toBe(920)
    expect(sent.reduce((n, s) => n + s.payload.dropped, 0)).toBe(0)
  })
})

describe('stored events are checked as strictly as fresh ones', () => {
  const id = (n: number) => String(n).padStart(21, 'A')
  it.each([
    ['a prop over 200 characters', { type: 'track', name: 'x', props: { note: 'y'.repeat(3000) } }],
    ['an error name with spaces', { type: 'error', name: 'alice smith' }],
    ['a named heartbeat', { type: 'heartbeat', name: 'alice' }],
    ['a heartbeat with a path', { type: 'heartbeat', path: '/nc/:project_id' }],
    ['a name with data in it', { type: 'track', name: 'users/alice.smith/loaded' }],
    ['a __proto__ prop', JSON.parse('{"type":"track","name":"x","props":{"__proto__":"alice"}}')],
    ['a from on a track event', { type: 'track', name: 'x', from: '/nc/:project_id' }],
    ['a referrer that is a raw path', { type: 'page', path: '/nc/:project_id', referrer: '/nc/p_secret' }],
  ])('9. %s is dropped and counted', async (_, stored) => {
    localStorage.setItem(QUEUE, JSON.stringify({ v: 1, events: [{ id: id(1), ts: Date.now(), ...stored }] }))
    const { tracker, sent } = setup({ routes })
    tracker.track('fresh')
    await vi.runAllTimersAsync()
    expect(sent.flatMap(s => s.payload.events).map(e => e.name)).toEqual(['fresh'])
    expect(sent[0].payload.dropped).toBe(1)
    expect(sent.map(s => s.body).join()).not.toContain('alice')
  })

  it('10. hash routing: masked paths and templates stored offline are delivered on the next load', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    const first = setup({ routes, hash: true, keepQuery: ['tab'] })
    first.tracker.page('/#/nc/p_1/secret?tab=rows')
    first.tracker.page('/#/nc/p_1?tab=x')
    window.dispatchEvent(new Event('pagehide'))
    first.tracker.destroy()
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    const second = setup({ routes, hash: true, keepQuery: ['tab'] })
    await vi.runAllTimersAsync()
    expect(second.events().map(e => e.path)).toEqual(['/nc/*/*?tab=*', '/nc/:project_id?tab=*'])
    expect(second.sent[0].payload.dropped).toBe(0)
  })
})

describe('nothing escapes into the app', () => {
  it('12. a revoked Proxy thrown from a props getter does not throw out of track()', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    const { tracker, sent } = setup({ routes })
    expect(() =>
      tracker.track('x', {
        get a(): string {
          throw proxy
        },
      }),
    ).not.toThrow()
    expect(() => tracker.error(proxy)).not.toThrow()
    tracker.track('ok')
    await vi.runAllTimersAsync()
    expect(sent[0].payload.dropped).toBe(2)
  })

  it('13. a "__proto__" prop (from JSON.parse) drops the event and is counted', async () => {
    const { tracker, sent } = setup({ routes })
    tracker.track('x', JSON.parse('{"__proto__":"alice","kind":"grid"}'))
    tracker.track('ok')
    await vi.runAllTimersAsync()
    expect(sent[0].payload.events.map(e => e.name)).toEqual(['ok'])
    expect(sent[0].payload.dropped).toBe(1)
    expect(sent[0].body).not.toContain('alice')
  })
})

describe('our own pass', () => {
  /** Sets properties on Object.prototype for the time of `run`, as a prototype-polluting merge of JSON would. */
  const polluted = async (values: Record<string, unknown>, run: () => Promise<void>): Promise<void> => {
    const proto = Object.prototype as Record<string, unknown>
    for (const [key, value] of Object.entries(values))
      Object.defineProperty(proto, key, { value, configurable: true, writable: true })
    try {
      await run()
    } finally {
      for (const key of Object.keys(values)) delete proto[key]
    }
  }

  it('a polluted Object.prototype does not turn the transport to beacon, silence Do Not Track or add to the payload', async () => {
    Object.defineProperty(navigator, 'doNotTrack', { value: '1', configurable: true })
    await polluted(
      {
        transport: 'beacon',
        respectPrivacySignals: false,
        debug: true,
        version: 'alice@corp.example',
        instanceId: 'alice',
      },
      async () => {
        expect(setup({ routes }).tracker.status()).toBe('do-not-track')
        Object.defineProperty(navigator, 'doNotTrack', { value: null, configurable: true })
        const { tracker, fetch, beacon } = setup({ routes })
        const info = vi.spyOn(console, 'info').mockImplementation(() => {})
        tracker.track('x')
        await vi.runAllTimersAsync()
        expect(beacon).not.toHaveBeenCalled()
        expect(fetch).toHaveBeenCalledTimes(1)
        expect(String(fetch.mock.calls[0][1].body)).not.toContain('alice')
        expect(info).not.toHaveBeenCalled()
      },
    )
  })

  it('a polluted Object.prototype does not make the anonymizer keep query values or paths', async () => {
    await polluted(
      { keepQuery: { email: /.*/ }, unmatched: (masked: string) => masked + '/alice', hash: true },
      async () => {
        const { tracker } = setup({ routes })
        expect(tracker.anonymize('/nc/p_1?email=alice%40corp.example')).toBe('/nc/:project_id')
        expect(tracker.anonymize('/unknown/alice')).toBe('/*/*')
      },
    )
  })

  it('a forged storage event cannot opt a tab back in: the stored choice decides', async () => {
    const { tracker, fetch } = setup({ routes })
    tracker.optOut()
    window.dispatchEvent(new StorageEvent('storage', { key: CONSENT, newValue: 'in', storageArea: localStorage }))
    expect(tracker.status()).toBe('opted-out')
    tracker.track('after')
    await vi.runAllTimersAsync()
    expect(fetch).not.toHaveBeenCalled()
  })

  it('a stored queue written by another script, full of near-misses, sends nothing of them', async () => {
    const id = (n: number) => String(n).padStart(21, 'B')
    const events = [
      { type: 'page', path: '/nc/:project_id?email=alice' },
      { type: 'page', path: '/nc/:project_id', from: '/nc/p_alice' },
      { type: 'page', path: '/nc/:project_id', referrer: 'alice.example.com' },
      { type: 'action', name: 'https://alice.example.com/x' },
      { type: 'track', name: 'x', props: { a: { email: 'alice' } } },
      { type: 'track', name: 'x', props: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'alice'])) },
      { type: 'error', name: 'Error', path: '/nc/:project_id', stack: 'alice' },
    ].map((event, i) => ({ id: id(i), ts: Date.now(), ...event }))
    localStorage.setItem(QUEUE, JSON.stringify({ v: 1, events }))
    const { tracker, sent } = setup({ routes })
    tracker.track('fresh')
    await vi.runAllTimersAsync()
    expect(sent.map(s => s.body).join()).not.toContain('alice')
    expect(sent[0].payload.dropped).toBe(events.length)
  })
})
