import Ajv from 'ajv'
import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, vi } from 'vitest'

import { createTracker } from '../src/index.js'
import type { Tracker, TrackerOptions } from '../src/index.js'

const ajv = new Ajv({ allErrors: true })
ajv.addFormat('date-time', text => !Number.isNaN(Date.parse(text)))
/** The published JSON Schema, as collectors use it. */
export const validatePayload = ajv.compile(JSON.parse(readFileSync('schema/v1.json', 'utf8')))

const live: { destroy(): void }[] = []
/** Destroys every tracker `setup` made, so no listener outlives its test. */
export const destroyAll = (): void => {
  for (const tracker of live.splice(0)) tracker.destroy()
}

export interface Sent {
  via: 'beacon' | 'fetch'
  body: string
  payload: Record<string, unknown> & { events: Record<string, unknown>[]; dropped: number }
}

/**
 * A tracker in jsdom with `sendBeacon` and `fetch` stubbed: every body the
 * browser is handed lands in `sent`, checked against the JSON Schema.
 */
export const setup = (options: Partial<TrackerOptions> = {}, answer: { beacon?: boolean | (() => boolean); status?: number | (() => number) } = {}) => {
  const sent: Sent[] = []
  const record = (via: Sent['via'], body: unknown): void => {
    if (typeof body !== 'string') throw new TypeError('body is not a string')
    const payload = JSON.parse(body)
    if (options.format !== 'segment' && !validatePayload(payload)) {
      throw new Error('payload does not match schema/v1.json: ' + JSON.stringify(validatePayload.errors))
    }
    sent.push({ via, body, payload })
  }
  const beacon = vi.fn((_url: string, body: unknown) => {
    const result = typeof answer.beacon === 'function' ? answer.beacon() : (answer.beacon ?? true)
    if (result) record('beacon', body)
    return result
  })
  const fetch = vi.fn(async (_url: string, init: RequestInit) => {
    const status = typeof answer.status === 'function' ? answer.status() : (answer.status ?? 204)
    if (status === 0) throw new TypeError('Failed to fetch')
    if (status < 300) record('fetch', init.body)
    return new Response(null, { status })
  })
  Object.defineProperty(navigator, 'sendBeacon', { value: beacon, configurable: true, writable: true })
  vi.stubGlobal('fetch', fetch)
  const tracker = createTracker({ endpoint: '/telemetry', app: { name: 'console', version: '2.1.0' }, ...options })
  live.push(tracker)
  const events = () => sent.flatMap(s => s.payload.events)
  return { tracker, sent, beacon, fetch, events }
}

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
 * For a test file: a clean jsdom before each test, fake timers at a fixed
 * date, and every tracker, stub and mock undone after it.
 */
export const useFakeBrowser = (): void => {
  beforeEach(() => {
    resetBrowser()
    vi.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') })
  })
  afterEach(() => {
    destroyAll()
    vi.useRealTimers()
    vi.unstubAllGlobals()
    vi.restoreAllMocks()
  })
}

/** A tracker that only records what an adapter hands it. */
export const fakeTracker = () => {
  const calls: unknown[][] = []
  const routes: string[] = []
  const recorder =
    (method: string) =>
    (...args: unknown[]): undefined =>
      void calls.push([method, ...args])
  const tracker: Tracker = {
    page: recorder('page'),
    track: recorder('track'),
    action: recorder('action'),
    error: recorder('error'),
    flush: recorder('flush'),
    optIn: recorder('optIn'),
    optOut: recorder('optOut'),
    isEnabled: () => true,
    anonymize: () => '/',
    addRoutes: added => void routes.push(...added),
    status: () => 'on',
    routes: () => routes,
    options: { endpoint: '/t', app: { name: 'fake' } },
    destroy: recorder('destroy'),
  }
  const of = (method: string) => calls.filter(([m]) => m === method).map(([, ...args]) => args)
  return {
    tracker,
    calls,
    routes,
    pages: () => of('page'),
    tracks: () => of('track'),
    actions: () => of('action').map(([name]) => name),
  }
}
