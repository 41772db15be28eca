/**
 * The grammar of names and paths (src/grammar.ts), both ways: what looks like
 * data is refused (numbers split by separators, hex groups, random and
 * base64 tokens: issue 21, items 12 and 13; raw URLs: item 2), generated as
 * an attacker would; and the names and paths of real apps are kept.
 */
import { configureStore, createAsyncThunk, createSlice } from '@reduxjs/toolkit'
import { createApi, fakeBaseQuery } from '@reduxjs/toolkit/query'
import fc from 'fast-check'
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import { isHost, isPath, isReferrer, looksLikeData } from '../src/grammar.js'
import { cleanProps, isName } from '../src/names.js'

const b64 = (text: string): string => Buffer.from(text).toString('base64').replace(/=+$/, '')
const b64url = (text: string): string => Buffer.from(text).toString('base64url')

/** The attacks of issue 21, items 12 and 13, as they were sent. */
const ATTACKS = [
  'card_4111_1111_1111_1111',
  'tel_555_867_5309',
  'ssn_078_05_1120',
  'ip_192_168_10_20',
  'fe80:db8:ab12:cd34:ef56',
  'dob_1985_04_12',
  'YWxpY2VAY29ycC5leGFtcGxl', // alice@corp.example
  'eyJhbGciOiJIUzI1NiJ9', // a JWT header, {"alg":"HS256"}
  b64('Alice Smith'),
  `users/${b64('alice@corp.example')}/loaded`,
]

describe('names: what looks like data is refused', () => {
  it.each(ATTACKS)('%s', name => {
    expect(isName(name)).toBe(false)
    expect(looksLikeData(name)).toBe(true)
  })

  it.each(ATTACKS.filter(name => !name.includes('/')))('as a prop name: %s', key => {
    expect(typeof cleanProps({ [key]: 1 })).toBe('string')
  })
})

// ---- generators of data, as an app might put it into a name by mistake ----

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max })
/** How a number is split: the separators a name may hold (one per attack). */
const split = fc.constantFrom('_', '-')
const card = fc
  .tuple(fc.array(digits(4, 4), { minLength: 4, maxLength: 4 }), split)
  .map(([groups, s]) => groups.join(s))
const phone = fc
  .tuple(fc.option(digits(1, 3), { nil: undefined }), digits(2, 4), digits(3, 4), digits(3, 4), split)
  .map(([country, area, a, b, s]) => [country, area, a, b].filter(Boolean).join(s))
const date = fc
  .tuple(
    fc.integer({ min: 1900, max: 2030 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 28 }),
    fc.constantFrom('ymd', 'dmy', 'mdy', 'yy'),
    split,
  )
  .map(([y, m, d, order, s]) => {
    const [mm, dd] = [String(m).padStart(2, '0'), String(d).padStart(2, '0')]
    return (
      order === 'ymd'
        ? [y, mm, dd]
        : order === 'dmy'
          ? [dd, mm, y]
          : order === 'mdy'
            ? [mm, dd, y]
            : [String(y).slice(2), mm, dd]
    ).join(s)
  })
const ipV4 = fc.tuple(fc.ipV4(), split).map(([ip, s]) => ip.replace(/\./g, s))
/** Full IPv6 addresses, and shortened ones with 5 groups or more, written with one separator (":" too). */
const ipV6 = fc
  .tuple(
    fc.oneof(
      fc
        .array(
          fc.integer({ min: 0, max: 0xffff }).map(n => n.toString(16)),
          { minLength: 8, maxLength: 8 },
        )
        .map(groups => groups.join(':')),
      fc.ipV6().filter(ip => ip.split(/[:.]/).filter(Boolean).length >= 5),
    ),
    fc.constantFrom('_', '-', ':'),
  )
  .map(([ip, s]) => ip.replace(/[:.]/g, s))
const uuid = fc.tuple(fc.uuid(), fc.constantFrom('_', '-', '')).map(([id, s]) => id.replace(/-/g, s))
/** Mailboxes as people have them: letters, digits, ".", "_", "-", "+" before the "@". */
const email = fc.emailAddress().filter(address => /^[\w.+-]+@/.test(address))
const FIRST =
  'Li Wu Al Bo Ed Jo Ann Bob Eve Ian Kim Max Zoe Alice Carol David Emma Grace Hana Ivan James Jose Kenji Laura Maria Mohammed Nadia Olga Pedro Priya Sven Wei Yuki Aisha Chloe Dmitri Fatima Giulia Hiroshi Ingrid'.split(
    ' ',
  )
