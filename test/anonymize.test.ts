import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { createAnonymizer } from '../src/anonymize.js'
import { work } from '../src/match.js'
import { expectAsPathToRegexp } from './helpers/reference.js'

const NOCODB = [
  '/nc/:project_id',
  '/nc/:project_id/table/:table_id',
  '/nc/:project_id/table/:table_id/view/:view_id',
  '/nc',
  '/signin',
]

/** Hasura console routes, as in 003_239b839b987d72c6.txt ("SCHEMA_NAME and TABLE_NAME are not placeholders"). */
const HASURA = [
  '/data/schema/:SCHEMA_NAME',
  '/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/browse',
  '/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/modify',
  '/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/relationships',
  '/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/permissions',
  '/data/schema/:SCHEMA_NAME/views/:VIEW_NAME/browse',
  '/data/schema/:SCHEMA_NAME/functions/:FUNCTION_NAME/modify',
  '/data/sql',
  '/remote-schemas/manage/:REMOTE_SCHEMA_NAME/details',
  '/events/manage/triggers/:TRIGGER_NAME/processed',
  '/actions/manage/:ACTION_NAME/modify',
]

describe('seed examples', () => {
  it("NocoDB: /nc/p_xyz gives /nc/:project_id, like NocoDB's own payload", () => {
    const { anonymize } = createAnonymizer({ routes: NOCODB })
    expect(anonymize('/nc/p_xyz')).toBe('/nc/:project_id')
    expect(anonymize('/nc/p_8f2k/table/md_customers')).toBe('/nc/:project_id/table/:table_id')
    expect(anonymize('https://app.nocodb.com/nc/p_8f2k/table/t1/view/v9?sort=name#row-3')).toBe(
      '/nc/:project_id/table/:table_id/view/:view_id',
    )
  })

  it.each([
    ['/data/schema/public/tables/users/modify', '/data/schema/SCHEMA_NAME/tables/TABLE_NAME/modify'],
    ['/data/schema/billing/tables/invoices/browse', '/data/schema/SCHEMA_NAME/tables/TABLE_NAME/browse'],
    ['/data/schema/public/tables/users/relationships', '/data/schema/SCHEMA_NAME/tables/TABLE_NAME/relationships'],
    ['/data/schema/public/tables/users/permissions', '/data/schema/SCHEMA_NAME/tables/TABLE_NAME/permissions'],
    ['/data/schema/public/views/active_users/browse', '/data/schema/SCHEMA_NAME/views/VIEW_NAME/browse'],
    ['/data/schema/public/functions/search_users/modify', '/data/schema/SCHEMA_NAME/functions/FUNCTION_NAME/modify'],
    ['/data/schema/public', '/data/schema/SCHEMA_NAME'],
    ['/data/sql', '/data/sql'],
    ['/remote-schemas/manage/countries/details', '/remote-schemas/manage/REMOTE_SCHEMA_NAME/details'],
    ['/events/manage/triggers/user_signup/processed', '/events/manage/triggers/TRIGGER_NAME/processed'],
    ['/actions/manage/createUser/modify', '/actions/manage/ACTION_NAME/modify'],
  ])('Hasura: %s gives %s', (url, expected) => {
    const { anonymize } = createAnonymizer({ routes: HASURA, placeholder: 'name' })
    expect(anonymize(url)).toBe(expected)
  })

  it('Hasura: an unmatched console URL keeps only route-table words, never the table name', () => {
    const { anonymize } = createAnonymizer({ routes: HASURA, placeholder: 'name' })
    expect(anonymize('/data/schema/public/tables/users/insert')).toBe('/data/schema/*/tables/*/*')
  })
})

