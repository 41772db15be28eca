/**
 * `spa-telemetry/history` in jsdom: unit tests against a recording fake
 * tracker (which navigations become page views), then with the real
 * `createTracker` (what leaves the browser). Real back/forward and hash
 * navigation in Chromium: test/browser/history.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { LocationLike, Tracker, TrackerOptions } from 'spa-telemetry'
import { trackHistory } from '../../adapters/history.js'
import type { TrackHistoryOptions } from '../../adapters/history.js'
import { setup, useFakeBrowser } from '../helpers/browser.js'

const { pushState, replaceState } = History.prototype

/** Anonymizes as a tracker with routes `/users/:id` and `/settings` would: ids become `:id`, query and hash go. */
const template = (path: string): string => path.replace(/[?#].*/, '').replace(/\/\d+/g, '/:id')

/** A tracker that records, for each page view, where the browser was when it was called; its options are read by trackHistory. */
const fakeTracker = (hash = false, more: Partial<TrackerOptions> = {}) => {
  const pages: string[] = []
  const noop = (): void => {}
  const tracker: Tracker = {
    page: () => void pages.push(location.pathname + location.search + location.hash),
    track: noop,
    action: noop,
    error: noop,
    flush: noop,
    optIn: noop,
    optOut: noop,
    isEnabled: () => true,
    anonymize: (where: LocationLike) => {
      const { pathname, hash: fragment } =
        typeof where === 'string' ? new URL(where, location.href) : (where as Location)
      return template(hash ? fragment.slice(1) || '/' : pathname)
    },
    addRoutes: noop,
    status: (() => 'on') as Tracker['status'],
    routes: () => [],
    options: { endpoint: '/t', app: { name: 'fake' }, hash, ...more },
    destroy: noop,
  }
  return { tracker, pages }
}

const stops: (() => void)[] = []
/** trackHistory(tracker, window, options), undone after the test. */
const track = (tracker: Tracker, options?: TrackHistoryOptions): (() => void) => {
  const stop = trackHistory(tracker, window, options)
  stops.push(stop)
  return stop
}

/** Waits for the browser's asynchronous history traversal (back, forward, hash navigation). */
const settle = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 20))
/** Goes back or forward and waits for the popstate it fires (a fixed wait lost it under load), and a moment for a hashchange. */
const traverse = (go: () => void): Promise<void> =>
  new Promise(resolve => {
    window.addEventListener('popstate', () => void settle().then(resolve), { once: true })
    go()
  })
const back = (): Promise<void> => traverse(() => history.back())
const forward = (): Promise<void> => traverse(() => history.forward())

beforeEach(() => {
  history.replaceState(null, '', '/')
})
afterEach(() => {
  // last in, first out: each restore then finds itself the outermost patch
  for (const stop of stops.splice(0).reverse()) stop()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  expect(Object.hasOwn(history, 'pushState') || Object.hasOwn(history, 'replaceState')).toBe(false)
})

