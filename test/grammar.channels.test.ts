/**
 * The grammar through every channel a name or a path enters by, on the real
 * tracker in jsdom: data in a name (issue 21, items 12 and 13) is dropped and
 * counted, never thrown and never sent, whether it comes through track(),
 * a prop name, a page name, an action type (vouched for or not), the Redux
 * middleware or React Router's `handle.telemetry`; a path the collector
 * would refuse (item 2: a placeholder or `unmatched` function, a template
 * with data in it) is dropped before it is queued; what real apps send
 * still goes out.
 */
import { legacy_createStore, applyMiddleware } from 'redux'
import { createMemoryRouter } from 'react-router'
import { describe, expect, it, vi } from 'vitest'

import { createTelemetryMiddleware } from '../adapters/redux.js'
import { trackRouter } from '../adapters/react-router.js'
import type { Tracker, TrackerOptions } from '../src/index.js'
import { setup, useFakeBrowser } from './helpers/browser.js'

useFakeBrowser()

const routes = ['/', '/nc/:project_id', '/nc/:project_id/table/:table_id']
const b64 = (text: string): string => btoa(text).replace(/=+$/, '')

/** Issue 21's names, items 12 and 13. */
const ATTACKS = [
  'card_4111_1111_1111_1111',
  'tel_555_867_5309',
  'ssn_078_05_1120',
  'ip_192_168_10_20',
  'fe80:db8:ab12:cd34:ef56',
  'dob_1985_04_12',
  b64('alice@corp.example'),
  'eyJhbGciOiJIUzI1NiJ9',
  b64('Alice Smith'),
  `users/${b64('alice@corp.example')}/loaded`,
]

/** Every channel a name comes in by, each handed one name. */
const CHANNELS: [string, (tracker: Tracker, name: string) => void][] = [
  ['track()', (tracker, name) => tracker.track(name)],
  ['a prop name', (tracker, name) => tracker.track('probe_props', { [name]: 1 })],
  ['a page name', (tracker, name) => tracker.page('/nc/p1', { name })],
  ['action()', (tracker, name) => tracker.action(name)],
  ['action() vouched for (verbatim)', (tracker, name) => tracker.action(name, { verbatim: true })],
  [
    'the Redux middleware',
    (tracker, name) =>
      void legacy_createStore(
        (s: unknown) => s ?? null,
        applyMiddleware(createTelemetryMiddleware(tracker, { throttleMs: 0 }) as never),
      ).dispatch({ type: name }),
  ],
  [
    'the Redux middleware, the type named in include',
    (tracker, name) =>
      void legacy_createStore(
        (s: unknown) => s ?? null,
        applyMiddleware(createTelemetryMiddleware(tracker, { include: [name], throttleMs: 0 }) as never),
      ).dispatch({ type: name }),
  ],
  [
    "React Router's handle.telemetry",
    (tracker, name) =>
      void trackRouter(
        tracker,
        createMemoryRouter([{ path: '/nc/:project_id', handle: { telemetry: { name } } }], {
          initialEntries: ['/nc/p1'],
        }),
      ),
  ],
]

/** Runs `act` on a fresh tracker, then sends a probe: what was sent, and the probe's `dropped`. */
const run = async (act: (tracker: Tracker) => void, options: Partial<TrackerOptions> = {}) => {
  const { tracker, sent, events } = setup({ routes, ...options })
  expect(() => act(tracker)).not.toThrow()
  tracker.track('probe')
  await vi.runAllTimersAsync()
  return {
    events: events(),
    dropped: sent.reduce((n, s) => n + s.payload.dropped, 0),
    bodies: sent.map(s => s.body).join('\n'),
    tracker,
  }
}

describe('data in a name is dropped and counted in every channel', () => {
  for (const [channel, send] of CHANNELS) {
    it.each(ATTACKS)(`${channel}: %s`, async name => {
      const { events, dropped, bodies } = await run(tracker => send(tracker, name))
      expect(events.filter(e => e.type === 'track' || e.type === 'action').map(e => e.name)).toEqual(['probe'])
      expect(events.filter(e => e.type === 'page')).toEqual([])
      expect(dropped).toBe(1)
      for (const part of name.split(/[/:_]/).filter(p => p.length > 3)) expect(bodies).not.toContain(part)
    })
  }

  it('an error class named like data is sent as Error', async () => {
    const Named = { ['Card4111x1111x1111x1111Error']: class extends Error {} }['Card4111x1111x1111x1111Error']
    const { events } = await run(tracker => tracker.error(new Named()))
    expect(events.find(e => e.type === 'error')?.name).toBe('Error')
  })
})

describe('the names of real apps go out as they are', () => {
  const NAMES = [
    'table:create',
    'project:created',
    'execute_ACTION_TRIGGERED',
    'APPLICATIONS_PAGE_LOAD',
    'ModifyTable/RESET',
    'api/executeQuery/fulfilled',
    'todos/add',
    'oauth2/callback',
    'http_404',
    'v2_enabled',
    'step_3',
  ]
  for (const [channel, send] of CHANNELS) {
    it(channel, async () => {
      // a prop name has no "/" or ":" (it is not a name: an identifier, dots allowed)
      const given = channel === 'a prop name' ? NAMES.filter(name => !/[/:]/.test(name)) : NAMES
      const { events, dropped } = await run(tracker => given.forEach(name => send(tracker, name)))
      expect(dropped).toBe(0)
      const names = events
        .map(e => (channel === 'a prop name' ? Object.keys(e.props ?? {})[0] : e.name))
        .filter(name => name && name !== 'probe')
      expect(new Set(names)).toEqual(new Set(given))
    })
  }
})

