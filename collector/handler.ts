/**
 * The collector as a Web-standard handler: `(request: Request) => Promise<Response>`.
 * It mounts in Node (see `listen`), Hono, Nitro/h3, Deno, Bun and workers.
 */
import { readBody } from './body.js'
import { checkNumber, setupError } from './check.js'
import { createDedupe } from './dedupe.js'
import { groupWrites } from './group.js'
import { fanoutStore } from './stores/fanout.js'
import { createLimiter } from './limits.js'
import type { Limits } from './limits.js'
import { contentFree, Refusal } from './refusal.js'
import { loneSurrogate } from './text.js'
import type { Payload, Store, StoredEvent, StoreFunction } from './types.js'
import { validatePayload } from './validate.js'

/** Options of {@link createCollector}. */
export interface CollectorOptions {
  /** Where events go: `ndjsonStore(…)`, `clickhouseStore(…)`, `segmentStore(…)`, `posthogStore(…)`, any {@link Store}, or a function called with groups of events. */
  store?: Store | StoreFunction
  /** Several stores instead of one: the collector answers 2xx only once every one has taken the events, and a store that took them is not given them again when the browser retries. */
  stores?: readonly (Store | StoreFunction)[]
  /** Browser origins allowed to send from another origin (`https://app.example.com`), or `'*'` for any. Same-origin requests and requests without `Origin` are always accepted. Default none. */
  origins?: readonly string[] | '*'
  /** Only this path is served (others get 404). Default: any path (the framework routes). */
  path?: string
  /** Bodies over this many bytes get 413. Default 65536, the browser's keepalive budget. */
  maxBodyBytes?: number
  /** A body not received within this time gets 408. Default 10000 ms. */
  bodyTimeoutMs?: number
  /** Events not stored within this time get 503: the write goes on, and a retry meanwhile is not stored twice. Default 10000 ms (the tracker gives up on a request after 30 s). */
  storeTimeoutMs?: number
  /** Token-bucket rate limits per `anonymousId` and overall, in events; `false` for none. */
  limits?: Limits | false
  /** Event ids remembered to drop retried events. Default 100000. */
  dedupeWindow?: number
  /** Called with the events of each request once they are stored (duplicates left out): a live view, a metric. Errors are reported to `onError`, never to the client. */
  onStored?: (events: StoredEvent[]) => void
  /** Called for each refused request (every answer but 204) with a reason that holds nothing of the request: safe to log. Errors are reported to `onError`. */
  onRefused?: (refused: Refused) => void
  /** Store failures and `onStored` errors. Default: `console.error` of the message. */
  onError?: (error: unknown) => void
}

/** What {@link CollectorOptions.onRefused} is called with. */
export interface Refused {
  /** The answer's status: 400, 403, 404, 405, 408, 413, 415, 429, 500 or 503. */
  status: number
  /** Why, with nothing of the request in it: `origin not allowed`, `body does not match schema/v1.json: /events/0/props/* must be string`… */
  reason: string
  /** For a 403: the refused origin, when it is a plain `http(s)://host[:port]` origin (to name in a hint). */
  origin?: string
}

/** The collector: a Web-standard request handler. */
export type Collector = (request: Request) => Promise<Response>

const TYPES = new Set(['text/plain', 'application/json'])
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
}
const PLAIN_ORIGIN = /^https?:\/\/(?:[a-z0-9-]+\.)*[a-z0-9-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9a-f:.]+\](?::\d{1,5})?$/
const unavailable = (reason = 'store unavailable'): Refusal => new Refusal(503, reason, { 'retry-after': '5' })

/** The events of a payload as stored: context added, `ts` corrected by the clock skew, nothing of the request. */
const toStored = (payload: Payload, fresh: boolean[], receivedAt: number): StoredEvent[] => {
  const received = new Date(receivedAt).toISOString()
  const skew = receivedAt - Date.parse(payload.sentAt)
  const { instanceId, anonymousId, sessionId, sentAt } = payload
  // copied field by field (nothing but the schema's), shared by the payload's events
  const app = { name: payload.app.name, version: payload.app.version, env: payload.app.env }
  const library = { name: payload.library.name, version: payload.library.version }
  const stored: StoredEvent[] = []
  payload.events.forEach((event, i) => {
    if (!fresh[i]) return
    const { id, type, ts, path, from, referrer, name, props } = event
    stored.push({
      id,
      type,
      ts: Math.round(ts + skew),
      clientTs: ts,
      receivedAt: received,
      sentAt,
      path,
      from,
      referrer,
      name,
      props,
      app,
      library,
      instanceId,
      anonymousId,
      sessionId,
      dropped: stored.length === 0 && payload.dropped > 0 ? payload.dropped : undefined,
    })
  })
  return stored
}

