import { newId } from './id.js'

import { createAnonymizer } from './anonymize.js'
import type { LocationLike } from './anonymize.js'
import { createConsent } from './consent.js'
import { createDelivery } from './delivery.js'
import { DEV } from './dev.js'
import { createEvents } from './events.js'
import { isPath } from './grammar.js'
import { createHeartbeat } from './heartbeat.js'
import { show } from './errors.js'
import { createIdentity } from './identity.js'
import { validate } from './options.js'
import { createSerializer } from './payload.js'
import { createStoredQueue } from './queue.js'
import { own } from './own.js'
import { openStorage } from './storage.js'
import { createEventCheck } from './stored.js'
import type { TelemetryEvent, Tracker, TrackerOptions, TrackerStatus } from './types.js'

/** Two arguments at most (every public method's), passed on as given: a rest parameter would allocate an array per call. */
type Method = (a?: unknown, b?: unknown) => unknown

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
  // against the page's own address, never document.baseURI: an injected <base href> must not reroute batches
  let endpoint = options.endpoint
  try {
    if (browser) endpoint = new URL(endpoint, location.href).href
  } catch {
    // not a URL (production builds do not check options): requests fail, and debug says so
  }
  const consentKey = prefix + 'consent'
  const beatKey = prefix + 'heartbeat'
  // one stored queue per endpoint: what was recorded for one collector is never sent to another
  const queueKey = prefix + 'queue:' + endpoint

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

  /**
   * Whether delivery may send and store. The stored choice and the privacy signals are read again
   * first: another tab may have opted out, the user may have switched a signal on.
   */
  const allowed = (): boolean => {
    if (consent.refresh()) forget(DEV && `${consent.reason()}, read before sending`)
    return consent.allowed()
  }

  const delivery = createDelivery({
    endpoint,
    transport: options.transport ?? 'fetch',
    batchSize: options.batch?.size ?? 20,
    intervalMs: options.batch?.intervalMs ?? 5000,
    // 0.1.0 kept one queue per app, whatever its endpoint (`legacy`): it is deleted unsent
    stored: persist ? createStoredQueue(local, queueKey, check.isValid, prefix + 'queue') : undefined,
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

  /** Wraps a public method: whatever goes wrong is logged in fixed words (nothing of what was thrown), never thrown. */
  const guard = <A extends unknown[], R>(
    name: string,
    method: (...args: A) => R,
    fallback?: R,
    counts = true,
  ): ((...args: A) => R) =>
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

  const events = createEvents({ anonymizer, active: () => active, record, drop, verbatim })

  /** Forgets everything an opt-out forgets: queued, stored and in-flight events, ids, the last page. */
  const forget = (why: string | false): void => {
    delivery.forget()
    identity.clear()
    heartbeat.clear()
    events.forget()
    if (DEV) log(`${why}: queued, stored and in-flight events deleted`)
  }

  /** Starts what consent allows: the heartbeat, and sending what earlier loads stored. */
  const start = (): void => {
    if (!active || !consent.allowed()) return
    heartbeat.start()
    delivery.start()
  }

  /** The page's events the tracker listens to (in a browser only). */
  const listeners: [target: EventTarget, type: string, listener: (event: never) => void][] = !browser
    ? []
    : [
        [
          document,
          'visibilitychange',
          () => (document.visibilityState === 'hidden' ? delivery.flush('hidden') : heartbeat.beat()),
        ],
        [window, 'pagehide', () => delivery.flush('unload')],
        [window, 'online', () => delivery.flush('now')],
        // a choice made (or storage cleared) in another tab of the origin; any other change may have made room for an opt-out storage refused
        [
          window,
          'storage',
          (event: StorageEvent) =>
            event.key === consentKey || event.key === null ? (allowed() ? start() : heartbeat.stop()) : allowed(),
        ],
      ]
  if (browser && captureErrors) {
    listeners.push([window, 'error', (event: ErrorEvent) => events.error(event.error)])
    listeners.push([window, 'unhandledrejection', (event: PromiseRejectionEvent) => events.error(event.reason)])
  }
  const guarded = listeners.map(
    ([target, type, listener]) => [target, type, guard(type, listener as (event: Event) => void)] as const,
  )
  const listen = (add: boolean): void => {
    for (const [target, type, listener] of guarded)
      target[add ? 'addEventListener' : 'removeEventListener'](type, listener)
  }

  if (browser) {
    listen(true)
    start()
  }

  return {
    page: guard('page', events.page),
    track: guard('track', events.track),
    action: guard('action', events.action),
    error: guard('error', events.error),
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
        // the tracker's own storage first: the choice must find room
        forget(DEV && 'opted out')
        consent.choose('out')
      },
      undefined,
      false,
    ),
    isEnabled: guard('isEnabled', () => active && allowed(), false, false),
    status: guard(
      'status',
      (detail?: true) => {
        const status: TrackerStatus = active ? (allowed(), consent.reason() || 'on') : 'inactive'
        if (!detail) return status
        const [choice, stored] = consent.choice()
        return { status, choice, stored }
      },
      'inactive',
      false,
    ) as Tracker['status'],
    anonymize: guard(
      'anonymize',
      (location: LocationLike) => {
        // what is sent: a path outside the path grammar is not
        const path = anonymize(location)
        return isPath(path) ? path : null
      },
      null,
      false,
    ),
    addRoutes: guard(
      'addRoutes',
      (routes: readonly string[]) => {
        // after setup a bad template is skipped, never thrown: the app may add routes at any time
        if (!Array.isArray(routes))
          log(
            DEV
              ? `addRoutes() takes a list of path templates like ["/nc/:project_id"], not ${show(routes)}: ignored`
              : 'addRoutes() skipped',
            routes,
          )
        else if (routes.length) anonymizer.addRoutes(routes, why => log('addRoutes() skipped ' + why))
        check.reset()
      },
      undefined,
      false,
    ),
    routes: guard('routes', anonymizer.routes, [], false),
    options,
    destroy: guard(
      'destroy',
      () => {
        if (!active) return
        // the page may live on: no beacon
        delivery.flush('hidden')
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