describe('placeholder', () => {
  const routes = ['/nc/:project_id/table/:table_id', '/files/*path', '/docs{/:page}']
  it.each([
    ['colon', '/nc/:project_id/table/:table_id', '/files/*path', '/docs{/:page}'],
    ['name', '/nc/project_id/table/table_id', '/files/path', '/docs{/page}'],
    ['upper', '/nc/PROJECT_ID/table/TABLE_ID', '/files/PATH', '/docs{/PAGE}'],
  ] as const)('%s', (placeholder, table, files, docs) => {
    const { anonymize } = createAnonymizer({ routes, placeholder })
    expect(anonymize('/nc/p1/table/t1')).toBe(table)
    expect(anonymize('/files/a/b/c.txt')).toBe(files)
    expect(anonymize('/docs/intro')).toBe(docs)
  })

  it('a function styles every name, with its kind', () => {
    const { anonymize } = createAnonymizer({ routes, placeholder: (name, kind) => `<${kind}:${name}>` })
    expect(anonymize('/nc/p1/table/t1')).toBe('/nc/<param:project_id>/table/<param:table_id>')
    expect(anonymize('/files/x')).toBe('/files/<wildcard:path>')
  })

  it('a function returning something other than a non-empty string fails at setup', () => {
    expect(() => createAnonymizer({ routes, placeholder: () => '' })).toThrow(
      '[spa-telemetry] placeholder("project_id") is "": expected a non-empty string',
    )
  })
})

describe('precedence', () => {
  it('static beats parameter beats optional beats wildcard, whatever the order of the routes', () => {
    const routes = ['/*rest', '/users{/:id}', '/users/:id', '/users/new', '/users/:id/edit', '/users/*path']
    const orders = [routes, [...routes].reverse(), [routes[3], routes[0], routes[5], routes[1], routes[4], routes[2]]]
    for (const order of orders) {
      const { anonymize } = createAnonymizer({ routes: order })
      expect(anonymize('/users/new')).toBe('/users/new')
      expect(anonymize('/users/42')).toBe('/users/:id')
      expect(anonymize('/users')).toBe('/users{/:id}')
      expect(anonymize('/users/42/edit')).toBe('/users/:id/edit')
      expect(anonymize('/users/42/photos')).toBe('/users/*path')
      expect(anonymize('/elsewhere/x')).toBe('/*rest')
    }
  })

  it('a static segment further left wins over a more specific tail', () => {
    const { anonymize } = createAnonymizer({ routes: ['/a/:x/c', '/:y/b/c'] })
    expect(anonymize('/a/b/c')).toBe('/a/:x/c')
  })

  it('backtracks when the more specific branch dead-ends', () => {
    const { anonymize } = createAnonymizer({ routes: ['/users/new/settings', '/users/:id/profile'] })
    expect(anonymize('/users/new/profile')).toBe('/users/:id/profile')
  })

  it('structurally equal templates resolve to the same one in any order', () => {
    const routes = ['/users/:id', '/users/:user_id']
    expect(createAnonymizer({ routes }).anonymize('/users/1')).toBe('/users/:id')
    expect(createAnonymizer({ routes: [...routes].reverse() }).anonymize('/users/1')).toBe('/users/:id')
  })

  it('text mixed with parameters in a segment beats a plain parameter', () => {
    const { anonymize } = createAnonymizer({ routes: ['/files/:name', '/files/:name.:ext', '/files/:id.json'] })
    expect(anonymize('/files/readme')).toBe('/files/:name')
    expect(anonymize('/files/report.pdf')).toBe('/files/:name.:ext')
  })
})

