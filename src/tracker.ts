import { nanoid } from 'nanoid'

import { createAnonymizer } from './anonymize.js'
import type { LocationLike } from './anonymize.js'
import { createConsent } from './consent.js'
import { check, fail, show } from './errors.js'
import { createIdentity } from './identity.js'
import { toSchema1, toSegment } from './payload.js'
import { byteSize, createQueue } from './queue.js'
import { openStorage } from './storage.js'
import { beacon, post } from './transport.js'
import type { PageOptions, PropValue, TelemetryEvent, Tracker, TrackerOptions, TrackerStatus } from './types.js'

/** Event names, action types and route names: short identifiers, never free text. */
const NAME = /^[A-Za-z_$][\w$ .:/-]{0,63}$/
const PROP_KEY = /^[A-Za-z_$][\w$.-]{0,63}$/
const MAX_PROPS = 20
const MAX_STRING = 200
const MAX_PATH = 512
/** Each body stays well under the 64 KiB keepalive budget shared by all beacons in flight. */
const MAX_BODY = 16 * 1024
/** Bytes one flush may hand to the browser; the rest waits for the next one. */
const FLUSH_BUDGET = 48 * 1024
const MIN_BODY = 4 * 1024
const FOLLOW_UP_MS = 1000
const MAX_ATTEMPTS = 6
const TTL_MS = 7 * 24 * 3600 * 1000
const EVENT_TYPES = ['page', 'track', 'action', 'heartbeat', 'error']
const EVENT_KEYS = ['type', 'id', 'ts', 'path', 'from', 'referrer', 'name', 'props']
const ANONYMIZER_OPTIONS = ['routes', 'placeholder', 'base', 'hash', 'unmatched', 'keepQuery', 'sensitive', 'referrerHosts']
const OPTIONS = [
  ...ANONYMIZER_OPTIONS,
  ...['endpoint', 'app', 'consent', 'enabled', 'respectPrivacySignals', 'identity', 'instanceId'],
  ...['batch', 'persist', 'heartbeatMs', 'captureErrors', 'debug', 'format'],
]

const isInteger = (value: unknown, min: number, max: number): boolean =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max

const optionalString = (name: string, value: unknown, max: number): void =>
  check(value === undefined || (typeof value === 'string' && value && value.length <= max), name, value, `a string of at most ${max} characters`)

