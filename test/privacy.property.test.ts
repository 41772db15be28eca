/**
 * No-leak property: generated apps and user sessions whose URLs, params,
 * queries, hashes, titles, referrers, props and errors carry canaries.
 * No canary may appear in any body handed to the browser, in storage, or
 * in debug output.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { createTracker, segmentFormat } from '../src/index.js'
import type { Tracker, TrackerOptions } from '../src/index.js'
import { canary, leaks } from './helpers/canaries.js'
import { resetBrowser, useFakeBrowser } from './helpers/browser.js'
import { checkBody } from './helpers/schema.js'

const WORDS = ['nc', 'table', 'view', 'data', 'schema', 'tables', 'modify', 'settings', 'projects', 'rows']

/** An app: its route table and the anonymizer options it chose. */
const appOptions: fc.Arbitrary<Partial<TrackerOptions>> = fc.record(
  {
    routes: fc.uniqueArray(
      fc
        .array(
          fc.oneof(
            fc.constantFrom(...WORDS).map(w => `/${w}`),
            fc.constantFrom('/:id', '/:project_id', '{/:tab}', '/*rest'),
          ),
          { minLength: 1, maxLength: 4 },
        )
        .map(parts => parts.join(''))
        .filter(t => t.startsWith('/') && !/\*rest./.test(t)),
      { minLength: 1, maxLength: 6 },
    ),
    placeholder: fc.constantFrom('colon', 'name', 'upper'),
    unmatched: fc.constantFrom('mask', 'drop'),
    keepQuery: fc.constantFrom(undefined, ['tab'], { tab: ['grid', 'form'], page: /^\d+$/ }),
    hash: fc.boolean(),
    base: fc.constantFrom(undefined, '/app/'),
    identity: fc.constantFrom('persistent', 'session', 'none'),
    format: fc.constantFrom(undefined, segmentFormat),
    transport: fc.constantFrom('fetch', 'beacon'),
    captureErrors: fc.boolean(),
  },
  { requiredKeys: ['routes'] },
)

/** A URL built from app words and canaries in every position: `[tokens, url]`. */
const url = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.constantFrom(...WORDS).map(w => ['', w] as [string, string]),
        canary,
      ),
      { maxLength: 5 },
    ),
    fc.option(canary),
    fc.option(canary),
    fc.constantFrom('', 'https://console.example', '//cdn.example', 'https://console.example/app'),
    fc.constantFrom('/', '//', '/./'),
  )
  .map(([segments, query, hash, origin, slash]): [string[], string] => [
    [...segments, query ?? ['', ''], hash ?? ['', '']].map(([t]) => t).filter(Boolean),
    `${origin}${slash}${segments.map(([, v]) => v).join(slash)}${query ? `?tab=${query[1]}&${query[1]}=1&page=${query[1]}` : ''}${hash ? '#/' + hash[1] : ''}`,
  ])

type Step = (tracker: Tracker, value: string) => void
const steps: Record<string, Step> = {
  page: (t, v) => t.page(v),
  pageLocation: (t, v) => t.page({ pathname: '/' + v, search: `?q=${v}`, hash: `#${v}` }),
  pageRoute: (t, v) => t.page('/nc/' + v, { route: '/nc/' + v, name: `${v} @` }),
  title: (t, v) => {
    document.title = v
    t.page()
  },
  history: (t, v) => {
    window.history.pushState(null, '', '/projects/' + encodeURIComponent(v) + '?x=' + encodeURIComponent(v))
    t.page()
  },
  track: (t, v) => t.track('clicked', { user: { email: v }, list: [v], fn: () => v } as never),
  trackName: (t, v) => t.track(`${v} @ ${v}`),
  trackKey: (t, v) => t.track('clicked', { [`${v} key`]: 1 }),
  action: (t, v) => t.action(`${v}@${v}`),
  // a canary of letters only is a word to any name grammar (docs/privacy.md): these two take the others
  actionWithData: (t, v) => /^[a-z]+$/i.test(v) || t.action(`users/${v}/loaded`),
  trackUrl: (t, v) => t.track(`https://app.example.com/nc/${v}`),
  pageNamedUrl: (t, v) => t.page('/nc', { name: `https://app.example.com/${v}` }),
  errorNameFromData: (t, v) =>
    t.error(Object.assign(new Error(), JSON.parse(JSON.stringify({ constructor: { name: v }, name: v })))),
  consent: t => {
    t.optOut()
    t.optIn()
  },
  error: (t, v) => t.error(new TypeError(`cannot read ${v}`)),
  errorName: (t, v) => {
    const error = new Error(v)
    error.name = v
    t.error(error)
  },
  uncaught: (_, v) => window.dispatchEvent(new ErrorEvent('error', { error: new Error(v), message: v, filename: v })),
  anonymize: (t, v) => void t.anonymize(v),
  offline: () => Object.defineProperty(navigator, 'onLine', { value: false, configurable: true }),
  online: () => {
    Object.defineProperty(navigator, 'onLine', { value: true, configurable: true })
    window.dispatchEvent(new Event('online'))
  },
  hide: () => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
    document.dispatchEvent(new Event('visibilitychange'))
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true })
  },
  pagehide: () => window.dispatchEvent(new Event('pagehide')),
  flush: t => t.flush(),
}

