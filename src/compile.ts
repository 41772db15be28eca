/**
 * Route templates (path-to-regexp 8/9 syntax) to what the trie stores: the
 * tokens, the segments of every path a template stands for (optional groups
 * in or out), and a rank key that orders templates the way vue-router 4
 * ranks its paths. Read by a tokenizer of its own that reads every input as
 * path-to-regexp's `parse` does (a property test holds them together, and
 * `syntaxError` words its errors as `parse` does): path-to-regexp is not
 * needed at run time. Most templates are plain (`/a/:b/*c`, perhaps one
 * `{/:d}` last) and are read straight from their text, which a page pays
 * at start-up: about 1,000 templates in a few ms.
 */
import { DEV } from './dev.js'

/** A token, as path-to-regexp's `parse` returns them. */
export type Token =
  { type: 'text'; value: string } | { type: 'param' | 'wildcard'; name: string } | { type: 'group'; tokens: Token[] }

/** A segment part: text, a parameter (0) or a wildcard (1). */
export type Part = string | 0 | 1

/** A path segment: text, a lone parameter (0) or wildcard (1), or the parts of a segment that mixes them. */
export type Segment = Part | Part[]

/** A template, compiled: the segments of each path it stands for, and its rank key. */
export interface Compiled {
  paths: Segment[][]
  key: string
}

/**
 * One token of a template: a run of text (escapes included: `\\:`); `:name`,
 * `*name` or a quoted `:"name"` (a missing name is an error); or a brace.
 * Anything else (`()[]+?!`, a trailing `\\`) matches nothing: an error.
 */
const TOKEN =
  /((?:[^\\:*{}()[\]+?!]|\\[^])+)|([:*])(?:([$_\p{ID_Start}][$\u200c\u200d\p{ID_Continue}]*)|"((?:\\[^]|[^"\\])*)")?|([{}])/uy

/** Text with its escapes read: `\\:` is a `:`. */
const unescape = (text: string): string => text.replace(/\\([^])/gu, '$1')

/**
 * The tokens of a template, as path-to-regexp's `parse` reads it. Throws an
 * Error with no message on syntax errors (development builds ask `parse`
 * for its words).
 *
 * @example
 * ```ts
 * tokenize('/docs{/:page}') // [{ type: 'text', value: '/docs' }, { type: 'group', tokens: [...] }]
 * ```
 */
export const tokenize = (template: string): Token[] => {
  const stack: Token[][] = [[]]
  let list = stack[0]
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < template.length) {
    const m = TOKEN.exec(template)
    if (!m) throw Error()
    const [, text, kind, plain, quoted, brace] = m
    const name = plain ?? (quoted && unescape(quoted))
    if (text) list.push({ type: 'text', value: unescape(text) })
    else if (kind) {
      if (!name) throw Error()
      list.push({ type: kind === ':' ? 'param' : 'wildcard', name })
    } else if (brace === '{') {
      const group: Token = { type: 'group', tokens: [] }
      list.push(group)
      stack.push((list = group.tokens))
    } else if (stack.length > 1) {
      stack.pop()
      list = stack[stack.length - 1]
    } else throw Error()
  }
  if (stack.length > 1) throw Error()
  return stack[0]
}

/**
 * Why a template is not path-to-regexp syntax, in the words of its `parse`
 * ("missing parameter name at index 8"), for development builds' messages:
 * the same checks, in the same order, as `parse` makes them.
 *
 * @example
 * ```ts
 * syntaxError('/users/:') // 'missing parameter name at index 8'
 * ```
 */
export const syntaxError = (template: string): string => {
  const chars = [...template]
  let index = 0
  /** Reads up to `end` ("}" in a group); the error, or "" */
  const read = (end: string): string => {
    while (index < chars.length) {
      const char = chars[index++]
      if (char === end) return ''
      if (char === '\\') {
        if (index++ === chars.length) return `unexpected end after \\ at index ${index - 1}`
      } else if (char === ':' || char === '*') {
        let name = ''
        if (/^[$_\p{ID_Start}]$/u.test(chars[index]))
          while (/^[$\u200c\u200d\p{ID_Continue}]$/u.test(chars[index]) || !name) name += chars[index++]
        else if (chars[index] === '"') {
          const quote = index
          for (;;) {
            if (++index >= chars.length) return `unterminated quote at index ${quote}`
            if (chars[index] === '"') break
            if (chars[index] === '\\') index++
            name += chars[index] ?? ''
          }
          index++
        }
        if (!name) return `missing parameter name at index ${index}`
      } else if (char === '{') {
        const error = read('}')
        if (error) return error
      } else if ('}()[]+?!'.includes(char)) return `unexpected ${char} at index ${index - 1}`
    }
    return end && `unexpected end at index ${index}, expected ${end}`
  }
  return read('') || 'unexpected syntax'
}

/** Every flat token sequence a template stands for, each optional group in or out (all in first), each token with whether it is in a group. */
const expand = (tokens: readonly Token[], optional: boolean): [Token, boolean][][] => {
  let alternatives: [Token, boolean][][] = [[]]
  for (const token of tokens) {
    if (token.type === 'group') {
      const inner = expand(token.tokens, true)
      alternatives = alternatives.flatMap(a => [...inner.map(i => a.concat(i)), a])
      if (alternatives.length > 256) {
        throw Error(DEV ? 'more than 256 combinations of optional groups' : '')
      }
    } else for (const a of alternatives) a.push([token, optional])
  }
  return alternatives
}

