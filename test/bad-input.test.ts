/**
 * Bad input, table-driven: every option with wrong types, empty, huge and
 * hostile values fails at setup with a `[spa-telemetry]` message naming the
 * option and what was expected; every public method given bad arguments at
 * run time drops the call silently, counts it in `dropped` and says why in
 * `debug` output.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'

import { createTracker } from '../src/index.js'
import type { Tracker } from '../src/index.js'
import { setup, useFakeBrowser } from './helpers/browser.js'

const HUGE = 'x'.repeat(1_000_000)
const HOSTILE = [
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '\u0000',
  '%E0%A4%A',
  '\ud800',
]
const WRONG_TYPES = [42, true, {}, [], () => {}, Symbol('s'), null, Number.NaN]

/** option → values it must refuse (beyond the wrong types, where a type is wrong for it). */
const BAD_OPTIONS: Record<string, unknown[]> = {
  endpoint: ['', 'telemetry', 'ftp://x/y', 'https://', '/with space', HUGE.slice(0, 10) + ' ', 42, null, {}, [], true],
  app: [
    'console',
    null,
    [],
    42,
    { version: '1' },
    { name: '' },
    { name: 'a@b' },
    { name: HUGE },
    { name: 'console', extra: HUGE },
  ],
  consent: ['', 'optout', 'in', true, 42, null],
  enabled: ['false', 0, 1, null, {}],
  respectPrivacySignals: ['false', 0, null, {}],
  identity: ['', 'fingerprint', 'ip', true, null],
  instanceId: ['', HUGE, 42, {}, null],
  batch: [
    null,
    42,
    'big',
    { size: 0 },
    { size: 1001 },
    { size: 1.5 },
    { size: '20' },
    { intervalMs: 99 },
    { intervalMs: 36e5 + 1 },
    { intervalMs: Number.NaN },
  ],
  persist: ['true', 1, null],
  heartbeatMs: [0, 999, -1, 1.5, '6h', Number.POSITIVE_INFINITY, null],
  captureErrors: ['yes', 1, null],
  debug: ['yes', 1, null, 'dry'],
  format: ['', 'ga4', 'json', 1, null],
  routes: [
    [],
    '/a',
    42,
    [42],
    [''],
    ['a'],
    ['/:'],
    ['/a', '/a'],
    [HUGE.slice(0, 10) + '{'],
    ['/(x)'],
    [null],
    HOSTILE.slice(2, 4),
  ],
  placeholder: ['', 'snake', 42, null, {}],
  base: ['app', 42, {}],
  hash: ['true', 1, null],
  unmatched: ['keep', '', 42, null],
  keepQuery: ['tab', 42, [''], [42], { tab: 'grid' }, { tab: [1] }, { tab: 42 }],
  sensitive: ['false', 1, null],
  referrerHosts: ['github.com', [''], [42], 42],
}