describe('input normalisation', () => {
  const { anonymize } = createAnonymizer({ routes: ['/', '/projects/:id', '/café/:id', '/a b/:id'] })

  it.each([
    ['https://example.com/projects/42', '/projects/:id'],
    ['//example.com/projects/42', '/projects/:id'],
    ['/projects/42/', '/projects/:id'],
    ['/projects//42//', '/projects/:id'],
    ['https://x.io//projects//42', '/projects/:id'],
    ['/projects/42?tab=secret#frag', '/projects/:id'],
    ['/PROJECTS/42', '/projects/:id'],
    ['/caf%C3%A9/1', '/café/:id'],
    ['/a%20b/1', '/a b/:id'],
    ['/a+%62/1', '/*/*'],
    ['https://example.com', '/'],
    ['https://example.com?x=1', '/'],
    ['', '/'],
  ])('%s gives %s', (url, expected) => {
    expect(anonymize(url)).toBe(expected)
  })

  it('reads URL objects and location-like values', () => {
    expect(anonymize(new URL('https://x.io/projects/7?q=1'))).toBe('/projects/:id')
    expect(anonymize({ pathname: '/projects/7', search: '?q=secret', hash: '#h' })).toBe('/projects/:id')
    expect(anonymize({ href: 'https://x.io/projects/7' })).toBe('/projects/:id')
    expect(anonymize({ pathname: '//projects//7' })).toBe('/projects/:id')
  })

  it('returns null for values that are not URLs', () => {
    for (const value of [undefined, null, 42, {}, [], { pathname: 3 }]) {
      expect(anonymize(value as never)).toBeNull()
    }
  })

  it('a malformed percent-encoding does not throw and never leaks', () => {
    expect(anonymize('/projects/%E0%A4%A')).toBe('/projects/:id')
    expect(anonymize('/%E0%A4%A/x')).toBe('/*/*')
  })

  it('is case-sensitive when asked', () => {
    const sensitive = createAnonymizer({ routes: ['/projects/:id'], sensitive: true })
    expect(sensitive.anonymize('/projects/1')).toBe('/projects/:id')
    expect(sensitive.anonymize('/PROJECTS/1')).toBe('/*/*')
  })

  it('strips the base first', () => {
    const { anonymize } = createAnonymizer({ routes: ['/', '/nc/:id'], base: '/app/' })
    expect(anonymize('/app/nc/1')).toBe('/nc/:id')
    expect(anonymize('/app')).toBe('/')
    expect(anonymize('https://x.io/APP/nc/1')).toBe('/nc/:id')
    expect(anonymize('/application/nc/1')).toBe('/*/nc/*')
  })

  it('reads the route from the hash in hash mode', () => {
    const { anonymize } = createAnonymizer({ routes: ['/', '/nc/:id'], hash: true })
    expect(anonymize('https://x.io/index.html#/nc/p1?tab=x')).toBe('/nc/:id')
    expect(anonymize('/#!/nc/p1')).toBe('/nc/:id')
    expect(anonymize('/nc/p1')).toBe('/')
    expect(anonymize({ pathname: '/', search: '', hash: '#/nc/p1' })).toBe('/nc/:id')
  })
})

describe('unmatched paths', () => {
  const routes = ['/nc/:project_id/table/:table_id', '/settings/profile']

  it('mask keeps only static segments of the route table', () => {
    const { anonymize } = createAnonymizer({ routes })
    expect(anonymize('/nc/p_8f2k/form/f1')).toBe('/nc/*/*/*')
    expect(anonymize('/settings/alice@example.com')).toBe('/settings/*')
    expect(anonymize('/table/profile/nc')).toBe('/table/profile/nc')
    expect(anonymize('/SETTINGS/x')).toBe('/settings/*')
  })

  it('drop returns null', () => {
    expect(createAnonymizer({ routes, unmatched: 'drop' }).anonymize('/nc/p/form/f')).toBeNull()
  })

  it('a function gets the masked path, never the raw one, and decides', () => {
    const seen: string[] = []
    const { anonymize } = createAnonymizer({
      routes,
      unmatched: masked => (seen.push(masked), masked.startsWith('/nc') ? masked : null),
    })
    expect(anonymize('/nc/secret/x')).toBe('/nc/*/*')
    expect(anonymize('/secret')).toBeNull()
    expect(seen).toEqual(['/nc/*/*', '/*'])
  })
})

