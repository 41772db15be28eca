/**
 * The questions' parameters, read from a URL's query string and checked:
 * whole UTC days, one app and environment, one version or all, funnel steps.
 */
import type { Step, Unit } from './engine.js'
import { UNIT_MS } from './engine.js'
import type { Query } from './views.js'

/** A question the dashboard refuses, with why (a 400). */
export class BadQuery extends Error {}

const DAY = UNIT_MS.day
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
/** The longest period, in days. */
export const MAX_DAYS = 400
/** Periods of up to this many days are drawn by the hour. */
export const HOURLY_DAYS = 2

/** A `YYYY-MM-DD` date's UTC midnight, in ms. */
export const parseDate = (name: string, value: string): number => {
  const match = DATE.exec(value)
  const at = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN
  if (!match || new Date(at).toISOString().slice(0, 10) !== value)
    throw new BadQuery(`${name} is ${JSON.stringify(value.slice(0, 40))}: expected a date such as 2026-01-31`)
  return at
}

/** A UTC midnight as `YYYY-MM-DD`. */
export const formatDate = (at: number): string => new Date(at).toISOString().slice(0, 10)

const text = (params: URLSearchParams, name: string, max = 512): string | undefined => {
  const value = params.get(name)
  if (value === null) return undefined
  if (value.length > max) throw new BadQuery(`${name} is longer than ${max} characters`)
  return value
}

/**
 * The period, scope and version of a question. Without `from` and `to`, the
 * last 30 days up to today (UTC); without `app` and `env`, the given default
 * scope. `to` is inclusive.
 */
export const parseQuery = (params: URLSearchParams, fallback: { app: string; env: string }, now: number): Query => {
  const today = now - (now % DAY)
  const toText = text(params, 'to')
  const fromText = text(params, 'from')
  const to = (toText ? parseDate('to', toText) : today) + DAY
  const from = fromText ? parseDate('from', fromText) : to - 30 * DAY
  if (from >= to) throw new BadQuery('from is after to')
  if ((to - from) / DAY > MAX_DAYS) throw new BadQuery(`the period is longer than ${MAX_DAYS} days`)
  const unit: Unit = (to - from) / DAY <= HOURLY_DAYS ? 'hour' : 'day'
  const version = text(params, 'version', 64)
  return {
    from,
    to,
    unit,
    app: text(params, 'app', 64) ?? fallback.app,
    env: text(params, 'env', 64) ?? fallback.env,
    ...(version ? { version } : {}),
  }
}

/** A step written `page:/path`, `track:name` or `action:name`. */
export const parseStep = (name: string, value: string): Step => {
  const colon = value.indexOf(':')
  const type = value.slice(0, colon)
  const rest = value.slice(colon + 1)
  if (colon < 0 || (type !== 'page' && type !== 'track' && type !== 'action') || !rest || rest.length > 512) {
    throw new BadQuery(
      `${name} is ${JSON.stringify(value.slice(0, 80))}: expected page:/path, track:name or action:name`,
    )
  }
  return { type, value: rest }
}

/** The funnel's steps: 2 to 5 `step` parameters. */
export const parseSteps = (params: URLSearchParams): Step[] => {
  const values = params.getAll('step')
  if (values.length < 2 || values.length > 5) throw new BadQuery(`a funnel has 2 to 5 steps: ${values.length} given`)
  return values.map((value, i) => parseStep(`step ${i + 1}`, value))
}

/** A required parameter. */
export const required = (params: URLSearchParams, name: string): string => {
  const value = text(params, name)
  if (!value) throw new BadQuery(`${name} is missing`)
  return value
}
