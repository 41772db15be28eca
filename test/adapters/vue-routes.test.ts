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

  it('the template of an escaped path matches the literal URL', () => {
    const { anonymize } = createAnonymizer({ routes: [toTemplate('/a\\:b/(x)')], unmatched: 'drop' })
    expect(anonymize('/a:b/(x)')).toBe('/a\\:b/\\(x\\)')
    expect(anonymize('/ab/x')).toBeNull()
  })
})

describe('toTemplate against vue-router', () => {
  beforeEach(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}))
  afterEach(() => void vi.restoreAllMocks())

  const SEGMENTS = ['nc', 'table', 'users', 'a.b', ':id', ':id(\\d+)', ':slug?', ':rest+', ':rest*', ':key()', ':a.:b', ':n-:v?', ':all(.*)', ':one([^/]+)', ':num(\\d*)']
  /** A vue-router path; every parameter gets a name of its own. */
  const routePath = fc
    .array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 4 })
    .map(parts => '/' + parts.map((part, i) => part.replace(/:(\w+)/g, `:$1${i}`)).join('/'))
  const url = fc
    .array(fc.constantFrom('nc', 'table', 'users', 'a.b', '42', 'x.y', 'NC', 'p_8f2k', 'a-b', 'a-', ''), { maxLength: 6 })
    .map(parts => '/' + parts.join('/'))

  it('the template of the record vue-router resolves a URL to matches that URL', () => {
    fc.assert(
      fc.property(fc.uniqueArray(routePath, { minLength: 1, maxLength: 6 }), fc.array(url, { minLength: 1, maxLength: 10 }), (paths, urls) => {
        const router = createRouter({ history: createMemoryHistory(), routes: paths.map(path => ({ path, component: View })) })
        for (const record of router.getRoutes()) expect(() => createAnonymizer({ routes: [toTemplate(record.path)] })).not.toThrow()
        for (const concrete of urls) {
          const leaf = router.resolve(concrete).matched.at(-1)
          if (!leaf) continue
          const template = toTemplate(leaf.path)
          const { anonymize } = createAnonymizer({ routes: [template], unmatched: 'drop' })
          // a path, not a URL: "//nc" is no host here (the plugin passes paths the same way)
          expect({ path: leaf.path, url: concrete, got: anonymize({ pathname: concrete }) }).toEqual({ path: leaf.path, url: concrete, got: template })
        }
      }),
      { numRuns: 1_000 },
    )
  })
})