const session = fc.array(fc.tuple(fc.constantFrom(...Object.keys(steps)), canary), { minLength: 1, maxLength: 12 })

let bodies: string[] = []
let logs: string[] = []
/** The test's own uncaught-error events are handled here, so jsdom does not print them. */
const handled = (event: Event): void => event.preventDefault()

useFakeBrowser({ timers: false })
beforeEach(() => {
  window.addEventListener('error', handled)
  bodies = []
  logs = []
  // both transports, each failing now and then: every body is checked against the schema too
  Object.defineProperty(navigator, 'sendBeacon', {
    value: (_: string, body: string) => (checkBody(body), bodies.push(body), bodies.length % 3 !== 0),
    configurable: true,
  })
  vi.stubGlobal('fetch', async (_: string, init: RequestInit) => {
    checkBody(init.body)
    bodies.push(String(init.body))
    return new Response(null, { status: [204, 503, 0, 429, 413][bodies.length % 5] || 204 })
  })
  vi.spyOn(console, 'info').mockImplementation(
    (...args) => void logs.push(args.map(a => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')),
  )
})
afterEach(() => {
  window.removeEventListener('error', handled)
})

describe('no canary leaves the browser, is stored, or is logged', () => {
  it('through every public method of the core, under generated apps and sessions', async () => {
    let runs = 0
    await fc.assert(
      fc.asyncProperty(appOptions, session, canary, url, async (options, ops, referrer, [urlTokens, lastUrl]) => {
        runs++
        resetBrowser()
        bodies = []
        logs = []
        vi.spyOn(document, 'referrer', 'get').mockReturnValue(`https://mail.example/u/${referrer[1]}`)
        const tracker = createTracker({
          endpoint: '/telemetry',
          app: { name: 'prop' },
          debug: true,
          batch: { size: 3, intervalMs: 100 },
          ...options,
        })
        const tokens = [referrer[0], ...urlTokens]
        try {
          for (const [step, [tok, value]] of ops) {
            tokens.push(tok)
            steps[step](tracker, value)
          }
          steps.page(tracker, lastUrl)
          await new Promise(resolve => setTimeout(resolve, 0))
          window.dispatchEvent(new Event('pagehide'))
        } finally {
          tracker.destroy()
        }
        const stored = [
          ...Object.keys(localStorage),
          ...Object.values(localStorage),
          ...Object.values(sessionStorage),
        ].join('\n')
        expect(leaks(bodies.join('\n'), tokens)).toEqual([])
        expect(leaks(stored, tokens)).toEqual([])
        expect(leaks(logs.join('\n'), tokens)).toEqual([])
      }),
      { numRuns: 5_000 },
    )
    expect(runs).toBeGreaterThanOrEqual(5_000)
  }, 120_000)

  it('through the anonymizer, for any URL built around canaries', () => {
    fc.assert(
      fc.property(appOptions, url, (options, [tokens, input]) => {
        const tracker = createTracker({ endpoint: '/telemetry', app: { name: 'prop' }, ...options, debug: false })
        const out = tracker.anonymize(input) ?? ''
        tracker.destroy()
        expect(leaks(out, tokens)).toEqual([])
      }),
      { numRuns: 20_000 },
    )
  }, 120_000)
})
