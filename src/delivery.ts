import { MAX_EVENTS } from './queue.js'
import type { StoredQueue } from './queue.js'
import { DEV } from './dev.js'
import { safely } from './errors.js'
import { beacon, hasKeepalive, post } from './transport.js'
import type { Answer, Transport } from './transport.js'
import type { TelemetryEvent } from './types.js'

/** Each body stays well under the 64 KiB keepalive budget that every keepalive request in flight shares. */
const MAX_BODY = 16 * 1024
/** Keepalive bytes this tracker may have in flight at once; the rest of the 64 KiB is left to the app. */
const BUDGET = 48 * 1024
/** No tiny tail requests: what does not fit in this much waits for the next flush. */
const MIN_BODY = 2 * 1024
/** Most events in one request (fewer when they do not fit in its bytes). */
const MAX_BATCH = 200
const FOLLOW_UP_MS = 1000
const MAX_BACKOFF_MS = 60_000
/** A `Retry-After` longer than this is taken as this. */
const MAX_RETRY_AFTER_MS = 3_600_000

/** Milliseconds on a clock that only moves forward: waits follow elapsed time, whatever the wall clock is set to. */
const elapsed = (): number => performance.now()

/**
 * When a flush happens: on schedule, at once (`flush()`, back online: the backoff is cut short), as
 * the page is hidden (or the tracker destroyed) while it may live on, or as it unloads (`pagehide`).
 * The last two send all that fits at once; only an unload may use `sendBeacon` where `fetch` has no keepalive.
 */
export type Flush = 'scheduled' | 'now' | 'hidden' | 'unload'

/** What an answer means for the events of its request. */
export type Outcome = 'sent' | 'shrink' | 'drop' | 'retry'

/**
 * The status policy, one line per case:
 *
 * | answer | outcome |
 * | --- | --- |
 * | 2xx | `sent`: the events are forgotten |
 * | 413 | `shrink`: smaller requests (a single event too large is dropped) |
 * | 408, 429 | `retry` (after `Retry-After` when given) |
 * | other 4xx | `drop`: the collector refuses these events, counted in `dropped` |
 * | no answer (0), 3xx, 5xx | `retry`, with backoff and jitter |
 *
 * @example
 * ```ts
 * classify(204) // 'sent'; classify(503) // 'retry'; classify(400) // 'drop'
 * ```
 */
export const classify = (status: number): Outcome =>
  status >= 200 && status < 300
    ? 'sent'
    : status === 413
      ? 'shrink'
      : status >= 400 && status < 500 && status !== 408 && status !== 429
        ? 'drop'
        : 'retry'

/**
 * Development builds, debug mode: tells a collector on another origin that
 * answers without CORS headers (its answers cannot be read, so nothing is
 * ever acknowledged) from one that is down. Whether it probed.
 */
const probe = (endpoint: string, log: (message: string) => void): boolean => {
  const url = new URL(endpoint, location.href)
  if (url.origin === location.origin || navigator.onLine === false) return false
  fetch(url, { method: 'HEAD', mode: 'no-cors', credentials: 'omit', referrerPolicy: 'no-referrer' }).then(
    () =>
      log(
        `${url.origin} answers, but not with Access-Control-Allow-Origin for ${location.origin}: its answers cannot be read, ` +
          `so no request is ever acknowledged and every one is retried: start the collector with --origin ${location.origin} ` +
          '(or have yours answer this origin with CORS headers).',
      ),
    () => log(`${url.origin} does not answer: it is down, blocked, or not reachable from here`),
  )
  return true
}

export interface DeliveryOptions {
  endpoint: string
  transport: Transport
  /** Send when this many events are queued, or `intervalMs` after the first. */
  batchSize: number
  intervalMs: number
  /** The unacknowledged events' copy in storage; none when `persist` is off. */
  stored?: StoredQueue
  /** Whether storage holds events of earlier loads (read once, at start). */
  hasStored?: boolean
  /** The body of one request: its events and the count of events lost before them. */
  serialize(events: TelemetryEvent[], dropped: number): string
  /** Whether events may be sent and stored now; checked before every request and every write. */
  allowed(): boolean
  log(message: string, data?: unknown): void
  /** `'dry-run'`: log each body instead of sending it. */
  debug: boolean | 'dry-run'
}

