/**
 * The template compiler against path-to-regexp's own `parse`, its plain
 * fast path against the general one, and its rank keys against vue-router's
 * ranking.
 */
import fc from 'fast-check'
import { parse } from 'path-to-regexp'
import { describe, expect, it } from 'vitest'

import { compile, compileTokens, syntaxError, tokenize } from '../src/compile.js'
import { comparePaths } from './helpers/vue-ranking.js'

const tokensOf = (template: string): unknown => {
  try {
    return parse(template).tokens
  } catch {
    return 'error'
  }
}
const tokenizeOrError = (template: string): unknown => {
  try {
    return tokenize(template)
  } catch {
    return 'error'
  }
}

describe('tokenize', () => {
  it('reads every string as path-to-regexp parse reads it: the same tokens, or an error for both', () => {
    const char = fc.constantFrom(
      '/',
      'a',
      'b',
      ':',
      '*',
      '{',
      '}',
      '\\',
      '"',
      '(',
      ')',
      '?',
      '+',
      '!',
      '[',
      ']',
      '-',
      '.',
      '$',
      '_',
      '1',
      'é',
      '\u200c',
      ' ',
      '😀',
    )
    fc.assert(
      fc.property(
        fc.array(char, { maxLength: 16 }).map(chars => chars.join('')),
        template => {
          expect(tokenizeOrError(template)).toEqual(tokensOf(template))
        },
      ),
      { numRuns: 20_000 },
    )
  })

  it.each(['/a/:b', '/:"quoted \\" name"/x', '/a\\:b/\\{c\\}', '/x{/:y{/:z}}', '/:ñame/*rest', '/{}'])(
    '%j',
    template => {
      expect(tokenize(template)).toEqual(parse(template).tokens)
    },
  )
})

describe('compile', () => {
  it('reads a plain template straight from its text as it reads it from its tokens', () => {
    const piece = fc.constantFrom('a', 'nc', 'Table', 'x-y.z', ':id', ':p_2', '*rest', '', 'é')
    const group = fc.constantFrom('', '{/:tab}', '{/*all}')
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 5 }), group, (pieces, end) => {
        const template = '/' + pieces.join('/') + end
        expect(compile(template)).toEqual(compileTokens(template))
      }),
      { numRuns: 5_000 },
    )
  })

  it('orders rank keys as vue-router ranks the same paths', () => {
    /** a segment as a path-to-regexp template writes it, and its vue-router scores */
    const segment = fc.constantFrom<[string, number[]]>(
      ['/a', [80]],
      ['/:p', [60]],
      ['{/:p}', [52]],
      ['/*w', [40]],
      ['/:a.:b', [60, 80, 60]],
      ['/a-:b', [80, 60]],
      ['/:n-{:v}', [60, 80, 52]],
      ['/a-{*w}', [80, 20]],
      ['/*a-x', [40, 80]],
    )
    const path = fc
      .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([segments, splat]) => (splat ? [...segments, ['{/*all}', [-8]] as [string, number[]]] : segments))
    const template = (segments: [string, number[]][]): string =>
      segments.map(([text], i) => text.replace(/([:*])(\w)/g, `$1$2${i}`)).join('')
    fc.assert(
      fc.property(path, path, (a, b) => {
        const vue = Math.sign(
          comparePaths(
            a.map(([, s]) => s),
            b.map(([, s]) => s),
          ),
        )
        const [ka, kb] = [compile(template(a)).key, compile(template(b)).key]
        expect(Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0)).toBe(vue)
      }),
      { numRuns: 5_000 },
    )
  })
})

describe('syntaxError', () => {
  /** parse's message, as development builds give it: no path, no link, lower case first. */
  const parseMessage = (template: string): string | undefined => {
    try {
      parse(template)
      return undefined
    } catch (error) {
      const reason = (error as Error).message.replace(
        `: ${template}; visit https://git.new/pathToRegexpError for info`,
        '',
      )
      return reason[0].toLowerCase() + reason.slice(1)
    }
  }

  it('says what path-to-regexp parse says, for every string it refuses', () => {
    const char = fc.constantFrom(
      '/',
      'a',
      ':',
      '*',
      '{',
      '}',
      '\\',
      '"',
      '(',
      ')',
      '?',
      '+',
      '!',
      '[',
      ']',
      '-',
      '1',
      'é',
      '😀',
      '$',
    )
    fc.assert(
      fc.property(
        fc.array(char, { maxLength: 14 }).map(chars => chars.join('')),
        template => {
          const expected = parseMessage(template)
          if (expected !== undefined) expect([template, syntaxError(template)]).toEqual([template, expected])
        },
      ),
      { numRuns: 20_000 },
    )
  })
})