describe('page views', () => {
  it('records the current page once, on call; initial: false skips it', () => {
    const first = fakeTracker()
    track(first.tracker)
    expect(first.pages).toEqual(['/'])
    const second = fakeTracker()
    track(second.tracker, { initial: false })
    expect(second.pages).toEqual([])
  })

  it('pushState records a page view of the new location', () => {
    const { tracker, pages } = fakeTracker()
    track(tracker)
    history.pushState({ id: 1 }, '', '/users/1')
    history.pushState(null, '', '/users/2?tab=profile')
    expect(pages).toEqual(['/', '/users/1', '/users/2?tab=profile'])
  })

  it('a pushState that leaves the path as it was is not a page view, unless trackQueryChanges and the query or hash changed', () => {
    for (const [trackQueryChanges, expected] of [
      [false, ['/users/1']],
      [true, ['/users/1', '/users/1#section', '/users/1?tab=2#section']],
    ] as const) {
      history.replaceState(null, '', '/')
      const { tracker, pages } = fakeTracker()
      const stop = track(tracker, { initial: false, trackQueryChanges })
      history.pushState(null, '', '/users/1')
      history.pushState({ scroll: 10 }, '', '/users/1')
      history.pushState(null, '', '/users/1#section')
      history.pushState(null, '', '/users/1?tab=2#section')
      stop()
      expect(pages).toEqual(expected)
    }
  })

  it('replaceState records only when the anonymized path changes', () => {
    const { tracker, pages } = fakeTracker()
    history.replaceState(null, '', '/users/1')
    track(tracker, { initial: false })
    history.replaceState({ scroll: 100 }, '', '/users/1')
    history.replaceState(null, '', '/users/1?q=alice')
    history.replaceState(null, '', '/users/2')
    history.replaceState(null, '', '/settings')
    history.replaceState(null, '', '/settings?tab=2')
    history.replaceState(null, '', '/users/3')
    expect(pages).toEqual(['/settings', '/users/3'])
  })

  it('back and forward (popstate) record a page view each', async () => {
    const { tracker, pages } = fakeTracker()
    track(tracker, { initial: false })
    history.pushState(null, '', '/users/1')
    history.pushState(null, '', '/settings')
    await back()
    await back()
    await forward()
    expect(pages).toEqual(['/users/1', '/settings', '/users/1', '/', '/users/1'])
  })

  it('without hash, a hash navigation is not a page view (its popstate is skipped)', async () => {
    const { tracker, pages } = fakeTracker()
    track(tracker, { initial: false })
    location.hash = '#section'
    await settle()
    await back()
    expect(location.hash).toBe('')
    expect(pages).toEqual([])
  })

  it('a tracker with hash: true: hash navigations count, once each (popstate and hashchange both fire)', async () => {
    const { tracker, pages } = fakeTracker(true)
    track(tracker)
    location.hash = '#/users/1'
    await settle()
    location.hash = '#/settings'
    await settle()
    await back()
    history.pushState(null, '', '#/users/2')
    expect(pages).toEqual(['/', '/#/users/1', '/#/settings', '/#/users/1', '/#/users/2'])
  })

  it('a tracker with hash: true: the query in the hash counts only with trackQueryChanges', () => {
    for (const [trackQueryChanges, expected] of [
      [false, ['/#/users/1']],
      [true, ['/#/users/1', '/#/users/1?tab=2']],
    ] as const) {
      history.replaceState(null, '', '/')
      const { tracker, pages } = fakeTracker(true)
      const stop = track(tracker, { initial: false, trackQueryChanges })
      history.pushState(null, '', '/#/users/1')
      history.pushState(null, '', '/#/users/1?tab=2')
      stop()
      expect(pages).toEqual(expected)
    }
  })

  it('a tracker with hash: true: replaceState of the hash records only a new anonymized path', () => {
    const { tracker, pages } = fakeTracker(true)
    history.replaceState(null, '', '/#/users/1')
    track(tracker, { initial: false })
    history.replaceState(null, '', '/#/users/2')
    history.replaceState(null, '', '/#/settings')
    expect(pages).toEqual(['/#/settings'])
  })
})

describe('restore, twice, and other scripts', () => {
  it('the returned function restores the original methods and stops listening', async () => {
    const added = vi.spyOn(window, 'addEventListener')
    const removed = vi.spyOn(window, 'removeEventListener')
    const { tracker, pages } = fakeTracker(true)
    const stop = track(tracker)
    expect(history.pushState).not.toBe(pushState)
    stop()
    stop()
    expect(added.mock.calls.length).toBeGreaterThan(0)
    expect(removed.mock.calls).toEqual(added.mock.calls)
    expect(history.pushState).toBe(pushState)
    expect(history.replaceState).toBe(replaceState)
    history.pushState(null, '', '/users/1')
    history.replaceState(null, '', '/settings')
    location.hash = '#/users/2'
    await settle()
    await back()
    expect(pages).toEqual(['/'])
  })

  it('a second call for the same tracker returns the same function and counts nothing twice', () => {
    const { tracker, pages } = fakeTracker()
    const stop = track(tracker)
    expect(track(tracker, { trackQueryChanges: true })).toBe(stop)
    history.pushState(null, '', '/users/1')
    expect(pages).toEqual(['/', '/users/1'])
    stop()
    // stopped: a new call starts afresh
    track(tracker, { initial: false })
    history.pushState(null, '', '/users/2')
    expect(pages).toEqual(['/', '/users/1', '/users/2'])
  })

  it('two trackers each get their page views', () => {
    const a = fakeTracker()
    const b = fakeTracker()
    track(a.tracker, { initial: false })
    track(b.tracker, { initial: false })
    history.pushState(null, '', '/users/1')
    expect([a.pages, b.pages]).toEqual([['/users/1'], ['/users/1']])
  })

  it('wraps a patch made before it, and leaves it in place on restore', () => {
    const calls: string[] = []
    history.pushState = function (...args) {
      calls.push('theirs')
      return pushState.apply(this, args)
    }
    const theirs = history.pushState
    const { tracker, pages } = fakeTracker()
    const stop = track(tracker, { initial: false })
    history.pushState(null, '', '/users/1')
    expect([calls, pages]).toEqual([['theirs'], ['/users/1']])
    stop()
    expect(history.pushState).toBe(theirs)
    delete (history as Partial<History>).pushState
  })

  it('patched after it: on restore it stays in the chain as a pass-through', () => {
    const { tracker, pages } = fakeTracker()
    const stop = track(tracker, { initial: false })
    const ours = history.pushState
    const calls: string[] = []
    history.pushState = function (...args) {
      calls.push('theirs')
      return ours.apply(this, args)
    }
    const theirs = history.pushState
    history.pushState(null, '', '/users/1')
    stop()
    expect(history.pushState).toBe(theirs)
    history.pushState(null, '', '/users/2')
    expect(location.pathname).toBe('/users/2')
    expect([calls, pages]).toEqual([['theirs', 'theirs'], ['/users/1']])
    // they restore theirs: ours, now a pass-through, is what remains
    history.pushState = ours
    history.pushState(null, '', '/users/3')
    expect(location.pathname).toBe('/users/3')
    expect(pages).toEqual(['/users/1'])
    delete (history as Partial<History>).pushState
  })
})