export interface Delivery {
  /** Queues an event; a full batch is sent at once, a partial one after `intervalMs`. */
  push(event: TelemetryEvent): void
  /** Counts events lost before they were queued (bad input): reported in the next body. */
  drop(count: number): void
  /** Sends what is queued, as far as the keepalive budget and the collector's last answer allow. */
  flush(when: Flush): void
  /** Sends soon what earlier loads left in storage. */
  start(): void
  /** Forgets every queued, stored and in-flight event; answers that arrive later change nothing. */
  forget(): void
  /** Stops for good: no timer, no request; answers still arriving only update storage. */
  stop(): void
}

/** A request sent and not answered yet. */
interface Flight {
  events: TelemetryEvent[]
  /** the `dropped` count its body reported */
  dropped: number
  bytes: number
}

/** A body's size in UTF-8 bytes, as the keepalive budget counts it. */
const byteSize = (text: string): number => {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) bytes += text.charCodeAt(i) > 2047 ? 2 : 1
  return bytes
}

/**
 * The path from a queued event to an acknowledged request: batches under
 * the keepalive budget, requests, answers, retries, and the storage that
 * keeps every event until a 2xx (or, for a beacon, until the browser takes
 * it). Delivery is at least once: an event whose answer was lost (the page
 * closed first) is sent again by the next load; collectors de-duplicate by id.
 *
 * @example
 * ```ts
 * const delivery = createDelivery({ endpoint: '/telemetry', transport: 'fetch', batchSize: 20, intervalMs: 5000,
 *   stored, serialize, allowed: () => true, log: () => {}, debug: false })
 * delivery.push(event)
 * addEventListener('pagehide', () => delivery.flush('unload'))
 * ```
 */
