/**
 * The collector as a Web-standard handler: `(request: Request) => Promise<Response>`.
 * It mounts in Node (see `listen`), Hono, Nitro/h3, Deno, Bun and workers.
 */
import { checkNumber, setupError } from './check.js'
import { createDedupe } from './dedupe.js'
import { groupWrites } from './group.js'
import { fanoutStore } from './stores/fanout.js'
import { createLimiter } from './limits.js'
import type { Limits } from './limits.js'
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
  /** Token-bucket rate limits per `anonymousId` and overall, in events; `false` for none. */
  limits?: Limits | false
  /** Event ids remembered to drop retried events. Default 100000. */
  dedupeWindow?: number
  /** Called with the events of each request once they are stored (duplicates left out): a live view, a metric. Errors are reported to `onError`, never to the client. */
  onStored?: (events: StoredEvent[]) => void
  /** Store failures and `onStored` errors. Default: `console.error` of the message. */
  onError?: (error: unknown) => void
}

/** The collector: a Web-standard request handler. */
export type Collector = (request: Request) => Promise<Response>

const TYPES = new Set(['text/plain', 'application/json'])
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }

class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

const utf8 = new TextDecoder()

const tooSlow = (timeoutMs: number): Refusal => new Refusal(408, `body not received within ${timeoutMs} ms`, { connection: 'close' })
const tooLarge = (max: number): Refusal => new Refusal(413, `body over ${max} bytes`, { connection: 'close' })

/**
 * Reads the body as UTF-8 text (invalid bytes become U+FFFD, as `Request#text`
 * does), never keeping more than `max` bytes; a body that does not finish
 * within `timeoutMs` is a 408. A declared `Content-Length` over `max` is refused
 * before reading; within it, the server's HTTP framing stops the body at that
 * length, so it is read in one call (`text()`, the fast path of Node adapters).
 * Without one (chunked), bytes are counted as they stream.
 */
const readBody = async (request: Request, max: number, timeoutMs: number): Promise<string> => {
  const declared = request.headers.get('content-length')
  if (declared !== null && !(Number(declared) <= max)) throw tooLarge(max)
  let timer: ReturnType<typeof setTimeout> | undefined
  // (request.body is not touched on this path: adapters such as srvx then read the socket directly)
  if (declared !== null) {
    const body = request.text()
    body.catch(() => {}) // after a 408, the connection closes under it
    try {
      const text = await Promise.race([body, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(tooSlow(timeoutMs)), timeoutMs)))])
      // a Request made in code can declare less than its stream holds: refused, as the network cannot do it
      if (text.length > max) throw tooLarge(max)
      return text
    } catch (error) {
      throw error instanceof Refusal ? error : new Refusal(400, 'body could not be read')
    } finally {
      clearTimeout(timer)
    }
  }
  if (!request.body) return ''
  const reader = request.body.getReader()
  let timedOut = false
  timer = setTimeout(() => {
    timedOut = true
    reader.cancel().catch(() => {})
  }, timeoutMs)
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (timedOut) throw tooSlow(timeoutMs)
      if (done) break
      size += value.byteLength
      if (size > max) {
        reader.cancel().catch(() => {})
        throw tooLarge(max)
      }
      chunks.push(value)
    }
  } catch (error) {
    if (error instanceof Refusal) throw error
    if (timedOut) throw tooSlow(timeoutMs)
    throw new Refusal(400, 'body could not be read')
  } finally {
    clearTimeout(timer)
  }
  return utf8.decode(chunks.length === 1 ? chunks[0] : concat(chunks, size))
}

const concat = (chunks: Uint8Array[], size: number): Uint8Array => {
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return bytes
}

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
  if (!Array.isArray(origins)) throw setupError('origins', origins, "an array of origins such as ['https://app.example.com'], or '*'")
  return new Set(
    origins.map((origin, i) => {
      let parsed = ''
      try {
        parsed = new URL(origin).origin
      } catch {
        // not a URL
      }
      if (typeof origin !== 'string' || parsed !== origin) throw setupError(`origins[${i}]`, origin, 'an origin such as "https://app.example.com" (scheme, host and port; no path or trailing slash)')
      return origin
    }),
  )
}