describe('never breaks the app', () => {
  const boom = (): never => {
    throw new Error('tracker failed')
  }

  it('when the tracker throws, pushState still runs and returns the original’s value', () => {
    const result = { from: 'the original' }
    history.pushState = function (...args) {
      pushState.apply(this, args)
      return result as unknown as undefined
    }
    const { tracker } = fakeTracker()
    for (const broken of [
      { ...tracker, page: boom },
      { ...tracker, anonymize: boom },
    ]) {
      const stop = trackHistory(broken, window)
      expect(history.pushState(null, '', '/users/1')).toBe(result)
      expect(location.pathname).toBe('/users/1')
      history.replaceState(null, '', '/settings')
      expect(location.pathname).toBe('/settings')
      stop()
      history.pushState(null, '', '/')
    }
    delete (history as Partial<History>).pushState
  })

  it('never reads the state object it passes on', () => {
    const received: unknown[] = []
    history.pushState = function (state, title, url) {
      received.push(state)
      return pushState.call(this, null, title, url)
    }
    const read: PropertyKey[] = []
    const spy = (): ProxyHandler<object> =>
      new Proxy(
        {},
        {
          get:
            (_, trap) =>
            (...args: unknown[]) => (read.push(trap), Reflect.get(Reflect, trap)(...args)),
        },
      )
    const state = new Proxy({ secret: 'alice@example.com' }, spy())
    const { tracker, pages } = fakeTracker()
    track(tracker, { initial: false })
    history.pushState(state, '', '/users/1')
    expect(received[0]).toBe(state)
    expect(read).toEqual([])
    expect(pages).toEqual(['/users/1'])
    delete (history as Partial<History>).pushState
  })

  it('the original’s own errors reach the app as they would without it, and are no page view', () => {
    const { tracker, pages } = fakeTracker()
    track(tracker, { initial: false })
    let expected: unknown
    try {
      pushState.call(history, null, '', 'https://other.example/users/1')
    } catch (error) {
      expected = error
    }
    expect(expected).toBeInstanceOf(DOMException)
    expect(() => history.pushState(null, '', 'https://other.example/users/1')).toThrow(expected as Error)
    expect(pages).toEqual([])
  })

  it('a history that cannot be patched is left alone, without an error', () => {
    Object.defineProperty(history, 'pushState', { value: pushState, writable: false, configurable: true })
    const { tracker, pages } = fakeTracker()
    const stop = trackHistory(tracker, window)
    expect(history.pushState).toBe(pushState)
    history.replaceState(null, '', '/settings')
    expect(pages).toEqual(['/', '/settings'])
    expect(stop).not.toThrow()
    delete (history as Partial<History>).pushState
  })

  it('outside a browser (no window) it does nothing and returns a function', () => {
    vi.stubGlobal('window', undefined)
    const { tracker, pages } = fakeTracker()
    const stop = trackHistory(tracker)
    vi.unstubAllGlobals()
    expect(pages).toEqual([])
    expect(history.pushState).toBe(pushState)
    expect(stop).not.toThrow()
  })

  it.each([
    [undefined, 'tracker is undefined: expected a tracker from createTracker()'],
    [{ page() {} }, 'tracker is an object: expected a tracker from createTracker()'],
    [() => {}, 'tracker is a function: expected a tracker from createTracker()'],
  ])('fails at once for a tracker that is not one: %o', (given, message) => {
    expect(() => trackHistory(given as unknown as Tracker, window)).toThrow(new Error('[spa-telemetry] ' + message))
  })

  it.each([
    ['document', undefined, 'target is an object: expected a window, like window'],
    [42, undefined, 'target is 42: expected a window, like window'],
    ['window', [], 'options is an array: expected an object like { initial: false }'],
    ['window', { initial: 'no' }, 'initial is "no": expected true or false'],
    ['window', { trackQueryChanges: 1 }, 'trackQueryChanges is 1: expected true or false'],
  ])('fails at once for a target or options that are not: %s, %j', (target, options, message) => {
    const { tracker } = fakeTracker()
    const given = target === 'window' ? window : target === 'document' ? document : target
    expect(() => trackHistory(tracker, given as Window, options as TrackHistoryOptions)).toThrow(
      new Error('[spa-telemetry] ' + message),
    )
  })
})