export const createDelivery = (options: DeliveryOptions): Delivery => {
  const { endpoint, transport, batchSize, intervalMs, stored, serialize, allowed, log, debug } = options
  /** queued events, oldest first */
  let queue: TelemetryEvent[] = []
  /** events lost since the last body that reported them */
  let dropped = 0
  const flights = new Set<Flight>()
  const keepalive = hasKeepalive()
  let timer: ReturnType<typeof setTimeout> | undefined
  /** a flush is queued as a microtask */
  let soon = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  /** failed requests in a row, for the backoff */
  let failures = 0
  /** no request before this time on the `elapsed()` clock: the collector's `Retry-After` */
  let retryAt = 0
  /** bytes per request: MAX_BODY, less after a 413 */
  let bodyLimit = MAX_BODY
  /** whether the events stored by earlier loads were taken in */
  let loaded = !stored
  /** changes at every `forget()`: the answer of an older request is ignored */
  let epoch = 0
  /** whether a missing answer from another origin was explained already (debug) */
  let probed = false
  /** `stop()` was called: the tracker is destroyed */
  let stopped = false
  /** the browser was offline at the last flush (read there: `navigator.onLine` costs µs, too much for every event) */
  let offline = false
  /**
   * events were added since the unacknowledged ones were last stored: the next flush writes them (a
   * batch that only moved from the queue into flight is not written again; each write is the whole
   * mirror, up to 64 K characters)
   */
  let unsaved = false
  /**
   * answers removed events since: the stored copy still holds them. It is rewritten once no request
   * is about to follow, or at unload, not after every answer (draining a burst of 1,000 events
   * rewrote the mirror ten times, some 470 K characters). Until then a crash can only send those
   * events again (delivery is at least once), never lose one.
   */
  let stale = false

  /** A fault of delivery's own, reported in debug output (development builds); the app never sees it. */
  const failed = (): void => {
    if (DEV) log('delivery failed; the app is not affected')
  }

  /** Puts events in the queue (back at its front, for a request that was not acknowledged); the oldest make room. */
  const enqueue = (events: TelemetryEvent[], front?: boolean): void => {
    // in place: a copy of the queue per event would be garbage for every call
    if (front) queue.unshift(...events)
    else queue.push(...events)
    unsaved = true
    trim()
  }

  /** The oldest make room for the newest (`shift`: no copy of the queue). */
  const trim = (): void => {
    while (queue.length > MAX_EVENTS) {
      queue.shift()
      dropped++
    }
  }

  /** Mirrors every unacknowledged event (in flight and queued) to storage if events were added (or `removed`: if some were answered), and consent allows. */
  const save = (removed?: boolean): void => {
    if (!stored || !(unsaved || (removed && stale)) || !allowed()) return
    unsaved = stale = false
    stored.save([...flights].flatMap(flight => flight.events).concat(queue))
  }

  /**
   * Flushes once the app's current task is done (`now`), or within
   * `intervalMs`. The interval's timer is armed only when none is pending,
   * and a flush leaves it running: a timer per batch costs `track()` some
   * 10 µs in Chromium, up to 100 µs and more now and then.
   */
  const schedule = (now: boolean, delay = intervalMs): void => {
    if (stopped) return
    if (now) {
      if (soon) return
      soon = true
      queueMicrotask(() =>
        safely(() => {
          soon = false
          if (!stopped) flush('scheduled')
        }, failed),
      )
    } else if (timer === undefined) {
      timer = setTimeout(
        () =>
          safely(() => {
            timer = undefined
            flush('scheduled')
          }, failed),
        delay,
      )
    }
  }

  /** Waits before the next attempt: `Retry-After` if given, else exponential backoff with jitter. */
  const backoff = (status: number, wait: number | undefined): void => {
    const delay =
      wait === undefined
        ? Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures) * (0.5 + Math.random())
        : Math.min(wait, MAX_RETRY_AFTER_MS)
    failures++
    if (wait !== undefined) retryAt = elapsed() + delay
    if (DEV) {
      log(
        `${status ? 'the collector answered ' + status : 'no answer'}: kept the events, retrying in ${Math.round(delay / 1000)} s`,
      )
      if (!status && debug && !probed) probed = probe(endpoint, log)
    }
    if (stopped) return
    clearTimeout(retryTimer)
    retryTimer = setTimeout(
      () =>
        safely(() => {
          // the wait is over by this timer's own measure (a clock read now may be a hair short of it)
          retryTimer = undefined
          retryAt = 0
          flush('scheduled')
        }, failed),
      delay,
    )
  }

  /** Handles the answer to a request: forgotten, retried, shrunk or dropped (see `classify`). */
  const answer = (flight: Flight, sentIn: number, [status, wait]: Answer): void => {
    // forgotten (an opt-out), or handed to a beacon at unload
    if (sentIn !== epoch || !flights.delete(flight)) return
    stale = true
    const { events } = flight
    const outcome = classify(status)
    if (outcome === 'sent') {
      failures = 0
      if (DEV) log(`${events.length} events delivered (${status})`)
    } else if (outcome === 'drop' || (outcome === 'shrink' && events.length < 2)) {
      dropped += flight.dropped + events.length
      if (DEV) log(`the collector answered ${status}: dropped ${events.length} events`)
    } else {
      dropped += flight.dropped
      enqueue(events, true)
      if (outcome === 'retry') backoff(status, wait)
      else {
        bodyLimit = Math.max(MIN_BODY, flight.bytes >> 1)
        if (DEV) log(`the collector answered 413: requests of at most ${bodyLimit} bytes from now on`)
      }
    }
    // the next request follows at once: the stored copy is rewritten once the queue is drained
    if (queue.length && retryTimer === undefined && !flights.size && !stopped) schedule(true)
    else save(true)
  }

  /** Sends one body: `fetch` (keepalive where the browser has it), or a beacon where that is the transport (or the only way out at unload). */
  const send = (flight: Flight, body: string, beaconing: boolean): void => {
    const sentIn = epoch
    flights.add(flight)
    if (debug) log(`sending ${flight.events.length} events`, JSON.parse(body))
    if (beaconing) answer(flight, sentIn, [beacon(endpoint, body) ? 202 : 0])
    else post(endpoint, body, keepalive).then(result => safely(() => answer(flight, sentIn, result), failed))
  }

  /**
   * Takes the next batch off the queue and serializes it within `limit` bytes. One event larger than
   * that still goes alone if it fits a body (`MAX_BODY`) and the keepalive bytes left (`room`): a
   * collector that finds it too large says 413. `null`: it does not fit the bytes left, and waits at
   * the front of the queue (stored) for the next flush; `undefined`: larger than any request may be, dropped.
   */
  const nextBody = (limit: number, room: number): [TelemetryEvent[], string, number] | null | undefined => {
    const events = queue.splice(0, MAX_BATCH)
    let body = serialize(events, dropped)
    let bytes = byteSize(body)
    while (bytes > limit && events.length > 1) {
      queue = events.splice(events.length >> 1).concat(queue)
      body = serialize(events, dropped)
      bytes = byteSize(body)
    }
    if (bytes <= limit || bytes <= Math.min(MAX_BODY, room)) return [events, body, bytes]
    if (bytes <= MAX_BODY) {
      queue.unshift(...events)
      if (DEV) log(`${queue.length} events wait for the next request: the keepalive budget is spent (they stay stored)`)
      return null
    }
    dropped++
    unsaved = true
    if (DEV) log('dropped an event: it is larger than a request may be')
  }

  const flush = (when: Flush): void => {
    if (!allowed()) return forget()
    if (!loaded) {
      loaded = true
      const [earlier, refused] = stored!.load(Date.now())
      dropped += refused
      enqueue(earlier, true)
    }
    if (!queue.length) return save(when === 'hidden' || when === 'unload')
    if (debug === 'dry-run') {
      log('dry run, not sent', JSON.parse(serialize(queue.splice(0), dropped)))
      dropped = 0
      unsaved = true
      return save()
    }
    const leaving = when === 'hidden' || when === 'unload'
    // sendBeacon: the transport asked for, or the only request that outlives the page where fetch has no keepalive
    const beaconing = transport === 'beacon' || (when === 'unload' && !keepalive)
    if (beaconing && flights.size) {
      // ordinary requests die with the page: what they carry goes again, by beacon (collectors de-duplicate by id)
      for (const flight of [...flights].reverse()) {
        enqueue(flight.events, true)
        dropped += flight.dropped
      }
      flights.clear()
    }
    // a backoff is cut short; the collector's own Retry-After is not
    if (when === 'now' && retryTimer !== undefined && elapsed() >= retryAt) {
      clearTimeout(retryTimer)
      retryTimer = undefined
    }
    if ((offline = navigator.onLine === false)) {
      if (DEV) log(`offline: keeping ${queue.length} events until the connection returns`)
    } else if (elapsed() < retryAt) {
      if (DEV) log('the collector asked to wait (Retry-After): keeping the events')
    } else if (leaving || (retryTimer === undefined && !flights.size)) {
      let budget = BUDGET
      for (const flight of flights) budget -= flight.bytes
      while (queue.length && budget >= MIN_BODY) {
        const next = nextBody(Math.min(bodyLimit, budget), budget)
        if (next === null) break
        if (!next) continue
        const flight = { events: next[0], dropped, bytes: next[2] }
        dropped = 0
        budget -= flight.bytes
        send(flight, next[1], beaconing)
        // in normal operation one request at a time: its answer sends the next
        if (!leaving) break
      }
    }
    // answered events leave the stored copy when the page is hidden, or once nothing is in flight
    save(leaving || !flights.size)
  }

  return {
    push: event => {
      queue.push(event)
      unsaved = true
      trim()
      // while a request is out, a backoff runs or the browser is offline, a full batch waits its turn too
      const waiting = retryTimer !== undefined || flights.size > 0 || offline
      schedule(queue.length >= batchSize && !waiting)
    },
    drop: count => void (dropped += count),
    flush: when => safely(() => flush(when), failed),
    start: () => {
      if (options.hasStored) schedule(false, FOLLOW_UP_MS)
    },
    forget: () => forget(),
    stop: () => {
      stopped = true
      clearTimeout(timer)
      clearTimeout(retryTimer)
      timer = retryTimer = undefined
    },
  }

  function forget(): void {
    epoch++
    flights.clear()
    queue = []
    stored?.clear()
    unsaved = stale = false
    dropped = failures = retryAt = 0
    clearTimeout(timer)
    clearTimeout(retryTimer)
    timer = retryTimer = undefined
  }
}