const validate = (options: TrackerOptions): void => {
  check(options && typeof options === 'object', 'options', options, 'an object like { endpoint: "/telemetry", app: { name: "console" } }')
  for (const key of Object.keys(options)) {
    if (!OPTIONS.includes(key)) fail(`unknown option ${show(key)}: expected one of ${OPTIONS.join(', ')}`)
  }
  const { endpoint, app, consent, enabled, respectPrivacySignals, identity, instanceId, batch, persist, heartbeatMs, captureErrors, debug, format } = options
  check(typeof endpoint === 'string' && /^(https?:\/\/[^/?#]+)?\/[^\s]*$/.test(endpoint), 'endpoint', endpoint, 'an absolute URL or a path, like "/telemetry"')
  check(app && typeof app === 'object', 'app', app, 'an object like { name: "console", version: "2.1.0" }')
  for (const key of Object.keys(app)) {
    if (!['name', 'version', 'env'].includes(key)) fail(`unknown option app.${key}: expected name, version or env`)
  }
  check(typeof app.name === 'string' && NAME.test(app.name), 'app.name', app.name, 'a short name like "console"')
  optionalString('app.version', app.version, 64)
  optionalString('app.env', app.env, 64)
  optionalString('instanceId', instanceId, 128)
  check(consent === undefined || consent === 'opt-out' || consent === 'opt-in', 'consent', consent, '"opt-out" or "opt-in"')
  check(enabled === undefined || typeof enabled === 'boolean' || typeof enabled === 'function', 'enabled', enabled, 'true, false or a function returning one')
  check(identity === undefined || ['persistent', 'session', 'none'].includes(identity), 'identity', identity, '"persistent", "session" or "none"')
  check(format === undefined || format === 'schema1' || format === 'segment', 'format', format, '"schema1" or "segment"')
  check(debug === undefined || typeof debug === 'boolean' || debug === 'dry-run', 'debug', debug, 'true, false or "dry-run"')
  for (const [name, value] of Object.entries({ respectPrivacySignals, persist, captureErrors })) {
    check(value === undefined || typeof value === 'boolean', name, value, 'true or false')
  }
  check(heartbeatMs === undefined || isInteger(heartbeatMs, 1000, 2 ** 31 - 1), 'heartbeatMs', heartbeatMs, 'milliseconds, at least 1000')
  check(batch === undefined || (batch && typeof batch === 'object'), 'batch', batch, 'an object like { size: 20, intervalMs: 5000 }')
  check(batch?.size === undefined || isInteger(batch.size, 1, 1000), 'batch.size', batch?.size, 'a whole number from 1 to 1000')
  check(batch?.intervalMs === undefined || isInteger(batch.intervalMs, 100, 36e5), 'batch.intervalMs', batch?.intervalMs, 'milliseconds from 100 to 3600000')
}

/** `props` with primitive values and capped strings, or why they can't be sent. */
const cleanProps = (props: unknown): Record<string, PropValue> | string => {
  if (!props || typeof props !== 'object' || Array.isArray(props)) return 'props is not a plain object'
  const entries = Object.entries(props)
  if (entries.length > MAX_PROPS) return `props has more than ${MAX_PROPS} keys`
  const clean: Record<string, PropValue> = {}
  for (const [key, value] of entries) {
    if (!PROP_KEY.test(key)) return 'a prop name is not a short identifier'
    if (typeof value === 'string') clean[key] = value.slice(0, MAX_STRING)
    else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) clean[key] = value
    else return `prop "${key}" is not a string, a finite number or a boolean`
  }
  return clean
}

/** The constructor name of an error: never its message or stack, which carry user data. */
const errorName = (error: unknown): string => {
  const name = error instanceof Error ? error.constructor?.name : undefined
  return typeof name === 'string' && /^[A-Za-z_$][\w$]{0,63}$/.test(name) ? name : 'Error'
}

/**
 * Creates a tracker: anonymized page views, actions and errors, batched and
 * sent with `navigator.sendBeacon`, after consent. Bad options throw here;
 * afterwards nothing throws into the app. Outside a browser (SSR) every
 * method does nothing.
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
export const createTracker = (options: TrackerOptions): Tracker => {
  validate(options)
  const settings: Record<string, unknown> = {}
  for (const key of ANONYMIZER_OPTIONS) settings[key] = options[key as keyof TrackerOptions]
  const anonymizer = createAnonymizer(settings)
  const { anonymize } = anonymizer
  const { endpoint, instanceId, debug = false, format, heartbeatMs, captureErrors, persist = true } = options
  // the payload's app: these three keys and nothing else (the schema is closed)
  const app = { name: options.app.name, version: options.app.version, env: options.app.env }
  const batchSize = options.batch?.size ?? 20
  const intervalMs = options.batch?.intervalMs ?? 5000
  const browser = typeof window === 'object' && typeof document === 'object' && typeof navigator === 'object'
  const prefix = `spa-telemetry:${app.name}:`

  const log = (message: string, data?: unknown): void => {
    if (debug) console.info('[spa-telemetry] ' + message, ...(data === undefined ? [] : [data]))
  }
  const local = openStorage('localStorage', log)
  const session = openStorage('sessionStorage', log)
  const consent = createConsent({
    mode: options.consent ?? 'opt-out',
    enabled: options.enabled ?? true,
    respectPrivacySignals: options.respectPrivacySignals ?? true,
    storage: local,
    key: prefix + 'consent',
    report: log,
  })
  const identity = createIdentity(options.identity ?? 'persistent', local, session, prefix)

  let templates: Set<string> | undefined
  /** A stored path must be one this tracker could have produced: a template, or a fixed point of the anonymizer. */
  const isSafePath = (path: unknown): boolean => {
    templates ||= new Set(anonymizer.routes().map(route => anonymize(route, route)!))
    return typeof path === 'string' && path.length <= MAX_PATH && (templates.has(path) || anonymize(path) === path)
  }
  /** Whether a stored event is one this tracker could have queued: schema 1, and nothing raw in it. */
  const isValid = (event: TelemetryEvent): boolean => {
    if (!event || typeof event !== 'object' || !Object.keys(event).every(key => EVENT_KEYS.includes(key))) return false
    const { type, id, ts, path, from, referrer, name, props } = event
    const page = type === 'page'
    return (
      EVENT_TYPES.includes(type) &&
      /^[\w-]{21}$/.test(id) &&
      Number.isFinite(ts) &&
      (page ? isSafePath(path) : path === undefined || isSafePath(path)) &&
      (from === undefined || (page && isSafePath(from))) &&
      (referrer === undefined ||
        (page && (referrer === 'external' || (options.referrerHosts || []).includes(referrer) || isSafePath(referrer)))) &&
      (name === undefined ? type === 'page' || type === 'heartbeat' : NAME.test(name)) &&
      (props === undefined || (type === 'track' && typeof cleanProps(props) === 'object'))
    )
  }

  const queue = createQueue({
    maxEvents: 1000,
    maxBytes: 256 * 1024,
    storage: persist ? local : undefined,
    key: prefix + 'queue',
    maxStoredBytes: 64 * 1024,
    ttlMs: TTL_MS,
    isValid,
    report: log,
  })

  let destroyed = !browser
  let lastPath: string | undefined
  let firstPage = true
  let timer: ReturnType<typeof setTimeout> | undefined
  let immediate = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let failures = 0
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined
  let lastBeat = 0
  /** events handed to `fetch` and not answered yet */
  let inFlight: TelemetryEvent[] = []
  /** whether storage may hold events of this tab */
  let stored = false
  /** bytes per request: MAX_BODY, less after a 413 */
  let bodyLimit = MAX_BODY
  /** whether the events stored by earlier loads were taken in */
  let loaded = false
  const attempts = new WeakMap<TelemetryEvent, number>()

  /** Runs a public method: whatever goes wrong is logged and counted, never thrown. */
  const guard =
    <A extends unknown[], R>(name: string, method: (...args: A) => R, fallback?: R) =>
    (...args: A): R => {
      try {
        return method(...args)
      } catch (error) {
        queue.dropped++
        log(`${name}() failed with ${(error as Error)?.name}; the app is not affected`)
        return fallback as R
      }
    }

  const drop = (what: string, why: string): void => {
    queue.dropped++
    log(`dropped ${what}: ${why}`)
  }

  const schedule = (delay?: number): void => {
    const now = delay === undefined && queue.size() >= batchSize
    if (timer !== undefined && (immediate || !now)) return
    clearTimeout(timer)
    immediate = now
    timer = setTimeout(guard('flush', () => flush(false)), now ? 0 : (delay ?? intervalMs))
  }

  const record = (event: Omit<TelemetryEvent, 'id' | 'ts'>): void => {
    if (destroyed) return log(`ignored ${event.type}: the tracker is destroyed or not in a browser`)
    if (!consent.allowed()) return
    const full: TelemetryEvent = Object.assign({ type: event.type, id: nanoid(), ts: Date.now() }, event)
    queue.push(full)
    if (debug) log(`queued ${full.type}`, full)
    schedule()
  }

  /**
   * Takes in the events earlier loads could not send, once, at the first
   * flush: by then adapters have added the router's templates, against which
   * stored paths are checked again.
   */
  const loadStored = (): void => {
    if (loaded || !persist) return
    loaded = true
    queue.load(Date.now())
  }

  /** Mirrors what is unsent to storage, if storage may be used and holds (or must hold) events. */
  const sync = (force: boolean): void => {
    if (!persist || destroyed || !consent.allowed() || !(force || stored)) return
    loadStored()
    stored = queue.save(inFlight)
  }

  const serialize = (events: TelemetryEvent[]): [body: string, dropped: number] => {
    const now = Date.now()
    const context = { app, instanceId, anonymousId: identity.anonymousId(), sessionId: identity.sessionId(now) }
    const dropped = queue.dropped
    const payload = format === 'segment' ? toSegment(context, events, now) : toSchema1(context, events, dropped, now)
    return [JSON.stringify(payload), dropped]
  }

  const retryLater = (): void => {
    const delay = Math.min(60_000, 1000 * 2 ** failures++) * (0.5 + Math.random())
    log(`retrying in ${Math.round(delay / 1000)} s`)
    clearTimeout(retryTimer)
    retryTimer = setTimeout(
      guard('flush', () => {
        retryTimer = undefined
        flush(false)
      }),
      delay,
    )
  }

  const sendWithFetch = (events: TelemetryEvent[], body: string, dropped: number, unloading: boolean): void => {
    inFlight = inFlight.concat(events)
    post(endpoint, body, unloading).then(
      guard('send', status => {
        inFlight = inFlight.filter(event => !events.includes(event))
        if (destroyed && !unloading) return
        if (status >= 200 && status < 300) {
          queue.dropped -= dropped
          failures = 0
          log(`sent ${events.length} events with fetch`)
        } else if (status === 413 && events.length > 1) {
          bodyLimit = Math.max(2048, byteSize(body) >> 1)
          log(`the collector answered 413: sending batches of at most ${bodyLimit} bytes`)
          queue.putBack(events)
        } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
          queue.dropped += events.length
          log(`the collector answered ${status}: dropped ${events.length} events`)
        } else {
          const retry = events.filter(event => {
            const count = (attempts.get(event) || 0) + 1
            attempts.set(event, count)
            return count < MAX_ATTEMPTS
          })
          queue.dropped += events.length - retry.length
          queue.putBack(retry)
          log(`sending failed (${status ? 'HTTP ' + status : 'network error'}): kept ${retry.length} events`)
          retryLater()
          return sync(true)
        }
        sync(false)
        if (queue.size()) schedule(0)
      }),
    )
  }

  const flush = (unloading: boolean): void => {
    clearTimeout(timer)
    timer = undefined
    if (destroyed) return
    const off = consent.reason()
    if (off) {
      if (queue.size()) log(`cleared ${queue.size()} queued events: tracking is off (${off})`)
      return queue.clear()
    }
    loadStored()
    if (!queue.size()) return sync(false)
    if (debug === 'dry-run') {
      const [body] = serialize(queue.take(Infinity))
      queue.dropped = 0
      return log('dry run, not sent', JSON.parse(body))
    }
    if (navigator.onLine === false) {
      log(`offline: keeping ${queue.size()} events until the connection returns`)
      return sync(true)
    }
    if (!unloading && (retryTimer !== undefined || inFlight.length)) return
    let budget = FLUSH_BUDGET
    // no tiny tail requests: what does not fit goes with the next flush
    while (queue.size() && budget >= MIN_BODY) {
      // the payload's envelope (ids, app, dates) comes on top of the events
      const events = queue.take(Math.min(bodyLimit, budget) - 1024)
      let [body, dropped] = serialize(events)
      while (byteSize(body) > bodyLimit && events.length > 1) {
        queue.putBack(events.splice(events.length >> 1))
        ;[body, dropped] = serialize(events)
      }
      const size = byteSize(body)
      if (size > bodyLimit) {
        drop('an event', 'it is larger than a request may be')
        continue
      }
      budget -= size
      if (beacon(endpoint, body)) {
        queue.dropped -= dropped
        if (debug) log(`sent ${events.length} events with sendBeacon`, JSON.parse(body))
        continue
      }
      log(`sendBeacon did not take ${events.length} events: falling back to fetch`)
      sendWithFetch(events, body, dropped, unloading)
      break
    }
    if (unloading) sync(true)
    else {
      sync(false)
      if (queue.size()) schedule(FOLLOW_UP_MS)
    }
  }

  const currentPath = (): string | undefined => (destroyed ? undefined : (lastPath ?? anonymize(window.location) ?? undefined))

  const beat = (): void => {
    if (document.visibilityState === 'hidden' || !consent.allowed()) return
    const now = Date.now()
    const last = Math.max(lastBeat, +(local.get(prefix + 'heartbeat') || 0))
    // a clock that jumped backwards does not silence the heartbeat
    if (now - last >= heartbeatMs! || now < last) {
      lastBeat = now
      local.set(prefix + 'heartbeat', String(now))
      record({ type: 'heartbeat' })
    }
  }

  const startTimers = (): void => {
    if (heartbeatMs && heartbeatTimer === undefined && !destroyed) {
      heartbeatTimer = setInterval(guard('heartbeat', beat), Math.min(heartbeatMs, 60_000))
      beat()
    }
  }
  const stopTimers = (): void => {
    clearTimeout(timer)
    clearTimeout(retryTimer)
    clearInterval(heartbeatTimer)
    timer = retryTimer = heartbeatTimer = undefined
  }

  const page = (location?: LocationLike, pageOptions?: PageOptions): void => {
    const { route, name } = pageOptions || {}
    if (destroyed) return record({ type: 'page' })
    if (name !== undefined && !(typeof name === 'string' && NAME.test(name))) {
      return drop('a page view', 'its name is not a short identifier')
    }
    const path = anonymize(location ?? window.location, typeof route === 'string' || route === null ? route : undefined)
    if (path === null) return drop('a page view', 'no route matches it, or it is not a URL')
    if (path.length > MAX_PATH) return drop('a page view', `its path is longer than ${MAX_PATH} characters`)
    const event: Omit<TelemetryEvent, 'id' | 'ts'> = { type: 'page', path }
    if (lastPath !== undefined) event.from = lastPath
    if (firstPage && document.referrer) {
      const referrer = anonymizer.anonymizeReferrer(document.referrer, window.location.origin)
      if (referrer) event.referrer = referrer
    }
    if (name) event.name = name
    lastPath = path
    firstPage = false
    record(event)
  }

  const track = (name: string, props?: Record<string, PropValue>): void => {
    if (typeof name !== 'string' || !NAME.test(name)) return drop('a track event', 'its name is not a short identifier')
    const event: Omit<TelemetryEvent, 'id' | 'ts'> = { type: 'track', name }
    if (props !== undefined) {
      const clean = cleanProps(props)
      if (typeof clean === 'string') return drop(`track "${name}"`, clean)
      event.props = clean
    }
    record(event)
  }

  const action = (type: string): void => {
    if (typeof type !== 'string' || !NAME.test(type)) return drop('an action', 'its type is not a short identifier')
    record({ type: 'action', name: type, path: currentPath() })
  }

  const error = (value: unknown): void => record({ type: 'error', name: errorName(value), path: currentPath() })

  const onHidden = guard('flush', () => {
    if (document.visibilityState === 'hidden') flush(true)
    else beat()
  })
  const onPageHide = guard('flush', () => flush(true))
  const onOnline = guard('flush', () => flush(false))
  const onError = guard('error', (event: ErrorEvent) => error(event.error))
  const onRejection = guard('error', (event: PromiseRejectionEvent) => error(event.reason))
  const listen = (add: boolean): void => {
    const method = add ? 'addEventListener' : 'removeEventListener'
    document[method]('visibilitychange', onHidden)
    window[method]('pagehide', onPageHide)
    window[method]('online', onOnline)
    if (captureErrors) {
      window[method]('error', onError as EventListener)
      window[method]('unhandledrejection', onRejection as EventListener)
    }
  }

  if (browser) {
    listen(true)
    if (consent.allowed() && persist && local.get(prefix + 'queue')) {
      // what earlier loads could not send goes soon, not after a full interval
      stored = true
      schedule(FOLLOW_UP_MS)
    }
    startTimers()
  }

  return {
    page: guard('page', page),
    track: guard('track', track),
    action: guard('action', action),
    error: guard('error', error),
    flush: guard('flush', () => flush(false)),
    optIn: guard('optIn', () => {
      if (destroyed) return
      consent.choose('in')
      log(`opted in${consent.reason() ? ', but tracking is off: ' + consent.reason() : ''}`)
      startTimers()
    }),
    optOut: guard('optOut', () => {
      if (destroyed) return
      consent.choose('out')
      stopTimers()
      queue.clear()
      queue.dropped = 0
      inFlight = []
      identity.clear()
      local.remove(prefix + 'heartbeat')
      log('opted out: queued and stored events deleted')
    }),
    isEnabled: guard('isEnabled', () => !destroyed && consent.allowed(), false),
    anonymize: guard('anonymize', (location: LocationLike) => anonymize(location), null),
    addRoutes: (routes: readonly string[]) => {
      anonymizer.addRoutes(routes)
      templates = undefined
    },
    status: guard('status', () => (destroyed ? 'inactive' : consent.reason() || 'on'), 'inactive' as TrackerStatus),
    routes: guard('routes', anonymizer.routes, []),
    options,
    destroy: guard('destroy', () => {
      if (destroyed) return
      flush(true)
      stopTimers()
      listen(false)
      destroyed = true
    }),
  }
}
