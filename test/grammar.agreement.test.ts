/**
 * Browser and collector agree, because both apply src/grammar.ts: the same
 * generated strings fed to the collector's validation and to the grammar
 * give the same answer, the tracker's check of stored events never keeps
 * what the collector refuses, and a tracker with generated options
 * (templates, every placeholder style including functions, masked paths,
 * `unmatched` functions, kept query keys, hash routing, referrers) sends
 * exactly the paths the collector accepts and drops, counted, the rest. A
 * tracker that sent what the collector refuses would lose a whole batch to
 * a 400.
 */
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'

import { validatePayload } from '../collector/validate.js'
import { createAnonymizer } from '../src/anonymize.js'
import type { AnonymizerOptions } from '../src/anonymize.js'
import { isActionType, isName, isPath, isReferrer } from '../src/grammar.js'
import { createEventCheck } from '../src/stored.js'
import type { TelemetryEvent } from '../src/types.js'
import { setup, useFakeBrowser } from './helpers/browser.js'

useFakeBrowser()

const b64 = (text: string): string => btoa(text).replace(/=+$/, '')
/** Data as it ends up in URLs and names. */
const DATA = [
  '4111-1111-1111-1111',
  '555_867_5309',
  '1985/04/12',
  '192.168.10.20',
  'fe80:db8:ab12:cd34:ef56',
  '3f2a9c1d-0b5e-4f3a-9c1d-0b5e7a2c6d81',
  b64('alice@corp.example'),
  'eyJhbGciOiJIUzI1NiJ9',
  'alice@corp.example',
  'alice smith',
  'p_8f2k',
  '12345',
]
const WORDS = ['nc', 'table', 'users', 'Settings', 'größe', 'v2', 'step_3', 'oauth2', 'SCHEMA_NAME']
/** Pieces of paths: what templates, placeholders and masks write, and what they must not. */
const PIECES = [
  ...WORDS,
  ':id',
  '*',
  '*rest',
  '{/:page}',
  '[id]',
  '<param:id>',
  '$id',
  '{id}',
  'a\\:b',
  '@me',
  '%41',
  '#x',
  'a b',
  '"q"',
  '',
  ...DATA,
]
const piece = fc.constantFrom(...PIECES)
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom('tab', 'q', 'emp', 'filter[s]', 'a b'),
      fc.constantFrom('grid', '*', '', '12345', 'alice%40corp.example', 'name%20asc', 'x'),
    ),
    { maxLength: 3 },
  )
  .map(pairs => (pairs.length ? '?' + pairs.map(([k, v]) => `${k}=${v}`).join('&') : ''))
/** Strings a path field may hold: generated paths, URLs, any text of path characters. */
const candidate = fc.oneof(
  fc
    .tuple(fc.constantFrom('', '{', '/'), fc.array(piece, { maxLength: 5 }), fc.constantFrom('', '/'), query)
    .map(([lead, parts, trail, q]) => lead + '/' + parts.join('/') + trail + q),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.string({ unit: fc.constantFrom(...'/aZ09_-.~:*{}[]<>()\\?&=#@% é'), maxLength: 40 }),
  fc.constantFrom('external', 'github.com', '192.168.10.20', 'intranet.example:8443', 'alice:pw@intranet.example'),
)
const nameCandidate = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'aZ_$-/:.09 @'), maxLength: 70 }),
  fc
    .tuple(
      fc.constantFrom('users/', 'card_', 'x-', ''),
      fc.constantFrom(...DATA, ...WORDS),
      fc.constantFrom('', '/loaded', '_done'),
    )
    .map(parts => parts.join('')),
)

const BASE = {
  schema: 1,
  sentAt: '2026-11-24T10:00:00.000Z',
  library: { name: 'spa-telemetry', version: '0.1.0' },
  app: { name: 'console' },
  dropped: 0,
}
const accepts = (event: Partial<TelemetryEvent>): boolean =>
  validatePayload({ ...BASE, events: [{ id: 'A'.repeat(21), ts: 1, ...event }] }).ok