const LAST =
  'Li Ng Wu Ho Ito Lee Kim Doe Roe Diaz Khan Levi Chen Smith Jones Brown Garcia Martin Muller Nguyen Novak Okafor Patel Rossi Silva Tanaka Weber Yilmaz Kowalski Hopper Lovelace Johansson Fernandez Anderson Schmidt Dubois Moreau Ivanova Haddad'.split(
    ' ',
  )
const casing = fc.constantFrom(
  (w: string) => w,
  (w: string) => w.toLowerCase(),
  (w: string) => w.toUpperCase(),
)
const fullName = fc
  .tuple(fc.constantFrom(...FIRST), fc.constantFrom(...LAST), casing)
  .map(([first, last, style]) => `${style(first)} ${style(last)}`)
const jwtHeader = fc
  .record({
    alg: fc.constantFrom('HS256', 'HS512', 'RS256', 'ES256', 'PS384', 'EdDSA', 'none'),
    typ: fc.constant('JWT'),
    kid: fc.option(fc.string({ unit: fc.constantFrom(...'abcdef0123456789'), minLength: 1, maxLength: 16 }), {
      nil: undefined,
    }),
  })
  .map(header => b64url(JSON.stringify(header)))
const jwtPayload = fc
  .record({ sub: fc.oneof(email, fc.uuid()), iat: fc.integer({ min: 1e9, max: 2e9 }) })
  .map(claims => b64url(JSON.stringify(claims)))
/** Text of at least 6 bytes (8 characters of base64: shorter is no longer than a word), base64 and base64url. */
const encoded = fc
  .tuple(
    fc.oneof(email, fullName).filter(text => text.length >= 6),
    fc.boolean(),
  )
  .map(([text, url]) => (url ? b64url(text) : b64(text)))

const DATA: [string, fc.Arbitrary<string>][] = [
  ['card numbers', card],
  ['phone numbers', phone],
  ['dates', date],
  ['IPv4 addresses', ipV4],
  ['IPv6 addresses', ipV6],
  ['uuids', uuid],
  ['base64 of emails and full names', encoded],
  ['JWT headers', jwtHeader],
  ['JWT payloads', jwtPayload],
]

/** A name around the data: after a word, between words, or a segment of its own (what no separator splits from a word is not read as base64: docs/privacy.md). */
const dressed = (data: fc.Arbitrary<string>) =>
  fc
    .tuple(
      fc.constantFrom('card_', 'user-', 'users/u_', 'api:', 'x/'),
      data,
      fc.constantFrom('', '_done', '/loaded', ':x'),
    )
    .map(([before, value, after]) => before + value + after)

describe('names: generated data is refused, however it is dressed', () => {
  it.each(DATA)(
    '%s',
    (_, data) => {
      fc.assert(
        fc.property(dressed(data), name => {
          expect(isName(name)).toBe(false)
        }),
        { numRuns: 500 },
      )
    },
    30_000,
  )

  it.each(DATA)(
    '%s, as prop names',
    (_, data) => {
      fc.assert(
        fc.property(data, key => {
          expect(typeof cleanProps({ ['k_' + key]: 1 })).toBe('string')
        }),
        { numRuns: 300 },
      )
    },
    30_000,
  )
})

// ---- the false positives kept: names of real apps ----

/** Every action type a Redux Toolkit store dispatches (slices, thunks, RTK Query) that the Redux middleware records by default (no `@@`, no `/pending`). */
const reduxToolkitTypes = async (): Promise<string[]> => {
  const seen = new Set<string>()
  const todos = createSlice({
    name: 'todos',
    initialState: [] as string[],
    reducers: { add: s => s, toggle: s => s, removeCompleted: s => s },
  })
  const fetchTodos = createAsyncThunk('todos/fetchAll', async (fail: boolean) => {
    if (fail) throw new Error('x')
    return []
  })
  const api = createApi({
    baseQuery: fakeBaseQuery(),
    tagTypes: ['Todo'],
    endpoints: build => ({
      getTodos: build.query<string[], void>({ queryFn: () => ({ data: [] }), providesTags: ['Todo'] }),
      addTodo: build.mutation<null, string>({ queryFn: () => ({ data: null }), invalidatesTags: ['Todo'] }),
    }),
  })
  const store = configureStore({
    reducer: { todos: todos.reducer, [api.reducerPath]: api.reducer },
    middleware: gdm =>
      gdm({ serializableCheck: false, immutableCheck: false }).concat(
        api.middleware,
        () => (next: (action: unknown) => unknown) => (action: unknown) => (
          seen.add((action as { type: string }).type),
          next(action)
        ),
      ),
  })
  store.dispatch(todos.actions.add())
  store.dispatch(todos.actions.toggle())
  store.dispatch(todos.actions.removeCompleted())
  await store.dispatch(fetchTodos(false))
  await store.dispatch(fetchTodos(true))
  const query = store.dispatch(api.endpoints.getTodos.initiate())
  await query
  await store.dispatch(api.endpoints.addTodo.initiate('x'))
  query.unsubscribe()
  store.dispatch(api.util.resetApiState())
  await new Promise(resolve => setTimeout(resolve, 10))
  return [...seen].filter(type => !/^@@|\/pending$/.test(type))
}

