/**
 * `spa-telemetry/history` in jsdom: unit tests against a recording fake
 * tracker (which navigations become page views), then with the real
 * `createTracker` (what leaves the browser). Real back/forward and hash
 * navigation in Chromium: test/browser/history.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { LocationLike, Tracker } from 'spa-telemetry'
import { trackHistory } from '../../adapters/history.js'
import { destroyAll, resetBrowser, setup } from '../helpers.js'

const { pushState, replaceState } = History.prototype

/** Anonymizes as a tracker with routes `/users/:id` and `/settings` would: ids become `:id`, query and hash go. */
const template = (path: string): string => path.replace(/[?#].*/, '').replace(/\/\d+/g, '/:id')

/** A tracker that records, for each page view, where the browser was when it was called. */
const fakeTracker = (hash = false) => {
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
      const { pathname, hash: fragment } = typeof where === 'string' ? new URL(where, location.href) : (where as Location)
      return template(hash ? fragment.slice(1) || '/' : pathname)
    },
    addRoutes: noop,
    status: (() => 'on') as Tracker['status'],
    routes: () => [],
    options: { endpoint: '/t', app: { name: 'fake' } },
    destroy: noop,
  }
  return { tracker, pages }
}

const stops: (() => void)[] = []
/** trackHistory, undone after the test. */
const track = (...args: Parameters<typeof trackHistory>): (() => void) => {
  const stop = trackHistory(...args)
  stops.push(stop)
  return stop
}

/** Waits for the browser's asynchronous history traversal (back, forward, hash navigation). */
const settle = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 20))
const back = (): Promise<void> => (history.back(), settle())
const forward = (): Promise<void> => (history.forward(), settle())

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

  it('a pushState that leaves path and query as they were is not a page view', () => {
    const { tracker, pages } = fakeTracker()
    track(tracker, { initial: false })
    history.pushState(null, '', '/users/1')
    history.pushState({ scroll: 10 }, '', '/users/1')
    history.pushState(null, '', '/users/1#section')
    history.pushState(null, '', '/users/1?tab=2#section')
    expect(pages).toEqual(['/users/1', '/users/1?tab=2#section'])
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

  it('hash: true records hash navigations once each (popstate and hashchange both fire)', async () => {
    const { tracker, pages } = fakeTracker(true)
    track(tracker, { hash: true })
    location.hash = '#/users/1'
    await settle()
    location.hash = '#/settings'
    await settle()
    await back()
    history.pushState(null, '', '#/users/2')
    expect(pages).toEqual(['/', '/#/users/1', '/#/settings', '/#/users/1', '/#/users/2'])
  })

  it('hash: true, replaceState of the hash records only a new anonymized path', () => {
    const { tracker, pages } = fakeTracker(true)
    history.replaceState(null, '', '/#/users/1')
    track(tracker, { hash: true, initial: false })
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
    const stop = track(tracker, { hash: true })
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
    expect(track(tracker, { hash: true })).toBe(stop)
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
    for (const broken of [{ ...tracker, page: boom }, { ...tracker, anonymize: boom }]) {
      const stop = trackHistory(broken)
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
      new Proxy({}, { get: (_, trap) => (...args: unknown[]) => (read.push(trap), Reflect.get(Reflect, trap)(...args)) })
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
    const stop = trackHistory(tracker)
    expect(history.pushState).toBe(pushState)
    history.replaceState(null, '', '/settings')
    expect(pages).toEqual(['/', '/settings'])
    expect(stop).not.toThrow()
    delete (history as Partial<History>).pushState
  })

  it('outside a browser (no history) it does nothing and returns a function', () => {
    vi.stubGlobal('history', undefined)
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
    expect(() => trackHistory(given as unknown as Tracker)).toThrow(new Error('[spa-telemetry] ' + message))
  })
})

describe('with the real tracker', () => {
  const routes = ['/', '/nc/:project_id', '/nc/:project_id/table/:table_id']

  beforeEach(() => {
    resetBrowser()
  })
  afterEach(() => {
    destroyAll()
  })

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
    track(tracker, { hash: true })
    location.hash = '#/nc/p_1'
    await settle()
    location.hash = '#/nc/p_1/table/t_2'
    await settle()
    tracker.flush()
    expect(events().map(event => event.path)).toEqual(['/', '/nc/:project_id', '/nc/:project_id/table/:table_id'])
  })
})
