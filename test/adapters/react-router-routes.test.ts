/**
 * React Router paths → path-to-regexp templates: the conversions, and a
 * property: every URL React Router's own `matchPath` matches with a path is
 * matched by the anonymizer with its template (and the template is what is
 * sent).
 */
import fc from 'fast-check'
import { parse } from 'path-to-regexp'
import { matchPath } from 'react-router'
import { describe, expect, it } from 'vitest'

import { createAnonymizer } from '../../src/index.js'
import { toTemplate } from '../../adapters/react-router-routes.js'

describe('toTemplate', () => {
  it.each([
    ['/', '/'],
    ['', '/'],
    ['/projects/:project_id', '/projects/:project_id'],
    ['/projects/:project_id/tables/:tab?', '/projects/:project_id/tables{/:tab}'],
    ['/:lang?/about', '{/:lang}/about'],
    ['/files/edit?', '/files{/edit}'],
    ['/a/edit?/x', '/a{/edit}/x'],
    ['/a/:b?/:c?', '/a{/:b}{/:c}'],
    ['*', '{/*splat}'],
    ['/*', '{/*splat}'],
    ['/docs/*', '/docs{/*splat}'],
    // React Router reads "docs*" as "docs/*" (and warns)
    ['/docs*', '/docs{/*splat}'],
    ['/:id.json', '/:id.json'],
    // path-to-regexp syntax that React Router reads as text
    ['/files/*/edit', '/files/\\*/edit'],
    ['/user:id', '/user\\:id'],
    ['/a(b)[c]{d}+!', '/a\\(b\\)\\[c\\]\\{d\\}\\+\\!'],
    ['/x?y', '/x\\?y'],
    ['/back\\slash', '/back\\\\slash'],
    ['/:lang?/docs/*', '{/:lang}/docs{/*splat}'],
  ])('%j → %j', (path, template) => {
    expect(toTemplate(path)).toBe(template)
    expect(() => parse(template)).not.toThrow()
  })

  it('a parameter name with a dash stays as written (what is sent); one path-to-regexp refuses is refused as a whole', () => {
    expect(toTemplate('/projects/:project-id')).toBe('/projects/:project-id')
    expect(
      createAnonymizer({ routes: ['/projects/:project-id'] }).anonymize('/projects/p_1', '/projects/:project-id'),
    ).toBe('/projects/:project-id')
    expect(() => createAnonymizer({ routes: [toTemplate('/:1st')] })).toThrow(
      '[spa-telemetry] routes[0] "/:1st" is not a valid path template',
    )
  })
})

describe('toTemplate agrees with React Router', () => {
  const word = fc.constantFrom('projects', 'tables', 'edit', 'a.b', 'x-y', 'user:id', 'q(1)')
  const name = fc.constantFrom('id', 'project_id', 'tab', 'lang')
  /** A React Router path, and a way to build a URL it matches from values. */
  const segment = fc.oneof(
    word.map(w => ({ path: w, url: () => w })),
    word.map(w => ({ path: w + '?', url: (take: boolean) => (take ? w : '') })),
    name.map(n => ({ path: ':' + n, url: (_: boolean, value: string) => value })),
    name.map(n => ({ path: ':' + n + '?', url: (take: boolean, value: string) => (take ? value : '') })),
  )
  const route = fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([segments, splat]) => {
    // parameter names are unique in a path
    const seen = new Set<string>()
    return {
      segments: segments.filter(
        s => !s.path.startsWith(':') || (!seen.has(s.path.replace('?', '')) && !!seen.add(s.path.replace('?', ''))),
      ),
      splat,
    }
  })
  const value = fc.stringMatching(/^[a-z0-9_-]{1,8}$/)

  it('every URL matchPath matches, the anonymizer matches with the template', () => {
    let compared = 0
    fc.assert(
      fc.property(
        route,
        fc.array(fc.tuple(fc.boolean(), value), { minLength: 6, maxLength: 6 }),
        fc.array(value, { maxLength: 3 }),
        ({ segments, splat }, picks, rest) => {
          const path = '/' + segments.map(s => s.path).join('/') + (splat ? '/*' : '')
          const url =
            '/' +
            [...segments.map((s, i) => s.url(picks[i][0], picks[i][1])), ...(splat ? rest : [])]
              .filter(Boolean)
              .join('/')
          const template = toTemplate(path)
          const { anonymize } = createAnonymizer({ routes: [template] })
          // the URL is built to match; React Router agrees (or the case is not one to compare)
          if (!matchPath(path, url)) return
          compared++
          expect(anonymize(url)).toBe(template)
        },
      ),
      { numRuns: 2_000 },
    )
    expect(compared).toBeGreaterThan(1_500)
  })
})
