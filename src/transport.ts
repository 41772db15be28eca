/**
 * How a batch leaves the browser. `'fetch'`: `fetch` with `keepalive` (it
 * outlives the page), `referrerPolicy: 'no-referrer'` and `credentials:
 * 'omit'` (no `Referer`, no cookies, whatever the page's policy), and a
 * `text/plain` body (no CORS preflight); its answer is read. `'beacon'`:
 * `navigator.sendBeacon`, which sends the page's URL as `Referer` (per the
 * page's referrer policy) and its cookies, and whose answer is never known.
 */
export type Transport = 'fetch' | 'beacon'

/** The answer to a request: an HTTP status (0: no answer), and `Retry-After` in ms if the collector sent one. */
export type Answer = [status: number, retryAfterMs?: number]

/** Whether this browser's `fetch` supports `keepalive` (Firefox before 133 does not). */
export const hasKeepalive = (): boolean => typeof Request === 'function' && 'keepalive' in Request.prototype

/** `Retry-After` as milliseconds: seconds, or an HTTP date. */
const retryAfter = (value: string | null, now: number): number | undefined => {
  if (!value) return undefined
  const ms = /^\d+$/.test(value) ? +value * 1000 : Date.parse(value) - now
  return ms >= 0 ? ms : undefined
}

/** How long a request may wait for its answer: then it is aborted, and its events are retried like after a network error. */
export const REQUEST_TIMEOUT_MS = 30_000

/**
 * POSTs a body with `fetch` (keepalive when asked), no `Referer`, no
 * cookies; resolves to the answer, `[0]` for a network error, a CORS
 * failure, a body over the keepalive budget, a missing `fetch`, or no
 * answer within `REQUEST_TIMEOUT_MS` (a request left hanging would hold
 * back every later one: one is in flight at a time). Never rejects.
 *
 * @example
 * ```ts
 * const [status, retryAfterMs] = await post('/telemetry', body, true) // [204], [503], [429, 30000], [0]
 * ```
 */
export const post = async (endpoint: string, body: string, keepalive: boolean): Promise<Answer> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const controller = new AbortController()
    timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS)
    const response = await fetch(endpoint, {
      method: 'POST',
      body,
      keepalive,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      signal: controller.signal,
    })
    return [response.status, retryAfter(response.headers.get('retry-after'), Date.now())]
  } catch {
    return [0]
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Hands a body to `navigator.sendBeacon` as `text/plain`. `true` only means
 * the browser queued it (offline, CSP or a refused CORS request all give
 * `true`); `false` when it refused (over the 64 KiB budget), threw or is missing.
 *
 * @example
 * ```ts
 * if (!beacon('/telemetry', body)) keepForLater(events)
 * ```
 */
export const beacon = (endpoint: string, body: string): boolean => {
  try {
    return navigator.sendBeacon(endpoint, body) === true
  } catch {
    return false
  }
}
