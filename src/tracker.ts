import { newId } from './id.js'

import { createAnonymizer } from './anonymize.js'
import type { LocationLike } from './anonymize.js'
import { createConsent } from './consent.js'
import { createDelivery } from './delivery.js'
import { createHeartbeat } from './heartbeat.js'
import { createIdentity } from './identity.js'
import { cleanProps, errorName, fitsSchema, isName } from './names.js'
import { validate } from './options.js'
import { createSerializer } from './payload.js'
import { createStoredQueue } from './queue.js'
import { own } from './own.js'
import { openStorage } from './storage.js'
import { createEventCheck, MAX_PATH } from './stored.js'
import type { ActionOptions, PageOptions, PropValue, TelemetryEvent, Tracker, TrackerOptions, TrackerStatus } from './types.js'

/** Two arguments at most (every public method's), passed on as given: a rest parameter would allocate an array per call. */
type Method = (a?: unknown, b?: unknown) => unknown

/** Development builds check options and explain drops in debug output; production builds leave both out. */
const DEV = process.env.NODE_ENV !== 'production'

/**
 * Creates a tracker: anonymized page views, actions and errors, after
 * consent, batched and delivered with keepalive `fetch` (no `Referer`, no
 * cookies), each event kept until the collector acknowledges it. Bad
 * options throw here (in development builds); afterwards nothing throws
 * into the app. Outside a browser (SSR) every method does nothing.
 *
 * @example
 * ```ts
 * const tracker = createTracker({
 *   endpoint: '/telemetry',
 *   app: { name: 'console', version: '2.1.0' },
 *   routes: ['/nc/:project_id', '/nc/:project_id/table/:table_id'],
 * })
 * tracker.page()                                // '/nc/:project_id', never '/nc/p_8f2k'
 * tracker.track('table_created', { kind: 'grid' })
 * ```
 */