describe('keepQuery', () => {
  it('keeps named keys with * for values unless allowed; drops the rest', () => {
    const { anonymize } = createAnonymizer({
      routes: ['/nc/:id'],
      keepQuery: { tab: ['grid', 'form'], page: /\d+/, q: [] },
    })
    expect(anonymize('/nc/1?q=alice&tab=grid&page=2&secret=x')).toBe('/nc/:id?tab=grid&page=2&q=*')
    expect(anonymize('/nc/1?tab=alice&page=2x')).toBe('/nc/:id?tab=*&page=*')
    expect(anonymize('/nc/1?tab=grid&tab=form')).toBe('/nc/:id?tab=grid')
    expect(anonymize('/nc/1')).toBe('/nc/:id')
  })

  it('a list keeps keys only', () => {
    const { anonymize } = createAnonymizer({ routes: ['/nc/:id'], keepQuery: ['tab'] })
    expect(anonymize('/nc/1?tab=grid&x=1')).toBe('/nc/:id?tab=*')
  })

  it('a pattern must match the whole value, whatever its flags', () => {
    const { anonymize } = createAnonymizer({ routes: ['/'], keepQuery: { page: /\d+/g } })
    expect(anonymize('/?page=12')).toBe('/?page=12')
    expect(anonymize('/?page=12')).toBe('/?page=12')
    expect(anonymize('/?page=12abc')).toBe('/?page=*')
  })

  it('decodes values before checking them, and keeps words only: an allowed value with a space or an escape is sent as * (the path grammar)', () => {
    const { anonymize } = createAnonymizer({ routes: ['/'], keepQuery: { sort: ['name-asc', 'name asc', 'größe'] } })
    expect(anonymize('/?sort=name%2Dasc')).toBe('/?sort=name-asc')
    expect(anonymize('/?sort=name+asc')).toBe('/?sort=*')
    expect(anonymize('/?sort=name%20asc')).toBe('/?sort=*')
    expect(anonymize('/?sort=gr%C3%B6%C3%9Fe')).toBe('/?sort=*')
  })

  it('reads the query inside the hash in hash mode', () => {
    const { anonymize } = createAnonymizer({ routes: ['/nc/:id'], hash: true, keepQuery: { tab: ['grid'] } })
    expect(anonymize('/?tab=form#/nc/1?tab=grid')).toBe('/nc/:id?tab=grid')
  })
})

describe('anonymizeReferrer', () => {
  const { anonymizeReferrer } = createAnonymizer({ routes: ['/nc/:id'], referrerHosts: ['github.com'] })

  it('a same-origin referrer becomes its template', () => {
    expect(anonymizeReferrer('https://app.io/nc/p1?x=1', 'https://app.io')).toBe('/nc/:id')
    expect(anonymizeReferrer('https://app.io/other/x', 'https://app.io')).toBe('/*/*')
  })

  it('another origin is external, or its host when allowed', () => {
    expect(anonymizeReferrer('https://evil.example/u/alice', 'https://app.io')).toBe('external')
    expect(anonymizeReferrer('https://GitHub.com/org/private-repo/issues/1', 'https://app.io')).toBe('github.com')
    expect(anonymizeReferrer('https://user:pw@github.com:8443/x', 'https://app.io')).toBe('github.com')
    expect(anonymizeReferrer('https://app.io:8080/nc/p1', 'https://app.io')).toBe('external')
  })

  it('no referrer gives null', () => {
    expect(anonymizeReferrer('', 'https://app.io')).toBeNull()
    expect(anonymizeReferrer('not a url', 'https://app.io')).toBeNull()
  })
})

