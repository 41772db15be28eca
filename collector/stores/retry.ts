/**
 * The forwarding stores' retry policy as data: what each answer means, and
 * how long to wait before the next attempt. Pure, tested without timers.
 */

/** What an answer means for a call. */
export type Verdict = 'sent' | 'split' | 'retry' | 'fail'

/**
 * What a destination's answer means, by status (0: no answer at all):
 *
 * | status | verdict | why |
 * | --- | --- | --- |
 * | 2xx | `sent` | taken |
 * | 400, 413 | `split` | the call (or an event of it) is too large or refused: its halves are sent, an event refused alone is dropped there and reported |
 * | 0, 408, 429, 5xx | `retry` | later, within the write's deadline (`Retry-After` honoured) |
 * | 3xx, 401, 403, 404, other 4xx | `fail` | at once: the key, URL or source is wrong; the browser keeps the events and sends them again |
 *
 * @example classify(429) // 'retry'
 */
export const classify = (status: number): Verdict => {
  if (status >= 200 && status < 300) return 'sent'
  if (status === 400 || status === 413) return 'split'
  if (status === 0 || status === 408 || status === 429 || status >= 500) return 'retry'
  return 'fail'
}

/**
 * How long to wait before the next attempt, in ms: 250 ms doubled per failure
 * up to 4 s, give or take a quarter (`random` in [0, 1)), or longer if
 * `Retry-After` asks for it (seconds, or an HTTP date). It asks for a minimum:
 * `Retry-After: 0` on every answer does not make a tight loop.
 *
 * @example retryDelay(0, '2', 0.5) // 2000
 */
export const retryDelay = (failures: number, retryAfter: string | null, random: number, now = Date.now()): number => {
  const backoff = Math.min(4000, 250 * 2 ** failures) * (0.75 + random / 2)
  const asked = retryAfter?.trim() ?? ''
  if (/^\d+$/.test(asked)) return Math.max(backoff, Number(asked) * 1000)
  const date = asked ? Date.parse(asked) : NaN
  return Number.isNaN(date) ? backoff : Math.max(backoff, date - now)
}
