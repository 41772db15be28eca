/**
 * `spa-telemetry/history`: page views from the History API, for apps with
 * no supported router (React, Svelte, plain JS).
 */
import type { RouterTrackingOptions, Tracker } from 'spa-telemetry'

import { DEV, check, deprecated, isTracker, readOptions, safely } from './guards.js'

/** The parts of a window the adapter uses: its history, its location, its events. */
export interface WindowLike {
  history: History
  location: Pick<Location, 'pathname' | 'search' | 'hash' | 'href'>
  addEventListener(type: 'popstate' | 'hashchange', listener: () => void): void
  removeEventListener(type: 'popstate' | 'hashchange', listener: () => void): void
}

export interface TrackHistoryOptions extends Pick<RouterTrackingOptions, 'trackQueryChanges'> {
  /** Record the current page once, now. Default `true`. */
  initial?: boolean
}

/**
 * The options of the 0.1 form `trackHistory(tracker, { hash, initial })`.
 * @deprecated Give the tracker `hash: true` and call `trackHistory(tracker, window, { initial })`.
 */
export interface LegacyTrackHistoryOptions {
  /** Hash routing, asked a second time: the tracker's own `hash` now decides. */
  hash?: boolean
  initial?: boolean
}

/** The restore function of each tracker that is being tracked, so a second call does not count twice. */
const tracking = new WeakMap<object, () => void>()

/**
 * Records a page view (`tracker.page()`, anonymized by the tracker) for each
 * navigation of the History API in `target` (default: this window):
 * `pushState`, back and forward (`popstate`) and, when the tracker has
 * `hash: true`, `hashchange`; and once for the current page, unless
 * `initial: false`. A navigation that leaves the path as it was (with the
 * tracker's `hash`: the route in the hash) is not a page view, unless
 * `trackQueryChanges` and the query or hash changed; `replaceState` is one
 * only when it changes the anonymized path (routers use it to rewrite the
 * current entry). With the tracker's `base`, a page outside it is not the
 * app's and records nothing. State objects are never read.
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
 * const stop = trackHistory(tracker, window)  // page view of the current page
 * history.pushState(null, '', '/products/42') // page view of '/products/:id'
 * stop()
 * ```
 */
export function trackHistory(tracker: Tracker, target?: WindowLike, options?: TrackHistoryOptions): () => void
/**
 * The 0.1 form, which asked for `hash` a second time.
 * @deprecated Give the tracker `hash: true` and call `trackHistory(tracker, window, { initial })`;
 * this form goes in the next minor version.
 */
export function trackHistory(tracker: Tracker, options: LegacyTrackHistoryOptions): () => void
export function trackHistory(
  tracker: Tracker,
  second?: WindowLike | LegacyTrackHistoryOptions,
  third?: TrackHistoryOptions,
): () => void {
  let legacy: LegacyTrackHistoryOptions | undefined
  // the 0.1 options: an object with neither the history nor the location a window (or a document) has
  safely(() => (legacy = second && !('history' in second) && !('location' in second) ? second : undefined))
  if (legacy)
    deprecated(
      'trackHistory(tracker, { hash, initial })',
      'give the tracker hash: true and call trackHistory(tracker, window, { initial })',
    )
  const target =
    ((legacy ? undefined : second) as WindowLike | undefined) ?? (globalThis.window as WindowLike | undefined)
  const options = legacy ?? third
  if (DEV) {
    const { fields, ok } = readOptions<TrackHistoryOptions>(options)
    check(() => isTracker(tracker, 'page', 'anonymize'), 'tracker', tracker, 'a tracker from createTracker()')
    check(() => !second || legacy || (second as WindowLike).history, 'target', second, 'a window, like window')
    check(ok, 'options', third, 'an object like { initial: false }')
    check(['boolean', 'undefined'].includes(typeof fields.initial), 'initial', fields.initial, 'true or false')
    check(
      ['boolean', 'undefined'].includes(typeof fields.trackQueryChanges),
      'trackQueryChanges',
      fields.trackQueryChanges,
      'true or false',
    )
  }
  let stop: () => void = () => {}
  // whatever it is given (production builds check nothing), what fails here leaves the app untracked, never broken
  safely(() => (stop = tracking.get(tracker) ?? start(tracker, target!, options || {}, legacy?.hash)))
  return stop
}

/** Starts tracking; returns what stops it. */
const start = (
  tracker: Tracker,
  target: WindowLike,
  options: TrackHistoryOptions,
  legacyHash?: boolean,
): (() => void) => {
  const { history, location } = target || {}
  // outside a browser, or a tracker that is no object (production builds check nothing): nothing to do
  if (!history || Object(tracker) !== tracker) return () => {}
  const { initial, trackQueryChanges } = options
  const { base = '', sensitive = false, hash: own = false } = tracker.options || {}
  const hash = own === true || legacyHash === true
  const fold = (text: string): string => (sensitive ? text : text.toLowerCase())
  const prefix = fold(typeof base === 'string' ? base.replace(/\/+$/, '') : '')

  /** What decides the page (kept here, never sent): the path or, with `hash`, the route in the hash; with `trackQueryChanges`, the query and hash too. */
  const where = (): string => {
    const whole = hash ? location.hash : location.pathname + location.search + location.hash
    if (trackQueryChanges) return whole
    return hash ? whole.replace(/\?.*/, '') : location.pathname
  }
  /** Whether the page is the app's: under the tracker's `base`, if it has one. */
  const inside = (): boolean => {
    const path = fold(location.pathname)
    return (
      hash || !prefix || (path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/'))
    )
  }
  let active = true
  let lastWhere = where()
  /** The address of the current entry (kept here, never sent): what a `replaceState` is compared with. */
  let lastHref = location.href
  if (initial !== false && inside()) safely(() => tracker.page())

  const navigated = (replaced: boolean): void => {
    const now = where()
    if (!active || now === lastWhere) return
    lastWhere = now
    const before = lastHref
    lastHref = location.href
    if (!inside()) return
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

  // without `hash`, a hash change changes `where()` only with trackQueryChanges
  const listen = (method: 'addEventListener' | 'removeEventListener'): void => {
    for (const type of ['popstate', 'hashchange'] as const) safely(() => target[method](type, onNavigation))
  }
  const restorePush = patch('pushState')
  const restoreReplace = patch('replaceState')
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