/** The path of a request URL, without parsing all of it. */
const pathOf = (url: string): string => {
  const start = url.startsWith('/') ? 0 : url.indexOf('/', url.indexOf('//') + 2)
  if (start < 0) return '/'
  const query = url.indexOf('?', start)
  const hash = url.indexOf('#', start)
  const end = Math.min(query < 0 ? url.length : query, hash < 0 ? url.length : hash)
  return url.slice(start, end)
}

const checkOrigins = (origins: CollectorOptions['origins']): Set<string> | '*' => {
  if (origins === undefined) return new Set()
  if (origins === '*') return '*'
  if (!Array.isArray(origins))
    throw setupError('origins', origins, "an array of origins such as ['https://app.example.com'], or '*'")
  return new Set(
    origins.map((origin, i) => {
      let parsed = ''
      try {
        parsed = new URL(origin).origin
      } catch {
        // not a URL
      }
      if (typeof origin !== 'string' || parsed !== origin)
        throw setupError(
          `origins[${i}]`,
          origin,
          'an origin such as "https://app.example.com" (scheme, host and port; no path or trailing slash)',
        )
      return origin
    }),
  )
}

/**
 * Creates the collector: a `(request: Request) => Promise<Response>` handler
 * that validates payloads against schema/v1.json, refuses what is too large,
 * too slow or too fast, or what a store could not keep (lone surrogates),
 * drops duplicates, stores the rest without anything of the request (IP,
 * headers), and answers 2xx only once the events are durable.
 *
 * Statuses: 204 stored (or preflight answered), 400 invalid,
 * 403 origin not allowed, 404 other path, 405 other method, 408 body too slow,
 * 413 body too large, 415 content type, 429 rate limit (`Retry-After`),
 * 503 store failed or too slow (`Retry-After`).
 *
 * @example
 * ```ts
 * import { createCollector, ndjsonStore } from 'spa-telemetry/collector'
 *
 * const collector = createCollector({ store: ndjsonStore({ dir: './events' }), origins: ['https://app.example.com'] })
 * // Deno.serve(collector), Bun.serve({ fetch: collector }), export default { fetch: collector } …
 * ```
 */
