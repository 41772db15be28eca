/**
 * Hands a body to `navigator.sendBeacon` as `text/plain` (a CORS-simple
 * request: no preflight). `false` when the browser did not queue it:
 * missing, throwing, over the 64 KiB keepalive budget, or refused.
 * `true` is not proof of delivery (offline, CSP), only of queueing.
 *
 * @example
 * ```ts
 * if (!beacon('/telemetry', body)) await post('/telemetry', body, false)
 * ```
 */
export const beacon = (endpoint: string, body: string): boolean => {
  try {
    return navigator.sendBeacon(endpoint, body) === true
  } catch {
    return false
  }
}

/**
 * POSTs a body with `fetch`; resolves to the HTTP status, or 0 for a network
 * error, a CORS failure or a missing `fetch`. Never rejects.
 *
 * @example
 * ```ts
 * const status = await post('/telemetry', body, true) // 204, 500, 0 …
 * ```
 */
export const post = async (endpoint: string, body: string, keepalive: boolean): Promise<number> => {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      body,
      keepalive,
      credentials: 'omit',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
    })
    return response.status
  } catch {
    return 0
  }
}