/**
 * Splits a flat token sequence into path segments, as path-to-regexp reads
 * them; with `scores`, writes there vue-router's score of each part (see
 * `keyOf`): text 80, `:param` 60, `*wildcard` 40; in a group 72, 52, 20.
 */
const toSegments = (flat: readonly [Token, boolean][], scores?: number[][]): Segment[] => {
  const segments: Part[][] = []
  let text = true
  const add = (part: Part, score: number): void => {
    const parts = segments[segments.length - 1]
    if (!parts) throw Error(DEV ? 'it must start with "/"' : '')
    const last = parts.length - 1
    if (typeof part === 'string' && typeof parts[last] === 'string') parts[last] += part
    else {
      parts.push(part)
      scores?.[scores.length - 1].push(score)
    }
  }
  for (const [token, optional] of flat) {
    if (token.type === 'text') {
      token.value.split('/').forEach((piece, i) => {
        if (i) {
          segments.push([])
          scores?.push([])
        }
        if (piece) add(piece, optional ? 72 : 80)
      })
      text = true
    } else if (token.type !== 'group') {
      if (!text) throw Error(DEV ? `missing text before "${token.name}"` : '')
      add(token.type === 'param' ? 0 : 1, token.type === 'param' ? (optional ? 52 : 60) : optional ? 20 : 40)
      text = false
    }
  }
  return segments
    .filter(parts => parts.length)
    .map(parts => {
      // a wildcard's span is found from the text around it: no parameter, no second wildcard
      if (parts.includes(1) && parts.filter(p => typeof p !== 'string').length > 1) {
        throw Error(DEV ? 'a wildcard can only share its segment with text' : '')
      }
      return parts.length > 1 ? parts : parts[0]
    })
}

/**
 * A string whose order is vue-router 4's ranking of paths
 * (`comparePathParserScore`), from the scores of a template's segments:
 * per segment, text scores 80, `:param` 60, `*wildcard` 40 (a repeatable
 * `:param+`); inside an optional group 72, 52, and for a wildcard 20
 * (`:param(.*)`), or -8 alone in its segment (the catch-all
 * `:pathMatch(.*)*`). Segments compare score by score, a lone text segment
 * first, then the longer one; paths compare segment by segment, then the
 * longer one, but a path ending in a negative score after the one a
 * segment shorter. So each score is a character (higher first, negative
 * ones after a path's end), a lone text segment "d", a segment's end
 * "\xfa", the path's end "\xd2".
 */
const keyOf = (scores: readonly number[][]): string => {
  const codes: number[] = []
  for (const s of scores) {
    if (s.length === 1 && s[0] === 80) codes.push(100)
    else if (s.length)
      codes.push(...(s.length === 1 && s[0] === 20 ? [-8] : s).map(score => (score < 0 ? 220 : 200) - score), 250)
  }
  return String.fromCharCode(...(codes.length ? codes : [100]), 210)
}

/**
 * A template of plain segments (text, `:name`, `*name`), perhaps ending in
 * one optional `{/:name}` or `{/*name}`: most route tables are all such, and
 * need no tokens.
 */
const PLAIN = /^(?:\/(?:[^\\:*{}()[\]+?!/]+|[:*][$_a-zA-Z][$\w]*)?)*(\{\/([:*])[$_a-zA-Z][$\w]*\})?$/

/** Compiles a template from its tokens: any template path-to-regexp reads. */
export const compileTokens = (template: string): Compiled => {
  const scores: number[][] = []
  const paths = expand(tokenize(template), false).map((flat, i) => toSegments(flat, i ? undefined : scores))
  return { paths, key: keyOf(scores) }
}

/**
 * Compiles a template: the segments of every path it stands for (each
 * optional group in or out) and its rank key. A plain template is read
 * straight from its text, others from their tokens. Throws an Error whose
 * message says why (none for syntax errors, and none in production builds).
 *
 * @example
 * ```ts
 * compile('/files/:name.:ext').paths // [['files', [0, '.', 0]]]
 * compile('/docs{/:page}').paths     // [['docs', 0], ['docs']]
 * ```
 */
export const compile = (template: string): Compiled => {
  const plain = template && PLAIN.exec(template)
  if (!plain) {
    if (!/^\{?\//.test(template)) throw Error(DEV ? 'it must start with "/"' : '')
    return compileTokens(template)
  }
  const [, group, optional] = plain
  const path: Segment[] = []
  // the rank key's characters, as keyOf writes them: a lone text "d", :param 60 and *wildcard 40 each with a segment's end
  const codes: number[] = []
  for (const piece of (group ? template.slice(0, -group.length) : template).split('/')) {
    if (!piece) continue
    // -1 for text, 0 for a parameter, 1 for a wildcard
    const kind = ':*'.indexOf(piece[0])
    path.push(kind < 0 ? piece : (kind as 0 | 1))
    if (kind < 0) codes.push(100)
    else codes.push(kind ? 160 : 140, 250)
  }
  // in a group: :param 52, a lone *wildcard -8
  if (group) codes.push(optional === ':' ? 148 : 228, 250)
  else if (!codes.length) codes.push(100)
  codes.push(210)
  const key = String.fromCharCode.apply(null, codes)
  return { paths: group ? [[...path, optional === ':' ? 0 : 1], path] : [path], key }
}