/**
 * Creates the collector: a `(request: Request) => Promise<Response>` handler
 * that validates payloads against schema/v1.json, refuses what is too large,
 * too slow or too fast, drops duplicates, stores the rest without anything of
 * the request (IP, headers), and answers 2xx only once the events are durable.
 *
 * Statuses: 204 stored (or preflight answered), 400 invalid,
 * 403 origin not allowed, 404 other path, 405 other method, 408 body too slow,
 * 413 body too large, 415 content type, 429 rate limit (`Retry-After`), 503 store failed.
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
  if (typeof options !== 'object' || options === null) throw setupError('createCollector options', options, '{ store, … }')
  if (options.stores !== undefined && options.store !== undefined) throw setupError('store', options.store, 'store or stores, not both')
  const store = options.stores !== undefined ? fanoutStore(options.stores) : options.store
  const { path, onStored } = options
  const report = options.onError ?? ((error: unknown) => console.error(`[spa-telemetry] collector: ${error instanceof Error ? error.message : String(error)}`))
  let write: (events: StoredEvent[]) => Promise<void>
  if (typeof store === 'function') write = groupWrites<StoredEvent>(async events => void (await store(events))).write
  else if (store && typeof store === 'object' && typeof store.write === 'function') write = events => store.write(events)
  else throw setupError('store', store, 'a store (ndjsonStore(…), clickhouseStore(…), { write(events) }) or a function')
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) throw setupError('path', path, 'a path such as "/telemetry"')
  if (onStored !== undefined && typeof onStored !== 'function') throw setupError('onStored', onStored, 'a function')
  const origins = checkOrigins(options.origins)
  const maxBodyBytes = checkNumber('maxBodyBytes', options.maxBodyBytes ?? 65_536, 1, 16 * 1024 * 1024, true)
  const bodyTimeoutMs = checkNumber('bodyTimeoutMs', options.bodyTimeoutMs ?? 10_000, 1, 600_000, false)
  const dedupe = createDedupe(checkNumber('dedupeWindow', options.dedupeWindow ?? 100_000, 0, 10_000_000, true))
  const limiter = createLimiter(options.limits)

  // after a restart, the ids stored last are remembered again
  let seeding: Promise<void> | undefined
  const seed = (): Promise<void> =>
    (seeding ??= (async () => {
      if (typeof store === 'object' && store.recentIds) dedupe.seed(await store.recentIds(Math.min(options.dedupeWindow ?? 100_000, 100_000)))
    })().catch(error => {
      seeding = undefined
      throw error
    }))

  const answer = (status: number, body: unknown, headers: Record<string, string>): Response =>
    body === undefined ? new Response(null, { status, headers }) : new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } })

  /** CORS headers for this request's origin; null when a cross-origin browser request is not allowed. */
  const cors = (request: Request): Record<string, string> | null => {
    const origin = request.headers.get('origin')
    if (origin === null) return {}
    if (origins === '*') return { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'Retry-After' }
    if (origins.has(origin)) return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After', vary: 'Origin' }
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
    if (!TYPES.has(type)) throw new Refusal(415, `content type ${JSON.stringify(type.slice(0, 64))} is not text/plain or application/json`)
    const text = await readBody(request, maxBodyBytes, bodyTimeoutMs)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new Refusal(400, 'body is not JSON')
    }
    const result = validatePayload(value)
    if (!result.ok) throw new Refusal(400, result.reason)
    const { payload } = result
    const wait = limiter.take(payload.anonymousId ?? payload.sessionId, payload.events.length)
    if (wait) throw new Refusal(429, `rate limit: retry in ${wait} s`, { 'retry-after': String(wait) })
    const receivedAt = Date.now()
    try {
      await seed()
    } catch (error) {
      report(error)
      throw new Refusal(503, 'store unavailable', { 'retry-after': '5' })
    }
    const claim = dedupe.claim(payload.events.map(event => event.id))
    const events = toStored(payload, claim.fresh, receivedAt)
    let stored = false
    try {
      if (events.length) await write(events)
      stored = true
    } catch (error) {
      report(error)
    } finally {
      claim.settle(stored)
    }
    // events another request is writing count only once that write succeeded
    const others = claim.waitFor.length ? await Promise.all(claim.waitFor) : []
    if (!stored || others.includes(false)) throw new Refusal(503, 'store unavailable', { 'retry-after': '5' })
    if (events.length && onStored) {
      try {
        onStored(events)
      } catch (error) {
        report(error)
      }
    }
    return answer(204, undefined, headers)
  }

  return async request => {
    let headers: Record<string, string> = {}
    try {
      if (path !== undefined && pathOf(request.url) !== path) throw new Refusal(404, 'not found')
      const allowed = cors(request)
      if (!allowed) throw new Refusal(403, `origin ${JSON.stringify((request.headers.get('origin') ?? '').slice(0, 200))} is not allowed`)
      headers = allowed
      if (request.method === 'OPTIONS') {
        const preflight: Record<string, string> = allowed['access-control-allow-origin'] ? { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '86400' } : {}
        return answer(204, undefined, { ...headers, ...preflight, allow: 'POST, OPTIONS' })
      }
      if (request.method !== 'POST') throw new Refusal(405, `method ${request.method} is not allowed: POST`, { allow: 'POST, OPTIONS' })
      return await receive(request, headers)
    } catch (error) {
      if (error instanceof Refusal) return answer(error.status, { error: error.reason }, { ...headers, ...error.headers })
      report(error)
      return answer(500, { error: 'internal error' }, headers)
    }
  }
}
