/**
 * Rate limits without identities: token buckets per `anonymousId` (or
 * `sessionId`) and overall, counted in events. Never keyed by IP.
 */
import { checkNumber, setupError } from './check.js'

/** A token bucket: `rate` events per second on average, up to `burst` at once. */
export interface RateLimit {
  /** Events per second, refilled continuously. */
  rate: number
  /** Bucket size: the most events accepted at once. At least 1000, the largest payload, for `client`. */
  burst: number
}

/** The collector's limits. `false` turns one (or all) off. */
export interface Limits {
  /** Per `anonymousId` (or `sessionId` when there is none). Default 20 events/s, burst 1000. */
  client?: RateLimit | false
  /** All clients together. Default 5000 events/s, burst 20000. */
  overall?: RateLimit | false
  /** Clients remembered (least recently seen forgotten first; a forgotten client starts full). Default 100000. */
  clients?: number
}

interface Bucket {
  tokens: number
  at: number
}

export interface Limiter {
  /** Takes `cost` tokens from the client's and the overall bucket: 0, or the seconds to wait (nothing taken). */
  take(key: string | undefined, cost: number): number
}

const DEFAULTS = { client: { rate: 20, burst: 1000 }, overall: { rate: 5000, burst: 20_000 } }

const checkLimit = (name: string, limit: RateLimit | false | undefined, fallback: RateLimit): RateLimit | false => {
  if (limit === false) return false
  if (limit === undefined) return fallback
  if (typeof limit !== 'object' || limit === null) throw setupError(name, limit, '{ rate, burst } or false')
  checkNumber(`${name}.rate`, limit.rate, Number.MIN_VALUE, Infinity, false)
  checkNumber(`${name}.burst`, limit.burst, 1, Infinity, false)
  return limit
}

/**
 * Creates the limiter.
 *
 * @example
 * ```ts
 * const limiter = createLimiter({ client: { rate: 20, burst: 1000 } })
 * const wait = limiter.take(payload.anonymousId, payload.events.length) // 0: go on; else Retry-After seconds
 * ```
 */
export const createLimiter = (limits: Limits | false = {}, now: () => number = Date.now): Limiter => {
  if (limits === false) return { take: () => 0 }
  if (typeof limits !== 'object' || limits === null)
    throw setupError('limits', limits, '{ client?, overall?, clients? } or false')
  const client = checkLimit('limits.client', limits.client, DEFAULTS.client)
  const overall = checkLimit('limits.overall', limits.overall, DEFAULTS.overall)
  const maxClients =
    limits.clients === undefined ? 100_000 : checkNumber('limits.clients', limits.clients, 1, Infinity, true)
  const clients = new Map<string, Bucket>()
  const all: Bucket = { tokens: overall ? overall.burst : 0, at: now() }

  const refill = (bucket: Bucket, limit: RateLimit, time: number): void => {
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((time - bucket.at) / 1000) * limit.rate)
    bucket.at = time
  }
  /** seconds until `bucket` holds `cost` tokens */
  const wait = (bucket: Bucket, limit: RateLimit, cost: number): number =>
    Math.max(0, (Math.min(cost, limit.burst) - bucket.tokens) / limit.rate)

  return {
    take: (key, cost) => {
      const time = now()
      let mine: Bucket | undefined
      if (client && key !== undefined) {
        mine = clients.get(key)
        if (mine) {
          clients.delete(key) // most recently seen last
          refill(mine, client, time)
        } else {
          mine = { tokens: client.burst, at: time }
          if (clients.size >= maxClients) clients.delete(clients.keys().next().value as string)
        }
        clients.set(key, mine)
      }
      if (overall) refill(all, overall, time)
      const seconds = Math.max(mine && client ? wait(mine, client, cost) : 0, overall ? wait(all, overall, cost) : 0)
      if (seconds > 0) return Math.max(1, Math.ceil(seconds))
      if (mine && client) mine.tokens -= Math.min(cost, client.burst)
      if (overall) all.tokens -= Math.min(cost, overall.burst)
      return 0
    },
  }
}