/** Event names of the consoles in /work/shared/seeds (NocoDB, Strapi, Appsmith, Hasura) that follow the name syntax. */
const SEEDS = [
  'project:created',
  'table:create',
  'execute_ACTION_TRIGGERED',
  'APPLICATIONS_PAGE_LOAD',
  'ModifyTable/RESET',
]
/** The demo's names: Redux types, track names, a page name (checked against demo/src below). */
const DEMO = [
  'projects/created',
  'tables/rowAdded',
  'tables/schemaSaved',
  'tables/loadRows/fulfilled',
  'tables/loadRows/rejected',
  'ui/searched',
  'export_clicked',
  'project_form_submitted',
  'table',
]
/** Names with small numbers and technical words, which stay names. */
const COMMON = [
  'v2_enabled',
  'step_3',
  'oauth2/callback',
  'http_404',
  'error404',
  'h1_clicked',
  'utf8',
  'base64_export',
  'enable_2fa',
  'sha256_verified',
  'x509_uploaded',
  'iso8601',
  'mp4_export',
  'quality_1080p',
  'year_2024',
  'page_2_of_10',
  'getUserById',
  'fetchOAuth2Token',
  'XMLHttpRequest',
  'useQueryClient',
  'api/getIPv6Address/fulfilled',
  'TypeError',
  'SystemError',
  'QuotaExceededError',
  'DOMException',
  'AbortError',
  '$init',
  'export-csv',
  'table:create',
  'checkout/step2/completed',
  'dark_mode_toggled',
  'a'.repeat(64),
]

describe('names: the names of real apps are kept', () => {
  it('every type a Redux Toolkit store dispatches (slices, async thunks, RTK Query) that the middleware records', async () => {
    const types = await reduxToolkitTypes()
    expect(types).toEqual(
      expect.arrayContaining([
        'todos/add',
        'todos/fetchAll/fulfilled',
        'todos/fetchAll/rejected',
        'api/executeQuery/fulfilled',
        'api/executeMutation/fulfilled',
        'api/config/middlewareRegistered',
      ]),
    )
    expect(types.filter(type => !isName(type))).toEqual([])
  })

  it("the seeds' console event names, the demo's names, common names with numbers", () => {
    const demo = readdirSync('demo/src', { recursive: true, encoding: 'utf8' })
      .filter(f => /\.(ts|vue)$/.test(f))
      .map(f => readFileSync(`demo/src/${f}`, 'utf8'))
      .join('\n')
    for (const name of DEMO) expect(demo).toContain(name.split('/').slice(-2)[0])
    expect([...SEEDS, ...DEMO, ...COMMON].filter(name => !isName(name))).toEqual([])
  })

  /** Words of UI event names: every pair, in every style, must stay a name. */
  const WORDS =
    'table view project user account settings profile search filter sort export import upload download share invite member role billing plan checkout cart order payment report chart dashboard widget modal dialog menu button link form field column row record page tab panel sidebar theme language notification message comment'.split(
      ' ',
    )
  it(`every pair of ${WORDS.length} words, in snake_case, camelCase, kebab-case and as segments, with and without a small number`, () => {
    const refused: string[] = []
    const upper = (w: string) => w[0].toUpperCase() + w.slice(1)
    for (const a of WORDS) {
      for (const b of WORDS) {
        for (const name of [
          `${a}_${b}`,
          `${a}${upper(b)}`,
          `${a}-${b}`,
          `${a}s/${b}Loaded`,
          `${a}:${b}`,
          `${upper(a)}${upper(b)}/RESET`,
          `${a}_${b}_v2`,
          `${a}${upper(b)}2`,
        ]) {
          if (!isName(name)) refused.push(name)
        }
      }
    }
    expect(refused).toEqual([])
  })

  it('what the grammar cannot tell: a plain word, a short base64 and a random token without digits may pass', () => {
    // documented in docs/privacy.md: name events after what was done, never after whom
    expect(isName('users/alice/loaded')).toBe(true)
    expect(isName('x' + b64('Bob'))).toBe(true) // xQm9i: 3 bytes of text
  })

  it('refuses a few real identifiers that look like encoded text or long numbers (the false positives accepted)', () => {
    // decoded as base64 they are printable text, and their words are short: IDBKeyRange, altKeyArg; 3 numbers: GL constants
    for (const name of ['IDBKeyRange', 'altKeyArg', 'UNSIGNED_SHORT_5_6_5', 'chacha20_poly1305'])
      expect(isName(name)).toBe(false)
  })
})