export const createTracker = (given: TrackerOptions): Tracker => {
  if (DEV) validate(given)
  // own properties only: a polluted Object.prototype supplies no option
  const options = own(given)
  const anonymizer = createAnonymizer(options)
  const { anonymize } = anonymizer
  const { instanceId, debug = false, format, heartbeatMs, captureErrors, persist = true } = options
  // the payload's app: these three keys and nothing else (the schema is closed)
  const { name, version, env } = own(options.app)
  const app = { name, version, env }
  const browser = typeof window === 'object' && typeof document === 'object' && typeof navigator === 'object'
  const prefix = `spa-telemetry:${app.name}:`
  const consentKey = prefix + 'consent'
  const beatKey = prefix + 'heartbeat'
  const queueKey = prefix + 'queue'

  const log = (message: string, data?: unknown): void => {
    if (debug) console.info('[spa-telemetry] ' + message, ...(data === undefined ? [] : [data]))
  }
  const local = openStorage('localStorage', log)
  const consent = createConsent({
    mode: options.consent ?? 'opt-out',
    enabled: options.enabled ?? true,
    respectPrivacySignals: options.respectPrivacySignals ?? true,
    storage: local,
    key: consentKey,
    report: log,
  })
  const identity = createIdentity(options.identity ?? 'persistent', local, openStorage('sessionStorage', log), prefix)
  const verbatim = new Set<string>()
  const check = createEventCheck({ anonymizer, hash: options.hash, referrerHosts: options.referrerHosts, verbatim })

  /** Whether delivery may send and store: the stored choice is read again first, as another tab may have opted out. */
  const allowed = (): boolean => {
    if (consent.refresh()) forget(DEV && 'opted out in another tab')
    return consent.allowed()
  }

  const delivery = createDelivery({
    endpoint: options.endpoint,
    transport: options.transport ?? 'fetch',
    batchSize: options.batch?.size ?? 20,
    intervalMs: options.batch?.intervalMs ?? 5000,
    stored: persist ? createStoredQueue(local, queueKey, check.isValid) : undefined,
    hasStored: persist && browser && !!local.get(queueKey),
    serialize: createSerializer({ app, instanceId, identity, format }),
    allowed,
    log,
    debug,
  })

  const heartbeat = createHeartbeat({
    intervalMs: heartbeatMs,
    storage: local,
    key: beatKey,
    allowed: consent.allowed,
    record: () => record({ type: 'heartbeat', id: '', ts: 0 }),
    guard: beat => guard('heartbeat', beat),
  })

  let active = browser
  /** the path of the last page view recorded (after consent only) */
  let lastPath: string | undefined
  /** whether the next page view is the document's first: only it may carry the referrer */
  let firstPage = true

  /** Wraps a public method: whatever goes wrong is logged in fixed words (nothing of what was thrown), never thrown. */
  const guard = <A extends unknown[], R>(name: string, method: (...args: A) => R, fallback?: R, counts = true): ((...args: A) => R) =>
    ((a?: unknown, b?: unknown) => {
      try {
        return (method as unknown as Method)(a, b)
      } catch {
        if (counts) delivery.drop(1)
        if (DEV) log(`${name}() failed; the app is not affected`)
        return fallback
      }
    }) as unknown as (...args: A) => R

  /** Counts an event that is not recorded; `why` is `false` in production builds. */
  const drop = (why: string | false): void => {
    delivery.drop(1)
    if (DEV) log(`dropped ${why}`)
  }

  /**
   * Queues an event if consent allows it now; whether it did. Events are
   * made with `id: ''` and `ts: 0` in their place (bodies list them first)
   * and get both here: one object per event.
   */
  const record = (event: TelemetryEvent): boolean => {
    if (!active || !consent.allowed()) return false
    event.id = newId()
    event.ts = Date.now()
    if (DEV && debug) log(`queued ${event.type}`, event)
    delivery.push(event)
    return true
  }

  /** Forgets everything an opt-out forgets: queued, stored and in-flight events, ids, the last page. */
  const forget = (why: string | false): void => {
    delivery.forget()
    identity.clear()
    heartbeat.clear()
    lastPath = undefined
    if (DEV) log(`${why}: queued, stored and in-flight events deleted`)
  }

  const currentPath = (): string | undefined => {
    const path = lastPath ?? anonymize(window.location)
    return path !== null && path.length <= MAX_PATH ? path : undefined
  }

  const page = (location?: LocationLike, pageOptions?: PageOptions): void => {
    if (!active) return
    const { route, name } = pageOptions || {}
    if (name !== undefined && !isName(name)) return drop(DEV && 'a page view: its name does not follow the name grammar')
    const path = anonymize(location ?? window.location, typeof route === 'string' || route === null ? route : undefined)
    if (path === null) return drop(DEV && 'a page view: no route matches it, or it is not a URL')
    if (path.length > MAX_PATH) return drop(DEV && `a page view: its path is longer than ${MAX_PATH} characters`)
    const event: TelemetryEvent = { type: 'page', id: '', ts: 0, path }
    if (lastPath !== undefined) event.from = lastPath
    // the referrer belongs to the document's first page view: never to a later one, even if the first was not recorded
    if (firstPage && document.referrer) {
      const referrer = anonymizer.anonymizeReferrer(document.referrer, window.location.origin)
      if (referrer && referrer.length <= MAX_PATH) event.referrer = referrer
    }
    if (name) event.name = name
    firstPage = false
    if (record(event)) lastPath = path
  }

  const track = (name: string, props?: Record<string, PropValue>): void => {
    if (!isName(name)) return drop(DEV && 'a track event: its name does not follow the name grammar')
    if (props === undefined) return void record({ type: 'track', id: '', ts: 0, name })
    const clean = cleanProps(props)
    if (typeof clean === 'string') return drop(DEV && `track "${name}": ${clean}`)
    record({ type: 'track', id: '', ts: 0, name, props: clean })
  }

  const action = (type: string, actionOptions?: ActionOptions): void => {
    const vouched = actionOptions?.verbatim === true && fitsSchema(type)
    if (!vouched && !isName(type)) return drop(DEV && 'an action: its type does not follow the name grammar')
    if (vouched) verbatim.add(type)
    if (active) record({ type: 'action', id: '', ts: 0, name: type, path: currentPath() })
  }

  const error = (value: unknown): void => {
    if (active) record({ type: 'error', id: '', ts: 0, name: errorName(value), path: currentPath() })
  }

  /** Starts what consent allows: the heartbeat, and sending what earlier loads stored. */
  const start = (): void => {
    if (!active || !consent.allowed()) return
    heartbeat.start()
    delivery.start()
  }

  /** The page's events the tracker listens to (in a browser only). */
  const listeners: [target: EventTarget, type: string, listener: (event: never) => void][] = !browser ? [] : [
    [document, 'visibilitychange', () => (document.visibilityState === 'hidden' ? delivery.flush('unload') : heartbeat.beat())],
    [window, 'pagehide', () => delivery.flush('unload')],
    [window, 'online', () => delivery.flush('now')],
    // a choice made in another tab of the origin
    [window, 'storage', (event: StorageEvent) => (event.key === consentKey || event.key === null) && (allowed() ? start() : heartbeat.stop())],
  ]
  if (browser && captureErrors) {
    listeners.push([window, 'error', (event: ErrorEvent) => error(event.error)])
    listeners.push([window, 'unhandledrejection', (event: PromiseRejectionEvent) => error(event.reason)])
  }
  const guarded = listeners.map(([target, type, listener]) => [target, type, guard(type, listener as (event: Event) => void)] as const)
  const listen = (add: boolean): void => {
    for (const [target, type, listener] of guarded) target[add ? 'addEventListener' : 'removeEventListener'](type, listener)
  }

  if (browser) {
    listen(true)
    start()
  }

  return {
    page: guard('page', page),
    track: guard('track', track),
    action: guard('action', action),
    error: guard('error', error),
    flush: guard(
      'flush',
      () => {
        if (active) delivery.flush('now')
      },
      undefined,
      false,
    ),
    optIn: guard(
      'optIn',
      () => {
        if (!active) return
        consent.choose('in')
        if (DEV) log(`opted in${consent.reason() ? ', but tracking is off: ' + consent.reason() : ''}`)
        start()
      },
      undefined,
      false,
    ),
    optOut: guard(
      'optOut',
      () => {
        if (!active) return
        consent.choose('out')
        forget(DEV && 'opted out')
      },
      undefined,
      false,
    ),
    isEnabled: guard('isEnabled', () => active && consent.allowed(), false, false),
    status: guard('status', () => (active ? consent.reason() || 'on' : 'inactive'), 'inactive' as TrackerStatus, false),
    anonymize: guard('anonymize', (location: LocationLike) => anonymize(location), null, false),
    addRoutes: (routes: readonly string[]) => {
      anonymizer.addRoutes(routes)
      check.reset()
    },
    routes: guard('routes', anonymizer.routes, [], false),
    options,
    destroy: guard(
      'destroy',
      () => {
        if (!active) return
        delivery.flush('unload')
        delivery.stop()
        heartbeat.stop()
        listen(false)
        active = false
      },
      undefined,
      false,
    ),
  }
}
