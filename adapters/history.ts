/**
 * `spa-telemetry/history`: page views from the History API, for apps with
 * no supported router (React, Svelte, plain JS).
 */
import type { Tracker } from 'spa-telemetry'

import { check, safely } from './guards.js'

export interface TrackHistoryOptions {
  /**
   * Hash routing (`/#/nc/p_8f2k`): a change of the hash is a navigation, and
   * `hashchange` is recorded too. Give the tracker `hash: true` as well, so
   * that the hash is what it anonymizes. Default `false`.
   */
  hash?: boolean
  /** Record the current page once, now. Default `true`. */
  initial?: boolean
}

/** The restore function of each tracker that is being tracked, so a second call does not count twice. */
const tracking = new WeakMap<object, () => void>()

/**
 * Records a page view (`tracker.page()`, anonymized by the tracker) for each
 * navigation of the History API: `pushState`, back and forward (`popstate`)
 * and, with `hash: true`, `hashchange`; and once for the current page, unless
 * `initial: false`. A navigation that leaves the path and query (and, with
 * `hash`, the hash) as they were is not a page view; `replaceState` is one
 * only when it changes the anonymized path (routers use it to rewrite the
 * current entry). State objects are never read.
 *
 * Returns a function that stops tracking and restores `pushState` and
 * `replaceState` (when another script wrapped them after us, ours stays in
 * place as a pass-through). A second call for the same tracker returns the
 * same function and records nothing more. Outside a browser it does nothing.
 *
 * @example
 * ```ts
 * import { createTracker } from 'spa-telemetry'
 * import { trackHistory } from 'spa-telemetry/history'
 *
 * const tracker = createTracker({ endpoint: '/telemetry', app: { name: 'shop' }, routes: ['/products/:id'] })
 * const stop = trackHistory(tracker)          // page view of the current page
 * history.pushState(null, '', '/products/42') // page view of '/products/:id'
 * stop()
 * ```
 */
export const trackHistory = (tracker: Tracker, options: TrackHistoryOptions = {}): (() => void) => {
  // a setup check: development builds only
  if (process.env.NODE_ENV !== 'production') {
    check(tracker && typeof tracker.page === 'function' && typeof tracker.anonymize === 'function', 'tracker', tracker, 'a tracker from createTracker()')
  }
  const { hash, initial } = options || {}
  const running = tracking.get(tracker)
  if (running) return running
  const history = globalThis.history as History | undefined
  if (!history) return () => {}

  let active = true
  /** What decides the page (kept here, never sent): the path, the query, and with `hash` the hash. */
  const where = (): string => location.pathname + location.search + (hash ? location.hash : '')
  let lastWhere = where()
  /** The address of the current entry (kept here, never sent): what a `replaceState` is compared with. */
  let lastHref = location.href
  if (initial !== false) safely(() => tracker.page())

  const navigated = (replaced: boolean): void => {
    const now = where()
    if (!active || now === lastWhere) return
    lastWhere = now
    const before = lastHref
    lastHref = location.href
    // anonymized only for a replaceState (a push or a popstate is a page view, anonymized once, by page())
    if (replaced && tracker.anonymize(lastHref) === tracker.anonymize(before)) return
    tracker.page()
  }
  const onNavigation = (): void => safely(() => navigated(false))

  /** Wraps `history[name]`; returns what undoes it. */
  const patch = (name: 'pushState' | 'replaceState'): (() => void) => {
    const original = history[name]
    const own = Object.hasOwn(history, name)
    const patched = function (this: History, ...args: Parameters<History['pushState']>): void {
      // the original runs first, and whatever it returns or throws is the app's
      const result = original.apply(this, args)
      safely(() => navigated(name === 'replaceState'))
      return result
    }
    try {
      history[name] = patched
    } catch {
      // a frozen `history`: no page views from this method, but no error either
    }
    return () => {
      if (history[name] !== patched) return
      if (own) history[name] = original
      else delete (history as Partial<History>)[name]
    }
  }

  const restorePush = patch('pushState')
  const restoreReplace = patch('replaceState')
  // without `hash`, the hash is not part of `where()`: its hashchange changes nothing
  const listen = (method: 'addEventListener' | 'removeEventListener'): void => {
    for (const type of ['popstate', 'hashchange']) window[method](type, onNavigation)
  }
  listen('addEventListener')

  const stop = (): void => {
    if (!active) return
    active = false
    tracking.delete(tracker)
    listen('removeEventListener')
    safely(restorePush)
    safely(restoreReplace)
  }
  tracking.set(tracker, stop)
  return stop
}
