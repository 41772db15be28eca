/**
 * The collector refuses what the tracker could not have sent (issue 21,
 * item 2: raw URLs; items 12 and 13: data in names), with a 400 whose reason
 * names the field and the rule and never the value; one such event refuses
 * its whole batch. What the tracker does send is stored. The rules are the
 * tracker's own (src/grammar.ts); schema/v1.json carries the path syntax
 * (checked in validate.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest'

import { createCollector, ndjsonStore } from '../../collector/index.js'
import type { PayloadEvent, Store } from '../../collector/index.js'
import { payload, post, stored, storedText, tempDir } from '../helpers/collector.js'

const URL_ = 'http://collector.test/telemetry'
const stores: Store[] = []
afterAll(() => Promise.all(stores.map(store => store.close?.())))

const setup = () => {
  const dir = tempDir()
  const store = ndjsonStore({ dir })
  stores.push(store)
  return { dir, collector: createCollector({ store, path: '/telemetry', onError: () => {} }) }
}

/** Posts events; the status, the reason given, and what was stored. */
const send = async (events: Partial<PayloadEvent>[]) => {
  const { dir, collector } = setup()
  const response = await collector(post(URL_, payload(events)))
  const text = await response.text()
  return {
    status: response.status,
    reason: text ? (JSON.parse(text).error as string) : '',
    stored: storedText(dir),
    dir,
  }
}

const b64 = (text: string): string => Buffer.from(text).toString('base64').replace(/=+$/, '')

/** Item 2, as the attacker sent it: the field, the value, the words the reason must use, what it must never show. */
const RAW: [string, Partial<PayloadEvent>, RegExp][] = [
  [
    'a path with origin, query and #fragment',
    { path: 'https://console.example/nc/p_8f2k/table/customers?q=alice.smith#row-3' },
    /\/events\/0\/path .*origin/,
  ],
  ['an email in path', { path: '/users/alice.smith@corp.example/profile' }, /\/events\/0\/path .*"@"/],
  [
    'a query in from',
    { path: '/nc/:project_id', from: '/nc/p_8f2k?q=alice.smith%40corp.example&token=eyJhbGciOiJIUzI1NiJ9' },
    /\/events\/0\/from .*query/,
  ],
  [
    'a referrer with credentials and a query',
    { path: '/nc/:project_id', referrer: 'https://alice:hunter2@intranet.example/hr/employees?emp=004217' },
    /\/events\/0\/referrer .*origin/,
  ],
  ['a #fragment', { path: '/nc/:project_id#alice.smith' }, /\/events\/0\/path .*#fragment/],
  ['a card number in a segment', { path: '/cards/4111-1111-1111-1111' }, /\/events\/0\/path .*looks like data/],
  ['a phone number across segments', { path: '/tel/555/867/5309' }, /\/events\/0\/path .*numbers/],
  [
    'base64 of an email in a segment',
    { path: `/users/${b64('alice.smith@corp.example')}/loaded` },
    /\/events\/0\/path .*looks like data/,
  ],
  ['a space', { path: '/search/alice smith' }, /\/events\/0\/path .*a character or a shape the tracker never writes/],
  [
    'an IP address as a referrer host',
    { path: '/', referrer: '192.168.10.20' },
    /\/events\/0\/referrer .*looks like data/,
  ],
]

describe('400 for a path, from or referrer the tracker could not have sent (item 2)', () => {
  it.each(RAW)(
    '%s: refused, the field and the rule named, the value never shown, nothing stored',
    async (_, event, reason) => {
      const { status, reason: given, stored } = await send([event])
      expect(status).toBe(400)
      expect(given).toMatch(reason)
      expect(given).not.toMatch(/alice|hunter2|smith|004217|4111|5309|8f2k|192\.168|corp/)
      expect(stored).toBe('')
    },
  )
})

/** Items 12 and 13, as names, prop names and action types. */
const DATA_NAMES = [
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

describe('400 for data in a name (items 12 and 13)', () => {
  it.each(DATA_NAMES)(
    'as a track name, an action type (even one fitting the schema), an error and a page name: %s',
    async name => {
      for (const event of [
        { type: 'track', name },
        { type: 'action', name },
        { type: 'error', name },
        { type: 'page', path: '/', name },
      ] as Partial<PayloadEvent>[]) {
        const { status, reason, stored } = await send([event])
        expect(status).toBe(400)
        expect(reason).toMatch(/\/events\/0\/name looks like data/)
        expect(reason).not.toContain(name.slice(0, 8))
        expect(stored).toBe('')
      }
    },
  )

  it.each(DATA_NAMES.filter(name => /^[A-Za-z_$][\w$.-]*$/.test(name)))('as a prop name: %s', async key => {
    const { status, reason } = await send([{ type: 'track', name: 'x', props: { [key]: 1 } }])
    expect(status).toBe(400)
    expect(reason).toMatch(/\/events\/0\/props has a prop name/)
    expect(reason).not.toContain(key.slice(0, 8))
  })
})

describe('one event outside the grammar refuses its whole batch', () => {
  it('400 for all, nothing stored; the same batch without it is stored', async () => {
    const good: Partial<PayloadEvent>[] = [
      { type: 'page', path: '/nc/:project_id' },
      { type: 'track', name: 'table_created', props: { kind: 'grid' } },
    ]
    const bad = await send([...good, { type: 'track', name: 'tel_555_867_5309' }, ...good])
    expect(bad.status).toBe(400)
    expect(bad.reason).toMatch(/\/events\/2\/name/)
    expect(bad.stored).toBe('')
    const ok = await send(good)
    expect(ok.status).toBe(204)
    expect(stored(ok.dir)).toHaveLength(2)
  })
})

describe('what the tracker sends is stored', () => {
  it('templates in every placeholder style, masked paths, kept query keys, every referrer form, names of real apps', async () => {
    const events: Partial<PayloadEvent>[] = [
      ...[
        '/',
        '/nc/:project_id/table/:table_id',
        '/data/schema/SCHEMA_NAME/tables/TABLE_NAME/modify',
        '/nc/PROJECT_ID',
        '/nc/{project_id}',
        '/nc/[id]',
        '/nc/<param:project_id>',
        '/nc/$id',
        '/docs{/:page}',
        '{/:lang}/about',
        '/files/*path',
        '/files/:name.:ext',
        '/nc/*/*',
        '/nc/:id?tab=grid&q=*',
        '/produkte/größe',
      ].map(path => ({ type: 'page' as const, path, from: '/nc/*', referrer: 'external' })),
      { type: 'page', path: '/', referrer: 'github.com' },
      { type: 'page', path: '/', referrer: '/nc/:project_id?tab=*' },
      ...[
        'table:create',
        'project:created',
        'execute_ACTION_TRIGGERED',
        'APPLICATIONS_PAGE_LOAD',
        'ModifyTable/RESET',
        'api/executeQuery/fulfilled',
        'oauth2/callback',
        'http_404',
        'v2_enabled',
      ].map(name => ({ type: 'track' as const, name, props: { kind: 'grid', step_3: true } })),
      { type: 'action', name: 'users.list/loaded', path: '/nc/:project_id' },
      { type: 'error', name: 'QuotaExceededError' },
    ]
    const { status, reason, dir } = await send(events)
    expect(reason).toBe('')
    expect(status).toBe(204)
    expect(stored(dir)).toHaveLength(events.length)
  })
})