describe("the tracker's own options, and another window", () => {
  it("with the tracker's base, a page outside it is not the app's: no page view", () => {
    history.replaceState(null, '', '/elsewhere')
    const { tracker, pages } = fakeTracker(false, { base: '/App/' })
    track(tracker)
    history.pushState(null, '', '/app/users/1')
    history.pushState(null, '', '/apple')
    history.pushState(null, '', '/APP')
    history.pushState(null, '', '/other/page')
    expect(pages).toEqual(['/app/users/1', '/APP'])
  })

  it('target: the window whose history it follows', () => {
    const listeners = new Map<string, () => void>()
    const at = new URL('https://app.example/users/1')
    const fakeHistory = {
      pushState: (_: unknown, __: string, url: string) => void (at.href = new URL(url, at).href),
      replaceState: (_: unknown, __: string, url: string) => void (at.href = new URL(url, at).href),
    } as unknown as History
    const frame = {
      history: fakeHistory,
      location: at,
      addEventListener: (type: string, listener: () => void) => void listeners.set(type, listener),
      removeEventListener: (type: string) => void listeners.delete(type),
    }
    const pages: string[] = []
    const { tracker } = fakeTracker()
    const stop = trackHistory({ ...tracker, page: () => void pages.push(at.pathname) }, frame)
    fakeHistory.pushState(null, '', '/users/2')
    history.pushState(null, '', '/not-this-window')
    expect([...listeners.keys()]).toEqual(['popstate', 'hashchange'])
    stop()
    expect(listeners.size).toBe(0)
    expect(pages).toEqual(['/users/1', '/users/2'])
  })
})

describe('the 0.1 form, trackHistory(tracker, { hash, initial }) (deprecated)', () => {
  it('still works (its hash counts even where the tracker has none), and a development build warns once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { tracker, pages } = fakeTracker(false)
    stops.push(trackHistory(tracker, { hash: true, initial: false }))
    location.hash = '#/users/1'
    await settle()
    const other = fakeTracker(false)
    stops.push(trackHistory(other.tracker, { initial: false }))
    expect(pages).toEqual(['/#/users/1'])
    expect(other.pages).toEqual([])
    expect(warn.mock.calls).toEqual([
      [
        '[spa-telemetry] trackHistory(tracker, { hash, initial }) is deprecated and goes in the next minor version: give the tracker hash: true and call trackHistory(tracker, window, { initial })',
      ],
    ])
  })
})

describe('with the real tracker', () => {
  const routes = ['/', '/nc/:project_id', '/nc/:project_id/table/:table_id']

  useFakeBrowser({ timers: false })

  it('sends the templates of the pages visited, each with the previous one as from', async () => {
    const { tracker, events, sent } = setup({ routes })
    track(tracker)
    history.pushState({ owner: 'alice@example.com' }, '', '/nc/p_8f2k')
    history.replaceState(null, '', '/nc/p_8f2k?q=Alice')
    history.pushState(null, '', '/nc/p_8f2k/table/customers#row-7')
    await back()
    tracker.flush()
    expect(events().map(({ type, path, from }) => ({ type, path, from }))).toEqual([
      { type: 'page', path: '/', from: undefined },
      { type: 'page', path: '/nc/:project_id', from: '/' },
      { type: 'page', path: '/nc/:project_id/table/:table_id', from: '/nc/:project_id' },
      { type: 'page', path: '/nc/:project_id', from: '/nc/:project_id/table/:table_id' },
    ])
    const bodies = sent.map(s => s.body).join('\n')
    for (const secret of ['p_8f2k', 'customers', 'Alice', 'alice', 'row-7']) expect(bodies).not.toContain(secret)
  })

  it('with hash routing on both, hash navigations are page views of their templates', async () => {
    const { tracker, events } = setup({ routes, hash: true })
    track(tracker)
    location.hash = '#/nc/p_1'
    await settle()
    location.hash = '#/nc/p_1/table/t_2'
    await settle()
    tracker.flush()
    expect(events().map(event => event.path)).toEqual(['/', '/nc/:project_id', '/nc/:project_id/table/:table_id'])
  })
})