export const createCollector = (options: CollectorOptions): Collector => {
  if (typeof options !== 'object' || options === null)
    throw setupError('createCollector options', options, '{ store, … }')
  if (options.stores !== undefined && options.store !== undefined)
    throw setupError('store', options.store, 'store or stores, not both')
  const store = options.stores !== undefined ? fanoutStore(options.stores) : options.store
  const { path, onStored, onRefused } = options
  const report =
    options.onError ??
    ((error: unknown) =>
      console.error(`[spa-telemetry] collector: ${error instanceof Error ? error.message : String(error)}`))
  let write: (events: StoredEvent[]) => Promise<void>
  if (typeof store === 'function')
    write = groupWrites<StoredEvent>(async events => void (await store(events)), {
      splitForMs: options.storeTimeoutMs ?? 10_000,
    }).write
  else if (store && typeof store === 'object' && typeof store.write === 'function')
    write = events => store.write(events)
  else throw setupError('store', store, 'a store (ndjsonStore(…), clickhouseStore(…), { write(events) }) or a function')
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/')))
    throw setupError('path', path, 'a path such as "/telemetry"')
  if (onStored !== undefined && typeof onStored !== 'function') throw setupError('onStored', onStored, 'a function')
  if (onRefused !== undefined && typeof onRefused !== 'function') throw setupError('onRefused', onRefused, 'a function')
  const origins = checkOrigins(options.origins)
  const maxBodyBytes = checkNumber('maxBodyBytes', options.maxBodyBytes ?? 65_536, 1, 16 * 1024 * 1024, true)
  const bodyTimeoutMs = checkNumber('bodyTimeoutMs', options.bodyTimeoutMs ?? 10_000, 1, 600_000, false)
  const storeTimeoutMs = checkNumber('storeTimeoutMs', options.storeTimeoutMs ?? 10_000, 1, 600_000, false)
  const dedupe = createDedupe(checkNumber('dedupeWindow', options.dedupeWindow ?? 100_000, 0, 10_000_000, true))
  const limiter = createLimiter(options.limits)

  // after a restart, the ids stored last are remembered again
  let seeding: Promise<void> | undefined
  const seed = (): Promise<void> =>
    (seeding ??= (async () => {
      if (typeof store === 'object' && store.recentIds)
        dedupe.seed(await store.recentIds(Math.min(options.dedupeWindow ?? 100_000, 100_000)))
    })().catch(error => {
      seeding = undefined
      throw error
    }))

  /** `work`'s outcome, or `timedOut` if it takes over storeTimeoutMs (it goes on: only the answer stops waiting). */
  const inTime = <T>(work: Promise<T>, timedOut: T): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined
    return Promise.race([
      work,
      new Promise<T>(resolve => (timer = setTimeout(resolve, storeTimeoutMs, timedOut))),
    ]).finally(() => clearTimeout(timer))
  }

  const answer = (status: number, body: unknown, headers: Record<string, string>): Response =>
    body === undefined
      ? new Response(null, { status, headers })
      : new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } })

  /** CORS headers for this request's origin; null when a cross-origin browser request is not allowed. */
  const cors = (request: Request): Record<string, string> | null => {
    const origin = request.headers.get('origin')
    if (origin === null) return {}
    if (origins === '*') return { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'Retry-After' }
    if (origins.has(origin))
      return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After', vary: 'Origin' }
    if (request.headers.get('sec-fetch-site') === 'same-origin') return { vary: 'Origin' }
    try {
      if (new URL(request.url).origin === origin) return { vary: 'Origin' }
    } catch {
      // a relative URL: not the same origin
    }
    return null
  }

  const receive = async (request: Request, headers: Record<string, string>): Promise<Response> => {
    const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
    if (!TYPES.has(type))
      throw new Refusal(
        415,
        'content type is not text/plain or application/json',
        {},
        `content type ${JSON.stringify(type.slice(0, 64))} is not text/plain or application/json`,
      )
    const text = await readBody(request, maxBodyBytes, bodyTimeoutMs)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new Refusal(400, 'body is not JSON')
    }
    const result = validatePayload(value)
    if (!result.ok) throw new Refusal(400, contentFree(result.reason), {}, result.reason)
    const { payload } = result
    // decoded UTF-8 holds no lone surrogate: only a \u escape can make one
    const lone = text.includes('\\u') ? loneSurrogate(payload) : undefined
    if (lone !== undefined) {
      const sentence = `body refused: ${lone} holds a lone surrogate (half of a UTF-16 pair), which a store cannot keep`
      throw new Refusal(400, contentFree(sentence), {}, sentence)
    }
    const wait = limiter.take(payload.anonymousId ?? payload.sessionId, payload.events.length)
    if (wait) throw new Refusal(429, `rate limit: retry in ${wait} s`, { 'retry-after': String(wait) })
    const receivedAt = Date.now()
    const seeded = await inTime(
      seed().then(
        () => true,
        error => (report(error), false),
      ),
      undefined,
    )
    if (seeded === undefined) throw unavailable(`store did not answer within ${storeTimeoutMs} ms`)
    if (!seeded) throw unavailable()
    const claim = dedupe.claim(payload.events.map(event => event.id))
    const events = toStored(payload, claim.fresh, receivedAt)
    const writing = events.length
      ? write(events).then(
          () => true,
          error => (report(error), false),
        )
      : Promise.resolve(true)
    // the ids stay claimed until the write ends, even after a timeout: a retry waits for it instead of writing them twice
    void writing.then(claim.settle)
    // events another request is writing count only once that write succeeded
    const outcome = await inTime(Promise.all([writing, ...claim.waitFor]), undefined)
    if (outcome === undefined) throw unavailable(`store did not answer within ${storeTimeoutMs} ms`)
    if (outcome.includes(false)) throw unavailable()
    if (events.length && onStored) {
      try {
        onStored(events)
      } catch (error) {
        report(error)
      }
    }
    return answer(204, undefined, headers)
  }

  /** Tells onRefused (never the client's content: the reason is content-free). */
  const refused = (status: number, reason: string, request: Request): void => {
    if (!onRefused) return
    const origin = status === 403 ? (request.headers.get('origin') ?? '') : ''
    try {
      onRefused(origin.length <= 200 && PLAIN_ORIGIN.test(origin) ? { status, reason, origin } : { status, reason })
    } catch (error) {
      report(error)
    }
  }

  return async request => {
    let headers: Record<string, string> = {}
    try {
      if (path !== undefined && pathOf(request.url) !== path) throw new Refusal(404, 'not found')
      const allowed = cors(request)
      if (!allowed) {
        const origin = (request.headers.get('origin') ?? '').slice(0, 200)
        throw new Refusal(
          403,
          'origin not allowed',
          {},
          `origin ${JSON.stringify(origin)} is not allowed: the collector accepts it once it is among its origins (the command's --origin)`,
        )
      }
      headers = allowed
      if (request.method === 'OPTIONS') {
        const preflight: Record<string, string> = allowed['access-control-allow-origin']
          ? {
              'access-control-allow-methods': 'POST',
              'access-control-allow-headers': 'content-type',
              'access-control-max-age': '86400',
            }
          : {}
        return answer(204, undefined, { ...headers, ...preflight, allow: 'POST, OPTIONS' })
      }
      if (request.method !== 'POST')
        throw new Refusal(
          405,
          'method not allowed: POST',
          { allow: 'POST, OPTIONS' },
          `method ${JSON.stringify(request.method.slice(0, 32))} is not allowed: POST`,
        )
      return await receive(request, headers)
    } catch (error) {
      if (error instanceof Refusal) {
        refused(error.status, error.reason, request)
        return answer(error.status, { error: error.detail ?? error.reason }, { ...headers, ...error.headers })
      }
      report(error)
      refused(500, 'internal error', request)
      return answer(500, { error: 'internal error' }, headers)
    }
  }
}
