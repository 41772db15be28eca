/**
 * Differential tests: the anonymizer's trie against path-to-regexp's own
 * `match`, on generated route tables and URLs.
 */
import fc from 'fast-check'
import { match } from 'path-to-regexp'
import { describe, expect, it } from 'vitest'

import { createAnonymizer } from '../src/anonymize.js'

/** A template segment: its kind decides its rank (lower is more specific). */
type Seg =
  | { kind: 'static'; text: string }
  | { kind: 'param' }
  | { kind: 'optional-static'; text: string }
  | { kind: 'optional-param' }
  | { kind: 'wildcard' }

const RANK = { static: 0, param: 2, 'optional-static': 3, 'optional-param': 5, wildcard: 6 }
const WORDS = ['a', 'b', 'nc', 'users', 'Table']

const segment: fc.Arbitrary<Seg> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS).map(text => ({ kind: 'static' as const, text })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'param' as const }) },
  { weight: 1, arbitrary: fc.constantFrom(...WORDS).map(text => ({ kind: 'optional-static' as const, text })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'optional-param' as const }) },
)

/** 1 to 4 segments; a wildcard only last, so ranks compare position by position. */
const templateShape = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([segs, wildcard]) => (wildcard ? [...segs, { kind: 'wildcard' as const }] : segs))

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
              : `/*w${i}`,
    )
    .join('') || '/'

/** Every alternative of a template: each optional segment present or not. */
const alternatives = (segs: Seg[]): Seg[][] =>
  segs.reduce<Seg[][]>(
    (alts, s) =>
      s.kind.startsWith('optional') ? alts.flatMap(a => [[...a, s], a]) : alts.map(a => [...a, s]),
    [[]],
  )

const writeAlternative = (segs: Seg[]): string =>
  segs
    .map((s, i) => (s.kind.endsWith('static') ? `/${(s as { text: string }).text}` : s.kind === 'wildcard' ? `/*w${i}` : `/:p${i}`))
    .join('') || '/'

const matchers = new Map<string, ReturnType<typeof match>>()
const matches = (template: string, input: string): boolean => {
  let m = matchers.get(template)
  if (!m) matchers.set(template, (m = match(template)))
  return !!m(input)
}

const compare = (a: number[], b: number[]): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

const url = fc
  .array(fc.constantFrom(...WORDS, 'x', '42', 'NC', 'USERS'), { maxLength: 6 })
  .map(parts => '/' + parts.join('/'))

describe('differential against path-to-regexp match', () => {
  it('returns the template path-to-regexp matches, the most specific one when several do, the masked path when none', () => {
    fc.assert(
      fc.property(fc.uniqueArray(templateShape, { minLength: 1, maxLength: 8, selector: write }), fc.array(url, { minLength: 1, maxLength: 6 }), (shapes, urls) => {
        const routes = shapes.map(write)
        const { anonymize } = createAnonymizer({ routes })
        // lower-cased static segment → how the table writes it
        const statics = new Map(shapes.flat().flatMap(s => ('text' in s ? [[s.text.toLowerCase(), s.text] as const] : [])))
        for (const input of urls) {
          // rank vector of each template's best matching alternative, as path-to-regexp sees matches
          const ranked = shapes.flatMap((segs, i) => {
            const vectors = alternatives(segs)
              .filter(alt => matches(writeAlternative(alt), input))
              .map(alt => alt.map(s => RANK[s.kind]))
              .sort(compare)
            expect(vectors.length > 0).toBe(matches(routes[i], input))
            return vectors.length ? [{ template: routes[i], vector: vectors[0] }] : []
          })
          const out = anonymize(input)
          if (!ranked.length) {
            const masked = '/' + input.split('/').filter(Boolean).map(s => statics.get(s.toLowerCase()) ?? '*').join('/')
            expect(out).toBe(masked)
            continue
          }
          ranked.sort((a, b) => compare(a.vector, b.vector))
          const best = ranked.filter(r => compare(r.vector, ranked[0].vector) === 0).map(r => r.template)
          expect(best).toContain(out)
        }
      }),
      { numRuns: 10_000 },
    )
  }, 60_000)

  it('the answer does not depend on the order of the routes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(templateShape, { minLength: 2, maxLength: 8, selector: write }), url, fc.func(fc.integer()), (shapes, input, key) => {
        const routes = shapes.map(write)
        const shuffled = [...routes].sort((a, b) => key(a) - key(b) || (a < b ? -1 : 1))
        expect(createAnonymizer({ routes: shuffled }).anonymize(input)).toBe(createAnonymizer({ routes }).anonymize(input))
      }),
      { numRuns: 2_000 },
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
      .tuple(fc.array(fc.oneof(mixedSegment, fc.constantFrom('x', ':c')), { minLength: 1, maxLength: 3 }), fc.option(wildcardSegment))
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
    fc.assert(
      fc.property(template, fc.array(input, { minLength: 1, maxLength: 8 }), (route, urls) => {
        const { anonymize } = createAnonymizer({ routes: [route], unmatched: 'drop' })
        const expected = match(route)
        for (const u of urls) expect([u, anonymize(u)]).toEqual([u, expected(u) ? route : null])
      }),
      { numRuns: 3_000 },
    )
  })
})