// ---- paths ----

/** What the tracker sends: templates as written and in every placeholder style, masked paths, kept query keys. */
const SENT = [
  '/',
  '/nc',
  '/nc/:project_id',
  '/nc/:project_id/table/:table_id',
  '/data/schema/SCHEMA_NAME/tables/TABLE_NAME/modify',
  '/nc/PROJECT_ID',
  '/nc/{project_id}',
  '/nc/[project_id]',
  '/nc/<param:project_id>',
  '/nc/$projectId',
  '/files/*path',
  '/files/*',
  '/docs{/:page}',
  '{/:lang}/about',
  '/files/:name.:ext',
  '/a\\:b/\\(x\\)',
  '/nc/*/*',
  '/*',
  '/admin/',
  '/produkte/größe',
  '/nc/:id?tab=grid&page=2&q=*',
  '/?sort=name-asc',
  '/?page=',
  '/api/v1/reports/2024/q3',
  '/reports/:year/:month',
]
/** What the tracker never sends (issue 21, item 2, and more). */
const RAW = [
  ['an origin', 'https://app.example/nc/p_8f2k'],
  ['a protocol-relative origin', '//evil.example/x'],
  ['a query with a free value', '/nc/:project_id?q=alice'.replace('alice', 'alice%40corp.example')],
  ['a #fragment', '/nc/:project_id#row-3'],
  ['an email', '/users/alice@corp.example'],
  ['credentials', '/alice:hunter2@intranet.example/x'],
  ['a space', '/search/alice smith'],
  ['an escape', '/users/%61lice'],
  ['an empty segment', '/nc//x'],
  ['no leading slash', 'nc/:project_id'],
  ['a query key without a value', '/x?debug'],
  ['an escaped space in a query value', '/?q=alice%20smith'],
  ['a card number', '/cards/4111-1111-1111-1111'],
  ['a phone number across segments', '/tel/555/867/5309'],
  ['a date across segments', '/dob/1985/04/12'],
  ['an IPv6 address across segments', '/ip/fe80/db8/ab12/cd34/ef56'],
  ['a uuid', '/projects/3f2a9c1d-0b5e-4f3a-9c1d-0b5e7a2c6d81'],
  ['base64 of an email', `/users/${b64('alice@corp.example')}`],
  ['a long id in a query value', '/x?emp=12345'],
  ['too long', '/' + 'a/'.repeat(256)],
] as const

describe('paths', () => {
  it.each(SENT)('keeps %s', path => {
    expect(isPath(path)).toBe(true)
    expect(isReferrer(path)).toBe(true)
  })

  it.each(RAW)('refuses %s', (_, path) => {
    expect(isPath(path)).toBe(false)
    expect(isReferrer(path)).toBe(false)
  })

  it.each(DATA)(
    'refuses %s as segments',
    (_, data) => {
      fc.assert(
        fc.property(data, fc.constantFrom('-', '_', '/'), (value, s) => {
          expect(isPath(`/users/${value.replace(/[-_:]/g, s)}`)).toBe(false)
        }),
        { numRuns: 300 },
      )
    },
    30_000,
  )

  it('referrers: external, a host name, a path; never an IP address, a port or credentials', () => {
    for (const ok of ['external', 'github.com', 'docs.example.org', 'localhost', 'xn--bcher-kva.example'])
      expect(isReferrer(ok)).toBe(true)
    for (const no of [
      '192.168.10.20',
      '10.0.0.1',
      'intranet.example:8443',
      'alice:hunter2@intranet.example',
      'https://alice:hunter2@intranet.example/?emp=1',
      'GitHub.com',
      '',
    ]) {
      expect(isReferrer(no)).toBe(false)
    }
    expect(isHost('/nc')).toBe(false)
  })
})