describe('route table', () => {
  it('takes routes added later and lists them', () => {
    const anonymizer = createAnonymizer({ routes: ['/a'] })
    expect(anonymizer.anonymize('/b/1')).toBe('/*/*')
    anonymizer.addRoutes(['/b/:id'])
    expect(anonymizer.anonymize('/b/1')).toBe('/b/:id')
    anonymizer.addRoutes(['/a', '/b/:id', '/c'])
    expect(anonymizer.routes()).toEqual(['/a', '/b/:id', '/c'])
  })

  it('uses a route hint only when it is a template of the table', () => {
    const { anonymize } = createAnonymizer({ routes: ['/users/:id', '/users/:id/x'] })
    expect(anonymize('/users/1', '/users/:id')).toBe('/users/:id')
    expect(anonymize('/users/alice', '/users/alice')).toBe('/users/:id')
    expect(anonymize('/users/alice?x', '/users/:id/x')).toBe('/users/:id/x')
  })

  it('a table with no routes masks everything', () => {
    expect(createAnonymizer().anonymize('/nc/p1')).toBe('/*/*')
  })
})

describe('setup errors', () => {
  it.each([
    [
      { routes: ['/users/:'] },
      '[spa-telemetry] routes[0] "/users/:" is not a valid path template: missing parameter name at index 8',
    ],
    [{ routes: ['/a', '/b', '/c', '/users/:'] }, 'routes[3] "/users/:" is not a valid path template'],
    [{ routes: ['users/:id'] }, 'routes[0] "users/:id" is not a valid path template: it must start with "/"'],
    [{ routes: ['/a/:x:y'] }, 'routes[0] "/a/:x:y" is not a valid path template: missing text before "y"'],
    [{ routes: ['/a{/b'] }, 'routes[0] "/a{/b" is not a valid path template: unexpected end at index 5, expected }'],
    [{ routes: ['/a/(x)'] }, 'routes[0] "/a/(x)" is not a valid path template: unexpected ( at index 3'],
    [
      { routes: ['/a/x-*w.:p'] },
      'routes[0] "/a/x-*w.:p" is not a valid path template: a wildcard can only share its segment with text',
    ],
    [
      { routes: ['/a', 42] },
      '[spa-telemetry] routes[1] 42 is not a string: expected a path template like "/nc/:project_id"',
    ],
    [{ routes: ['/a', '/b', '/a'] }, '[spa-telemetry] routes[2] "/a" is listed twice'],
    [{ routes: [] }, '[spa-telemetry] routes is an array: expected a non-empty array of path templates'],
    [{ routes: '/a' }, '[spa-telemetry] routes is "/a": expected a non-empty array'],
    [
      { placeholder: 'snake' },
      '[spa-telemetry] placeholder is "snake": expected "colon", "name", "upper" or a function',
    ],
    [{ unmatched: 'keep' }, '[spa-telemetry] unmatched is "keep": expected "mask", "drop" or a function'],
    [{ base: 'app' }, '[spa-telemetry] base is "app": expected a path starting with "/"'],
    [{ hash: 'yes' }, '[spa-telemetry] hash is "yes": expected true or false'],
    [{ sensitive: 1 }, '[spa-telemetry] sensitive is 1: expected true or false'],
    [{ keepQuery: 'tab' }, '[spa-telemetry] keepQuery is "tab": expected query keys'],
    [{ keepQuery: { tab: 'grid' } }, '[spa-telemetry] keepQuery is an object: expected query keys'],
    [{ keepQuery: [''] }, '[spa-telemetry] keepQuery is an array: expected query keys'],
    [{ referrerHosts: 'github.com' }, '[spa-telemetry] referrerHosts is "github.com": expected an array of host names'],
  ])('%j', (options, message) => {
    expect(() => createAnonymizer(options as never)).toThrow(message)
  })

  it('a bad route leaves the table as it was', () => {
    const anonymizer = createAnonymizer({ routes: ['/a'] })
    expect(() => anonymizer.addRoutes(['/b/:id', '/c/:'])).toThrow('routes[1]')
    expect(() => anonymizer.addRoutes(['/b/:id', '/b/:id'])).toThrow('routes[1] "/b/:id" is listed twice')
    expect(anonymizer.routes()).toEqual(['/a'])
    expect(anonymizer.anonymize('/b/1')).toBe('/*/*')
  })

  it('more than 256 combinations of optional groups are refused', () => {
    const template = '/x' + '{/:a}{/:b}{/:c}{/:d}{/:e}{/:f}{/:g}{/:h}{/:i}'
    expect(() => createAnonymizer({ routes: [template] })).toThrow('more than 256 combinations of optional groups')
  })
})

