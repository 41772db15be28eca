/**
 * vue-router paths → path-to-regexp 8 templates: examples, and a property
 * test against vue-router itself: for any route table, the template of the
 * record vue-router resolves a URL to matches that URL in the anonymizer.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { createAnonymizer } from 'spa-telemetry'
import { toTemplate } from 'spa-telemetry/vue'
import { toNarrowTemplate } from '../../adapters/vue-routes.js'

const View = { render: () => null }

describe('toTemplate', () => {
  it.each([
    ['/', '/'],
    ['', '/'],
    ['/nc/:project_id', '/nc/:project_id'],
    ['/users/:id(\\d+)', '/users/:id'],
    ['/users/:id(\\d+)/posts/:slug?', '/users/:id/posts{/:slug}'],
    ['/docs/:chapters+', '/docs/*chapters'],
    ['/docs/:chapters*', '/docs{/*chapters}'],
    ['/docs/:chapters+/edit', '/docs/*chapters/edit'],
    ['/:pathMatch(.*)*', '{/*pathMatch}'],
    ['/files/:path(.*)', '/files{/*path}'],
    ['/files/:path(.+)', '/files/*path'],
    ['/files/:path([\\w/]+)', '/files/*path'],
    ['/users/:id(\\d*)', '/users{/:id}'],
    ['/users/:id([^/]+)', '/users/:id'],
    ['/files/:name.:ext', '/files/:name.:ext'],
    ['/files/:name-:version?', '/files/:name-{:version}'],
    ['/a/:b(\\d+)-c', '/a/:b-c'],
    // vue-router ends a regexp at the first ")" not escaped
    ['/re/:id([a-z]+(?:-[a-z]+\\)*)', '/re/:id'],
    // escapes and text that path-to-regexp would read as syntax
    ['/a\\:b/(x)', '/a\\:b/\\(x\\)'],
    ['/search/*', '/search/\\*'],
    ['/what?/really!', '/what\\?/really\\!'],
    // names path-to-regexp would read differently are quoted
    ['/items/:0', '/items/:"0"'],
    ['/price/:amount$', '/price/:"amount"$'],
    // vue-router drops a parameter with no name
    ['/a/:/b', '/a//b'],
    // a parameter that shares its segment with text keeps its meaning: may span segments, may be empty
    ['/a-:w(.*)', '/a-{*w}'],
    ['/b-:a(.*)', '/b-{*a}'],
    ['/:a+-static', '/*a-static'],
    ['/a/_:b+-other', '/a/_*b-other'],
    ['/a-:w+', '/a-*w'],
    ['/a-:w*', '/a-{*w}'],
    ['/v:major(\\d+)', '/v:major'],
    ['/v:major?.:minor', '/v{:major}.:minor'],
  ])('%j → %j', (path, template) => {
    expect(toTemplate(path)).toBe(template)
    expect(() => createAnonymizer({ routes: [template] })).not.toThrow()
  })

  it.each([
    ['pages/index.vue', '/', '/'],
    ['pages/projects/[id].vue', '/projects/:id()', '/projects/:id'],
    ['pages/projects/[id]/edit.vue', '/projects/:id()/edit', '/projects/:id/edit'],
    ['pages/docs/[[slug]].vue', '/docs/:slug?', '/docs{/:slug}'],
    ['pages/[...slug].vue', '/:slug(.*)*', '{/*slug}'],
    ['pages/files/[...path].vue', '/files/:path(.*)*', '/files{/*path}'],
    ['pages/users-[group]/[id].vue', '/users-:group()/:id()', '/users-:group/:id'],
    ['pages/[org]-[repo].vue', '/:org()-:repo()', '/:org-:repo'],
  ])('Nuxt %s: %j → %j', (_file, path, template) => {
    expect(toTemplate(path)).toBe(template)
  })

  it.each([
    ['/:a-:b(.*)', '/:a-{*b}', '/:a-{:b}'],
    ['/:a-:b+', '/:a-*b', '/:a-:b'],
    ['/:a+-:b', '/*a-:b', '/:a-:b'],
    ['/v/:a(.*)-:b(.*)', '/v/{*a}-{*b}', '/v/{:a}-{:b}'],
  ])('%j, refused by the anonymizer as %j, is reported as %j (its own, one segment wide)', (path, wide, narrow) => {
    expect(toTemplate(path)).toBe(wide)
    expect(() => createAnonymizer({ routes: [wide] })).toThrow('[spa-telemetry] routes[0]')
    expect(toNarrowTemplate(path)).toBe(narrow)
    expect(() => createAnonymizer({ routes: [narrow] })).not.toThrow()
  })

  it('a parameter alone in its segment keeps its span in the narrow template', () => {
    for (const path of ['/nc/:project_id', '/docs/:chapters+', '/files/:path(.*)', '/:pathMatch(.*)*'])
      expect(toNarrowTemplate(path)).toBe(toTemplate(path))
  })

  it('the template of an escaped path matches the literal URL', () => {
    const { anonymize } = createAnonymizer({ routes: [toTemplate('/a\\:b/(x)')], unmatched: 'drop' })
    expect(anonymize('/a:b/(x)')).toBe('/a\\:b/\\(x\\)')
    expect(anonymize('/ab/x')).toBeNull()
  })
})

describe('toTemplate against vue-router', () => {
  beforeEach(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}))
  afterEach(() => void vi.restoreAllMocks())

  const SEGMENTS = [
    ...[
      'nc',
      'table',
      'users',
      'a.b',
      ':id',
      ':id(\\d+)',
      ':slug?',
      ':rest+',
      ':rest*',
      ':key()',
      ':a.:b',
      ':n-:v?',
      ':all(.*)',
      ':one([^/]+)',
      ':num(\\d*)',
    ],
    // text with a parameter that may span segments, or be empty
    ...['a-:w(.*)', 'b-:a(.*)', ':a+-static', '_:b+-other'],
  ]
  /** A vue-router path; every parameter gets a name of its own. */
  const routePath = fc
    .array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 4 })
    .map(parts => '/' + parts.map((part, i) => part.replace(/:(\w+)/g, `:$1${i}`)).join('/'))
  const url = fc
    .array(
      fc.constantFrom(
        'nc',
        'table',
        'users',
        'a.b',
        '42',
        'x.y',
        'NC',
        'p_8f2k',
        'a-b',
        'a-',
        '',
        'b-',
        'x-static',
        '_y-other',
        'static',
      ),
      { maxLength: 6 },
    )
    .map(parts => '/' + parts.join('/'))

  it('the template of the record vue-router resolves a URL to matches that URL', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(routePath, { minLength: 1, maxLength: 6 }),
        fc.array(url, { minLength: 1, maxLength: 10 }),
        (paths, urls) => {
          const router = createRouter({
            history: createMemoryHistory(),
            routes: paths.map(path => ({ path, component: View })),
          })
          for (const record of router.getRoutes())
            expect(() => createAnonymizer({ routes: [toTemplate(record.path)] })).not.toThrow()
          for (const concrete of urls) {
            const leaf = router.resolve(concrete).matched.at(-1)
            if (!leaf) continue
            const template = toTemplate(leaf.path)
            const { anonymize } = createAnonymizer({ routes: [template], unmatched: 'drop' })
            // a path, not a URL: "//nc" is no host here (the plugin passes paths the same way)
            expect({ path: leaf.path, url: concrete, got: anonymize({ pathname: concrete }) }).toEqual({
              path: leaf.path,
              url: concrete,
              got: template,
            })
          }
        },
      ),
      { numRuns: 1_000 },
    )
  }, 60_000)
})

