/**
 * A fake browser for unit tests (jsdom): a tracker whose `fetch` and
 * `sendBeacon` land in lists, each body checked against the schema; the
 * page's visibility; and `useFakeBrowser()`, which gives each test a clean
 * page, fake timers, and undoes every tracker, stub and mock after it.
 */
import { afterEach, beforeEach, vi } from 'vitest'

import { createTracker } from '../../src/index.js'
import type { TrackerOptions } from '../../src/index.js'
import { checkBody } from './schema.js'

const live: { destroy(): void }[] = []
/** Destroys every tracker `setup` made, so no listener outlives its test. */
export const destroyAll = (): void => {
  for (const tracker of live.splice(0)) tracker.destroy()
}

export interface Sent {
  via: 'beacon' | 'fetch'
  body: string
  payload: Record<string, unknown> & { events: Record<string, unknown>[]; dropped: number }
  /** the fetch options (fetch only) */
  init?: RequestInit
  /** the status it was answered with: 0 for no answer, 202 for a beacon the browser took */
  status: number
}

/** How the stubbed collector answers: a status (0: the request fails), or a status with headers. */
export type Answer = number | [status: number, headers: Record<string, string>]

/**
 * A tracker in jsdom with `fetch` and `sendBeacon` stubbed: every request
 * lands in `requests`, the acknowledged ones (2xx, or a beacon the browser
 * took) in `sent`, each body checked against the JSON Schema.
 */
export const setup = (
  options: Partial<TrackerOptions> = {},
  answer: { beacon?: boolean | (() => boolean); status?: Answer | (() => Answer) } = {},
) => {
  const requests: Sent[] = []
  const sent: Sent[] = []
  const record = (via: Sent['via'], body: unknown, status: number, init?: RequestInit): void => {
    if (typeof body !== 'string') throw new TypeError('body is not a string')
    checkBody(body)
    const entry: Sent = { via, body, payload: JSON.parse(body), init, status }
    requests.push(entry)
    if (status >= 200 && status < 300) sent.push(entry)
  }
  const beacon = vi.fn((_url: string, body: unknown) => {
    const result = typeof answer.beacon === 'function' ? answer.beacon() : (answer.beacon ?? true)
    record('beacon', body, result ? 202 : 0)
    return result
  })
  const fetch = vi.fn(async (_url: string | URL, init: RequestInit) => {
    const given = typeof answer.status === 'function' ? answer.status() : (answer.status ?? 204)
    const [status, headers] = Array.isArray(given) ? given : [given, {}]
    record('fetch', init.body, status, init)
    if (status === 0) throw new TypeError('Failed to fetch')
    return new Response(null, { status, headers })
  })
  Object.defineProperty(navigator, 'sendBeacon', { value: beacon, configurable: true, writable: true })
  vi.stubGlobal('fetch', fetch)
  const tracker = createTracker({ endpoint: '/telemetry', app: { name: 'console', version: '2.1.0' }, ...options })
  live.push(tracker)
  const events = () => sent.flatMap(s => s.payload.events)
  return { tracker, sent, requests, beacon, fetch, events }
}

/** Where a tracker of `app` keeps the unacknowledged events for `endpoint` (one queue per endpoint). */
export const queueKey = (app = 'console', endpoint = '/telemetry'): string =>
  `spa-telemetry:${app}:queue:${new URL(endpoint, location.href).href}`

/** Makes the page hidden (or visible) and tells the page, as a tab switch or close does. */
export const setVisibility = (state: 'hidden' | 'visible'): void => {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true })
  document.dispatchEvent(new Event('visibilitychange'))
}

/** Clears what earlier tests left in jsdom. */
export const resetBrowser = (): void => {
  localStorage.clear()
  sessionStorage.clear()
  Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true })
  Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
  Object.defineProperty(navigator, 'doNotTrack', { value: null, configurable: true })
  Object.defineProperty(navigator, 'globalPrivacyControl', { value: undefined, configurable: true })
  window.history.replaceState(null, '', '/')
}

/**
 * For a test file (or a `describe`): a clean jsdom before each test, fake
 * timers at a fixed date, and every tracker, stub and mock undone after it.
 * `{ timers: false }` keeps real timers, for code that waits on them (a
 * router's navigation, React's rendering).
 */
export const useFakeBrowser = ({ timers = true }: { timers?: boolean } = {}): void => {
  beforeEach(() => {
    resetBrowser()
    if (timers) vi.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') })
  })
  afterEach(() => {
    destroyAll()
    vi.useRealTimers()
    vi.unstubAllGlobals()
    vi.restoreAllMocks()
  })
}