describe('time linear in the length of the URL', () => {
  /** Template shapes and URLs that make a matcher that tries every span of a wildcard, or backtracks, work hard. */
  const SHAPES: [string, string[], (size: number) => string][] = [
    ['a wildcard then text', ['/files/*path.json'], size => '/files/' + 'a/'.repeat(size / 2) + 'b.json'],
    ['a wildcard then text, no match', ['/files/*path.json'], size => '/files/' + 'a.json/'.repeat(size / 7) + 'x'],
    ['text, a wildcard, text, then a segment', ['/x-*w.json/:c'], size => '/x-' + 'a.json/'.repeat(size / 7) + 'q.txt'],
    ['several wildcards', ['/a/*x/b/*y/c'], size => '/a/' + 'b/'.repeat(size / 2) + 'd'],
    ['three wildcards with texts between', ['/*a/x/*b/x/*c/y'], size => '/' + 'x/'.repeat(size / 2) + 'z'],
    [
      'a long last segment after many wildcard starts',
      ['/*a/x/*b/c'],
      size => '/' + 'x/'.repeat(size / 4) + 'c'.repeat(size / 2),
    ],
    ['a wildcard before a mixed segment', ['/*a/:b-:c-:d/e'], size => '/' + 'a-b-c/'.repeat(size / 6) + 'f'],
    ['mixed segment, one long segment', ['/:a-:b-:c/x'], size => '/' + 'a-'.repeat(size / 2) + '/y'],
    [
      'eight optional groups',
      ['/docs{/:a}{/:b}{/:c}{/:d}{/:e}{/:f}{/:g}{/:h}'],
      size => '/docs/' + 'a/'.repeat(size / 2),
    ],
    ['encoded slashes', ['/files/*path.json', '/:a/:b'], size => '/files/' + '%2F%25a/'.repeat(size / 8) + 'b.json'],
    [
      'a deep table',
      Array.from({ length: 64 }, (_, i) => '/a' + '/:p/b'.repeat(i % 8) + `/*w${i}/c${i}`),
      size => '/a/' + '1/b/'.repeat(size / 4),
    ],
  ]

  it.each(SHAPES)('%s: 16 times the length, at most 20 times the work', (_, routes, url) => {
    const { anonymize } = createAnonymizer({ routes })
    const steps = (size: number): number => {
      work.steps = 0
      anonymize(url(size))
      return work.steps
    }
    // work linear in the length grows 16 times (a quadratic one 256 times); no clock involved
    expect(steps(65536)).toBeLessThanOrEqual(20 * steps(4096))
  })

  it('answers what path-to-regexp answers on long paths', () => {
    const template = fc.constantFrom(
      '/*a.json',
      '/x-*w.json/:c',
      '/a/*x/b/*y/c',
      '/*a/x/*b/x/*c/y',
      '/:a-:b/*rest',
      '/f/:name.:ext/*rest',
    )
    const path = fc
      .array(fc.constantFrom('a', 'b', 'c', 'x', 'y', 'a.json', 'x-a', 'x-a.json', 'a-b', 'f'), {
        minLength: 1,
        maxLength: 80,
      })
      .map(parts => '/' + parts.join('/'))
    fc.assert(fc.property(template, fc.array(path, { minLength: 1, maxLength: 5 }), expectAsPathToRegexp), {
      numRuns: 1_000,
    })
  })
})

describe('strict CSP', () => {
  it.each(['src/anonymize.ts', 'src/compile.ts', 'src/match.ts'])(
    '%s uses no eval or Function constructor',
    async file => {
      const { readFile } = await import('node:fs/promises')
      const source = await readFile(file, 'utf8')
      expect(source).not.toMatch(/\beval\(|new Function|Function\(/)
    },
  )
})