describe('setup: every option refuses bad values with a clear message', () => {
  const base = { endpoint: '/telemetry', app: { name: 'console' } }
  for (const [option, values] of Object.entries(BAD_OPTIONS)) {
    it.each(
      values.map(value => [
        typeof value === 'string' && value.length > 20
          ? `${value.slice(0, 12)}…`
          : String(value?.toString?.() ?? value),
        value,
      ]),
    )(`${option}: %s`, (_, value) => {
      let message = ''
      try {
        createTracker({ ...base, [option]: value } as never)
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toMatch(/^\[spa-telemetry\] /)
      expect(message).toContain(option === 'routes' && Array.isArray(value) && value.length ? 'routes[' : option)
      expect(message).toMatch(/expected|is not|listed twice/)
      expect(message.length).toBeLessThan(400)
    })
  }

  it('refuses unknown options, naming them', () => {
    expect(() => createTracker({ ...base, endpoit: '/x' } as never)).toThrow('[spa-telemetry] unknown option "endpoit"')
  })

  it.each(WRONG_TYPES.map(v => [String(typeof v === 'symbol' ? 'Symbol' : (JSON.stringify(v) ?? v)), v]))(
    'refuses options that are %s',
    (_, options) => {
      expect(() => createTracker(options as never)).toThrow(/^\[spa-telemetry\] /)
    },
  )
})

describe('run time: bad arguments are dropped, counted and explained, never thrown', () => {
  let info: { mock: { calls: unknown[][] } }
  useFakeBrowser()
  beforeEach(() => {
    info = vi.spyOn(console, 'info').mockImplementation(() => {})
  })

  const calls: [string, (tracker: Tracker) => unknown, string][] = [
    // null and undefined mean the current location
    ...WRONG_TYPES.filter(v => typeof v !== 'object').map(
      v =>
        [`page(${typeof v})`, (t: Tracker) => t.page(v as never), 'dropped a page view'] as [
          string,
          (t: Tracker) => unknown,
          string,
        ],
    ),
    ['page(huge URL)', t => t.page('/' + 'a/'.repeat(400_000)), 'its path is longer than 512 characters'],
    [
      'page({ name: hostile })',
      t => t.page('/nc/1', { name: '<script>' }),
      'its name does not follow the name grammar',
    ],
    ...[...WRONG_TYPES, '', HUGE, ...HOSTILE.filter(h => !/^[A-Za-z_$]/.test(h))].map(
      v =>
        [
          `track(${typeof v === 'string' ? JSON.stringify(v.slice(0, 12)) : typeof v})`,
          (t: Tracker) => t.track(v as never),
          'dropped a track event: its name does not follow the name grammar',
        ] as [string, (t: Tracker) => unknown, string],
    ),
    [
      'track(name, huge props)',
      t => t.track('x', Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]))),
      'props has more than 20 keys',
    ],
    [
      'track(name, nested props)',
      t => t.track('x', { a: { b: 1 } } as never),
      'prop "a" is not a string, a finite number or a boolean',
    ],
    ['track(name, hostile prop name)', t => t.track('x', { '<script>': 1 }), 'a prop name is not a short identifier'],
    ['track(name, string props)', t => t.track('x', 'props' as never), 'props is not a plain object'],
    [
      'track(name, a getter that throws)',
      t =>
        t.track('x', {
          get a(): string {
            throw new Error('boom')
          },
        }),
      'track() failed; the app is not affected',
    ],
    ...[...WRONG_TYPES, '', HUGE, '<script>'].map(
      v =>
        [
          `action(${typeof v === 'string' ? JSON.stringify(v.slice(0, 12)) : typeof v})`,
          (t: Tracker) => t.action(v as never),
          'dropped an action: its type does not follow the name grammar',
        ] as [string, (t: Tracker) => unknown, string],
    ),
  ]

  it.each(calls)('%s', async (_, call, reason) => {
    const { tracker, sent } = setup({ routes: ['/nc/:id'], debug: true, unmatched: 'mask' })
    expect(() => call(tracker)).not.toThrow()
    tracker.track('next')
    tracker.flush()
    await vi.runAllTimersAsync()
    expect(sent.flatMap(s => s.payload.events).map(e => e.name)).toEqual(['next'])
    expect(sent[0].payload.dropped).toBe(1)
    expect(info.mock.calls.map(c => String(c[0])).join('\n')).toContain(reason)
  })

  it('error() takes anything and records only a constructor name', async () => {
    const { tracker, events } = setup({ routes: ['/nc/:id'] })
    for (const value of [...WRONG_TYPES, HUGE, new (class extends Error {})(), Object.create(null)]) {
      expect(() => tracker.error(value)).not.toThrow()
    }
    await vi.runAllTimersAsync()
    expect(events().every(e => e.type === 'error' && /^[A-Za-z_$][\w$]*$/.test(e.name as string))).toBe(true)
  })

  it('anonymize() returns null for anything that is not a URL', () => {
    const { tracker } = setup({ routes: ['/nc/:id'] })
    for (const value of WRONG_TYPES.filter(v => typeof v !== 'string'))
      expect(tracker.anonymize(value as never)).toBeNull()
  })

  it('addRoutes() never throws after setup: refused templates are skipped (the others added), and debug says why', () => {
    const { tracker } = setup({ routes: ['/nc/:id'], debug: true })
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const calls: unknown[] = [
      ['/users/:'],
      ['/a/(x)'],
      ['/files/*'],
      ['/x/{y'],
      [42],
      [null],
      [undefined],
      [{}],
      42,
      null,
      undefined,
      '/x',
      { 0: '/x' },
      [],
    ]
    for (const routes of calls) expect(() => tracker.addRoutes(routes as never)).not.toThrow()
    expect(() => tracker.addRoutes(['/ok/:id', '/users/:', '/fine', '/ok/:id'])).not.toThrow()
    expect(tracker.routes()).toEqual(['/nc/:id', '/ok/:id', '/fine'])
    expect(tracker.anonymize('/ok/1')).toBe('/ok/:id')
    const lines = info.mock.calls.map(call => String(call[0]))
    expect(lines).toContain(
      '[spa-telemetry] addRoutes() skipped routes[0] "/users/:" is not a valid path template: missing parameter name at index 8',
    )
    expect(lines).toContain(
      '[spa-telemetry] addRoutes() skipped routes[1] "/users/:" is not a valid path template: missing parameter name at index 8',
    )
    expect(lines).toContain(
      '[spa-telemetry] addRoutes() skipped routes[0] 42 is not a string: expected a path template like "/nc/:project_id"',
    )
    expect(lines).toContain(
      '[spa-telemetry] addRoutes() takes a list of path templates like ["/nc/:project_id"], not "/x": ignored',
    )
    expect(lines.filter(line => line.includes('addRoutes()'))).toHaveLength(14)
  })
})