describe('a path the collector would refuse is dropped before it is queued', () => {
  it.each([
    ['a placeholder function that returns data', { placeholder: () => 'card_4111_1111_1111_1111' }, '/nc/p1'],
    ['a placeholder function that returns an email', { placeholder: () => 'alice@corp.example' }, '/nc/p1'],
    [
      'an unmatched function that returns the raw path',
      { unmatched: () => '/users/alice@corp.example?tab=1#x' },
      '/users/alice@corp.example',
    ],
    [
      'an unmatched function that returns a number split by slashes',
      { unmatched: () => '/tel/555/867/5309' },
      '/tel/555/867/5309',
    ],
    ['an unmatched function that returns a URL', { unmatched: () => 'https://app.example/x' }, '/x'],
    ['a template with an "@"', { routes: ['/@:user'] }, '/@alice'],
  ] as [string, Partial<TrackerOptions>, string][])('%s', async (_, options, url) => {
    const { events, dropped, tracker } = await run(tracker => tracker.page(url), options)
    expect(events.map(e => e.type)).toEqual(['track'])
    expect(dropped).toBe(1)
    expect(tracker.anonymize(url)).toBeNull()
  })

  it('an action on such a page carries no path', async () => {
    window.history.replaceState(null, '', '/tel/555')
    const { events } = await run(tracker => tracker.action('tables/created'), { unmatched: () => '/tel/555/867/5309' })
    expect(events[0]).toMatchObject({ type: 'action', name: 'tables/created' })
    expect(events[0]).not.toHaveProperty('path')
  })

  it('every placeholder style goes out: as written, name, upper, {name}, [name], <kind:name>, $name', async () => {
    const styles: TrackerOptions['placeholder'][] = [
      'colon',
      'name',
      'upper',
      n => `{${n}}`,
      n => `[${n}]`,
      (n, kind) => `<${kind}:${n}>`,
      n => `$${n}`,
    ]
    const paths: unknown[] = []
    for (const placeholder of styles) {
      const { events } = await run(tracker => tracker.page('/nc/p1/table/t1'), { placeholder })
      paths.push(events[0].path)
    }
    expect(paths).toEqual([
      '/nc/:project_id/table/:table_id',
      '/nc/project_id/table/table_id',
      '/nc/PROJECT_ID/table/TABLE_ID',
      '/nc/{project_id}/table/{table_id}',
      '/nc/[project_id]/table/[table_id]',
      '/nc/<param:project_id>/table/<param:table_id>',
      '/nc/$project_id/table/$table_id',
    ])
  })

  it('keepQuery: an allowed value that looks like data is sent as *, a key that is not a word is left out', async () => {
    const { events } = await run(tracker => tracker.page('/nc/p1?tab=grid&emp=12345&filter%5Bstatus%5D=open'), {
      keepQuery: { tab: ['grid'], emp: /^\d+$/, 'filter[status]': ['open'] },
    })
    expect(events[0].path).toBe('/nc/:project_id?tab=grid&emp=*')
  })

  it('hash routing, masked paths and the referrer forms go out', async () => {
    vi.spyOn(document, 'referrer', 'get').mockReturnValue('https://github.com/acme/app/issues/1')
    const { events } = await run(
      tracker => {
        tracker.page('/#/nc/p1/table/t1?tab=grid')
        tracker.page('/#/nc/p1/secret/x')
      },
      { hash: true, keepQuery: { tab: ['grid'] }, referrerHosts: ['github.com'] },
    )
    expect(events.slice(0, 2)).toMatchObject([
      { path: '/nc/:project_id/table/:table_id?tab=grid', referrer: 'github.com' },
      { path: '/nc/*/*/*', from: '/nc/:project_id/table/:table_id?tab=grid' },
    ])
  })

  it('an allowed referrer host that is an IP address is sent as external', async () => {
    vi.spyOn(document, 'referrer', 'get').mockReturnValue('http://192.168.10.20/hr/employees?emp=12345')
    const { events } = await run(tracker => tracker.page('/nc/p1'), { referrerHosts: ['192.168.10.20'] })
    expect(events[0].referrer).toBe('external')
  })
})

describe('stored events are checked by the same grammar', () => {
  it.each([
    ['a name that is a phone number', { type: 'track', name: 'tel_555_867_5309' }],
    ['a name that is base64 of an email', { type: 'track', name: `users/${b64('alice@corp.example')}/loaded` }],
    ['a prop name that is a card number', { type: 'track', name: 'x', props: { card_4111_1111_1111_1111: 1 } }],
    ['a verbatim action type with a date', { type: 'action', name: 'dob_1985_04_12' }],
    [
      'a referrer with credentials',
      { type: 'page', path: '/nc/:project_id', referrer: 'https://alice:hunter2@intranet.example/?emp=12345' },
    ],
  ])('stored %s is dropped, never sent', async (_, event) => {
    localStorage.setItem(
      'spa-telemetry:console:queue',
      JSON.stringify({ v: 1, events: [{ id: 'A'.repeat(21), ts: Date.now(), ...event }] }),
    )
    const { events, bodies } = await run(() => {})
    expect(events.map(e => e.name)).toEqual(['probe'])
    expect(bodies).not.toMatch(/555|1111|1985|alice|YWxp/)
  })
})