describe('the collector and the grammar answer alike, on the same generated strings', () => {
  it('path, from, referrer', () => {
    fc.assert(
      fc.property(candidate, text => {
        expect(accepts({ type: 'page', path: text })).toBe(isPath(text))
        expect(accepts({ type: 'page', path: '/', from: text })).toBe(isPath(text))
        expect(accepts({ type: 'page', path: '/', referrer: text })).toBe(isReferrer(text))
      }),
      { numRuns: 2000 },
    )
  }, 60_000)

  it('names and action types', () => {
    fc.assert(
      fc.property(nameCandidate, name => {
        expect(accepts({ type: 'track', name })).toBe(isName(name))
        expect(accepts({ type: 'page', path: '/', name })).toBe(isName(name))
        expect(accepts({ type: 'action', name })).toBe(isActionType(name))
      }),
      { numRuns: 2000 },
    )
  }, 60_000)

  it("the tracker's check of stored events keeps nothing the collector refuses", () => {
    const anonymizer = createAnonymizer({
      routes: ['/nc/:id', '/users/*rest', '/x/:a.:b'],
      keepQuery: { tab: ['grid'], q: /.*/ },
    })
    const check = createEventCheck({ anonymizer, referrerHosts: ['github.com', '192.168.10.20'], verbatim: new Set() })
    fc.assert(
      fc.property(candidate, nameCandidate, (text, name) => {
        for (const event of [
          { type: 'page', path: text },
          { type: 'page', path: '/nc/:id', from: text, referrer: text },
          { type: 'track', name },
          { type: 'action', name, path: text },
        ] as Partial<TelemetryEvent>[]) {
          const full = { id: 'A'.repeat(21), ts: Date.now(), ...event } as TelemetryEvent
          if (check.isValid(full)) expect(accepts(full)).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  }, 60_000)
})

/** Generated tracker options: every placeholder style, `unmatched` functions returning generated text, query keys, hash routing. */
const output = fc.oneof(
  fc.constantFrom(':x', '{x}', 'X', '[x]', '<x>', '$x', 'x', '*'),
  fc.constantFrom(...PIECES.filter(Boolean)),
)
const options: fc.Arbitrary<AnonymizerOptions> = fc.record({
  routes: fc
    .uniqueArray(
      fc
        .array(fc.constantFrom('nc', 'table', 'users', 'größe', ':id', ':b', '*rest', '@me'), {
          minLength: 1,
          maxLength: 3,
        })
        .map(parts => '/' + parts.join('/')),
      { minLength: 1, maxLength: 4 },
    )
    .filter(routes => routes.every(r => !/\*rest\/|:id.*:id|:b.*:b/.test(r))),
  placeholder: fc.oneof(fc.constantFrom('colon' as const, 'name' as const, 'upper' as const), fc.func(output)),
  unmatched: fc.oneof(
    fc.constantFrom('mask' as const, 'drop' as const),
    fc.func(fc.oneof(fc.constant(null), candidate)),
  ),
  keepQuery: fc.constantFrom(undefined, ['tab'], {
    tab: ['grid', 'a b'],
    emp: /^\d+$/,
    'filter[s]': ['open'],
    q: /.*/,
  }),
  hash: fc.boolean(),
  referrerHosts: fc.constantFrom([], ['github.com'], ['192.168.10.20']),
})
const url = fc
  .tuple(
    fc.array(
      fc.constantFrom('nc', 'table', 'users', 'gr%C3%B6%C3%9Fe', '@me', 'p_8f2k', ...DATA.map(encodeURIComponent)),
      { maxLength: 4 },
    ),
    query,
    fc.boolean(),
  )
  .map(([parts, q, hashed]) => (hashed ? '/#/' : '/') + parts.join('/') + q)
const referrer = fc.constantFrom(
  '',
  'https://github.com/acme/issues/1',
  'http://192.168.10.20/hr?emp=12345',
  'https://alice:pw@intranet.example/x?emp=1',
  'http://localhost:3000/nc/p_8f2k?tab=grid',
)

describe('a tracker sends exactly the paths the collector accepts, and drops and counts the rest', () => {
  it('on generated options, navigations and referrers', async () => {
    // over all runs: paths the anonymizer gave that the grammar refused, and paths sent
    let refused = 0
    let kept = 0
    await fc.assert(
      fc.asyncProperty(options, fc.array(url, { minLength: 1, maxLength: 4 }), referrer, async (given, urls, from) => {
        vi.spyOn(document, 'referrer', 'get').mockReturnValue(from)
        const anonymizer = createAnonymizer(given)
        const anonymized = urls.map(u => anonymizer.anonymize(u)).filter(path => path !== null)
        const expected = anonymized.filter(path => isPath(path))
        refused += anonymized.length - expected.length
        kept += expected.length
        const sentReferrer = from && anonymizer.anonymizeReferrer(from, location.origin)
        const { tracker, sent, events } = setup({ ...given, persist: false, identity: 'none' })
        for (const u of urls) tracker.page(u)
        // a probe carries the count of what was dropped
        tracker.track('probe')
        await vi.runAllTimersAsync()
        tracker.destroy()
        const pages = events().filter(e => e.type === 'page')
        expect(pages.map(e => e.path)).toEqual(expected)
        expect(sent.reduce((n, s) => n + s.payload.dropped, 0)).toBe(urls.length - expected.length)
        if (pages[0]) expect(pages[0].referrer).toBe(isReferrer(sentReferrer) ? sentReferrer : undefined)
        for (const { payload } of sent) expect(validatePayload(payload)).toMatchObject({ ok: true })
      }),
      { numRuns: 300 },
    )
    // both sides of the property were reached (about 180 and 200 in 300 runs)
    expect(refused).toBeGreaterThan(50)
    expect(kept).toBeGreaterThan(50)
  }, 60_000)
})
