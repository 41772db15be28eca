/**
 * Differential tests: the anonymizer's trie against path-to-regexp's own
 * `match`, on generated route tables and URLs.
 */
import fc from 'fast-check'
import { match } from 'path-to-regexp'
import { describe, expect, it } from 'vitest'

import { createAnonymizer } from '../src/anonymize.js'
import { expectAsPathToRegexp } from './helpers/reference.js'
import { comparePaths } from './helpers/vue-ranking.js'

/** A template segment; its kind decides its score, as vue-router scores the same segment. */
type Seg =
  | { kind: 'static'; text: string }
  | { kind: 'param' }
  | { kind: 'optional-static'; text: string }
  | { kind: 'optional-param' }
  | { kind: 'wildcard' }
  | { kind: 'optional-wildcard' }

/**
 * vue-router 4's score of each kind of segment (`PathScore` in its path
 * ranker): text 80, `:p` 60, `:p?` 52, `:p+` 40, `:p(.*)*` -8; an optional
 * text (no vue-router equivalent) 72.
 */
const SCORE = {
  static: 80,
  'optional-static': 72,
  param: 60,
  'optional-param': 52,
  wildcard: 40,
  'optional-wildcard': -8,
}
const WORDS = ['a', 'b', 'nc', 'users', 'Table']

const segment: fc.Arbitrary<Seg> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS).map(text => ({ kind: 'static' as const, text })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'param' as const }) },
  { weight: 1, arbitrary: fc.constantFrom(...WORDS).map(text => ({ kind: 'optional-static' as const, text })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'optional-param' as const }) },
)

/** 1 to 4 segments; a wildcard, required or optional, only last. */
const templateShape = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom(undefined, 'wildcard', 'optional-wildcard'))
  .map(([segs, wildcard]) => (wildcard ? [...segs, { kind: wildcard } as Seg] : segs))

const write = (segs: Seg[]): string =>
  segs
    .map((s, i) =>
      s.kind === 'static'
        ? `/${s.text}`
        : s.kind === 'param'
          ? `/:p${i}`
          : s.kind === 'optional-static'
            ? `{/${s.text}}`
            : s.kind === 'optional-param'
              ? `{/:o${i}}`
              : s.kind === 'wildcard'
                ? `/*w${i}`
                : `{/*w${i}}`,
    )
    .join('') || '/'

const matchers = new Map<string, ReturnType<typeof match>>()
const matches = (template: string, input: string): boolean => {
  let m = matchers.get(template)
  if (!m) matchers.set(template, (m = match(template)))
  return !!m(input)
}

const url = fc
  .array(fc.constantFrom(...WORDS, 'x', '42', 'NC', 'USERS'), { maxLength: 6 })
  .map(parts => '/' + parts.join('/'))

describe('differential against path-to-regexp match', () => {
  it('returns a template path-to-regexp matches, the one vue-router ranks first when several do, the masked path when none', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(templateShape, { minLength: 1, maxLength: 8, selector: write }),
        fc.array(url, { minLength: 1, maxLength: 6 }),
        (shapes, urls) => {
          const routes = shapes.map(write)
          const { anonymize } = createAnonymizer({ routes })
          // lower-cased static segment → how the table writes it
          const statics = new Map(
            shapes.flat().flatMap(s => ('text' in s ? [[s.text.toLowerCase(), s.text] as const] : [])),
          )
          for (const input of urls) {
            const ranked = shapes.flatMap((segs, i) =>
              matches(routes[i], input) ? [{ template: routes[i], score: segs.map(s => [SCORE[s.kind]]) }] : [],
            )
            const out = anonymize(input)
            if (!ranked.length) {
              const masked =
                '/' +
                input
                  .split('/')
                  .filter(Boolean)
                  .map(s => statics.get(s.toLowerCase()) ?? '*')
                  .join('/')
              expect(out).toBe(masked)
              continue
            }
            ranked.sort((a, b) => comparePaths(a.score, b.score))
            // templates vue-router ranks equal: it takes the one listed first, the anonymizer any of them (the same in every order)
            const best = ranked.filter(r => comparePaths(r.score, ranked[0].score) === 0).map(r => r.template)
            expect(best).toContain(out)
          }
        },
      ),
      { numRuns: 5_000 },
    )
  }, 60_000)

  it('the answer does not depend on the order of the routes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(templateShape, { minLength: 2, maxLength: 8, selector: write }),
        url,
        fc.func(fc.integer()),
        (shapes, input, key) => {
          const routes = shapes.map(write)
          const shuffled = [...routes].sort((a, b) => key(a) - key(b) || (a < b ? -1 : 1))
          expect(createAnonymizer({ routes: shuffled }).anonymize(input)).toBe(
            createAnonymizer({ routes }).anonymize(input),
          )
        },
      ),
      { numRuns: 2_000 },
    )
  })

  it('repeated and trailing slashes change no answer', () => {
    const routes = ['/files/*path.json', '/x-*w/:c', '/a/*x/b', '/:a.:b/c', '/nc/:id{/:tab}', '/']
    const { anonymize } = createAnonymizer({ routes })
    const parts = fc.array(fc.constantFrom('files', 'a.json', 'x-1', 'b', 'a', 'c', 'nc', 'p1', 'x.y'), {
      maxLength: 5,
    })
    fc.assert(
      fc.property(parts, fc.array(fc.nat(3), { minLength: 6, maxLength: 6 }), (segments, slashes) => {
        const plain = '/' + segments.join('/')
        const slashy = segments.map((s, i) => '/'.repeat(1 + slashes[i]) + s).join('') + '/'.repeat(slashes[5])
        // a location's pathname: a string starting "//" would be read as a host
        expect(anonymize({ pathname: slashy })).toBe(anonymize(plain))
      }),
      { numRuns: 3_000 },
    )
  })

  it('agrees with path-to-regexp on single templates mixing text, parameters and wildcards in a segment', () => {
    const part = fc.constantFrom(':a', ':b', '.', '-', 'x', '.json', 'x-')
    const mixedSegment = fc
      .array(part, { minLength: 1, maxLength: 4 })
      .map(parts => parts.map((p, i) => (p.startsWith(':') ? p + i : p)).join(''))
      .filter(s => !/:[ab]\d+:/.test(s))
    const wildcardSegment = fc.constantFrom('*w', '*w.json', 'x-*w', 'x-*w.json')
    const template = fc
      .tuple(
        fc.array(fc.oneof(mixedSegment, fc.constantFrom('x', ':c')), { minLength: 1, maxLength: 3 }),
        fc.option(wildcardSegment),
      )
      .map(([segs, wild]) => '/' + [...segs, ...(wild ? [wild] : [])].join('/'))
      .filter(route => {
        try {
          return !!match(route) // a template path-to-regexp itself accepts
        } catch {
          return false
        }
      })
    const input = fc
      .array(fc.stringMatching(/^[abx.\-json]{1,8}$/), { minLength: 1, maxLength: 4 })
      .map(parts => '/' + parts.join('/'))
    fc.assert(fc.property(template, fc.array(input, { minLength: 1, maxLength: 8 }), expectAsPathToRegexp), {
      numRuns: 3_000,
    })
  })
})