describe('ranking against vue-router', () => {
  beforeEach(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}))
  afterEach(() => void vi.restoreAllMocks())

  /**
   * Segments both syntaxes express alike (no custom regexp but Nuxt's `()`
   * and the catch-all's `(.*)`): vue-router's score of each is the
   * anonymizer's. NocoDB-like tables: optional parameters in the middle.
   */
  const SEGMENTS = [
    'ws',
    'form',
    'grid',
    'nc',
    ':id',
    ':key()',
    ':slug?',
    ':type?',
    ':rest+',
    ':a.:b',
    ':n-:v?',
    'a-:w(.*)',
    ':a+-static',
  ]
  const routePath = fc
    .tuple(fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 5 }), fc.boolean())
    .map(
      ([parts, splat]) =>
        '/' +
        [...parts, ...(splat ? [':all(.*)*'] : [])].map((part, i) => part.replace(/:(\w+)/g, `:$1${i}`)).join('/'),
    )
  const url = fc
    .array(fc.constantFrom('ws', 'form', 'grid', 'nc', 'WS', 'w1', 'x.y', 'a-b', 'a-', 'a-x', 'x-static', '42'), {
      minLength: 0,
      maxLength: 6,
    })
    .map(parts => '/' + parts.join('/'))

  /** The template of the record vue-router resolves a URL to, for a table in the given order. */
  const resolver = (paths: string[]) => {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: paths.map(path => ({ path, component: View })),
    })
    return (concrete: string): string | null => {
      const leaf = router.resolve(concrete).matched.at(-1)
      return leaf ? toTemplate(leaf.path) : null
    }
  }

  it('the anonymizer, with no answer from the router, picks the template vue-router picks', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(routePath, { minLength: 1, maxLength: 8 }),
        fc.array(url, { minLength: 1, maxLength: 10 }),
        (paths, urls) => {
          const templates = [...new Set(paths.map(toTemplate))]
          const { anonymize } = createAnonymizer({ routes: templates, unmatched: 'drop' })
          const inOrder = resolver(paths)
          const reversed = resolver([...paths].reverse())
          for (const concrete of urls) {
            // routes vue-router ranks equal go in the order they are listed: then either will do
            const answers = new Set([inOrder(concrete), reversed(concrete)])
            expect({ url: concrete, got: anonymize({ pathname: concrete }), answers }).toEqual({
              url: concrete,
              got: expect.toBeOneOf([...answers]),
              answers,
            })
          }
        },
      ),
      { numRuns: 1_000 },
    )
  }, 60_000)

  it('NocoDB: /ws/w1/grid/form/v1 goes to the form route, as in vue-router', () => {
    const paths = [
      '/ws/:workspaceId()/:projectType?/form/:viewId()',
      '/ws/:workspaceId()/:projectType?/:projectId()/:type()/:viewId()',
    ]
    const { anonymize } = createAnonymizer({ routes: paths.map(toTemplate) })
    expect(resolver(paths)('/ws/w1/grid/form/v1')).toBe('/ws/:workspaceId{/:projectType}/form/:viewId')
    expect(anonymize('/ws/w1/grid/form/v1')).toBe('/ws/:workspaceId{/:projectType}/form/:viewId')
    expect(anonymize('/ws/w1/p1/grid/v1')).toBe('/ws/:workspaceId{/:projectType}/:projectId/:type/:viewId')
  })
})
