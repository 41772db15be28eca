/**
 * vue-router path syntax → path-to-regexp templates, for the anonymizer.
 * Custom regexps are dropped (the router already decided the match), and
 * what vue-router spreads over several segments becomes a wildcard.
 */

interface Param {
  name: string
  regexp: string
  modifier: '' | '?' | '+' | '*'
}
type Part = string | Param

/** A regexp that may match a `/` (vue-router's `(.*)` catch-all) makes a parameter span segments. */
const SPANS_SEGMENTS = /\.[*+]|\[\^\]|\\\//

const escapeText = (text: string): string => text.replace(/[{}()[\]+?!:*\\]/g, '\\$&')
const writeName = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name))

/** Splits a vue-router path into segments of text and parameters, as vue-router's tokenizer does. */
const tokenize = (path: string): Part[][] => {
  const segments: Part[][] = []
  let parts: Part[] = []
  let text = ''
  const endText = (): void => {
    if (text) parts.push(text)
    text = ''
  }
  for (let i = 0; i < path.length; i++) {
    const char = path[i]
    if (char === '\\') text += path[++i] ?? ''
    else if (char === '/') {
      endText()
      if (parts.length) segments.push(parts)
      parts = []
    } else if (char === ':') {
      endText()
      let name = ''
      while (i + 1 < path.length && /[\w]/.test(path[i + 1])) name += path[++i]
      if (!name) throw Error(`a parameter with no name at ${i}`)
      let regexp = ''
      if (path[i + 1] === '(') {
        let depth = 0
        for (i++; i < path.length; i++) {
          const c = path[i]
          if (c === '\\') {
            regexp += c + (path[++i] ?? '')
            continue
          }
          depth += c === '(' ? 1 : c === ')' ? -1 : 0
          if (!depth) break
          if (c !== '(' || depth > 1) regexp += c
        }
        if (depth) throw Error('an unclosed "("')
      }
      const modifier = '?+*'.includes(path[i + 1] ?? '-') ? (path[++i] as Param['modifier']) : ''
      parts.push({ name, regexp, modifier })
    } else text += char
  }
  endText()
  if (parts.length) segments.push(parts)
  return segments
}

/**
 * The path-to-regexp template of a vue-router path: `:id(\\d+)` → `:id`,
 * `:id?` → `{/:id}`, `:chapters+` → `*chapters`, `:chapters*` and
 * `:pathMatch(.*)*` → `{/*chapters}`; Nuxt's `:id()` → `:id`. Throws on a
 * path vue-router itself would refuse.
 *
 * @example
 * ```ts
 * toTemplate('/users/:id(\\d+)/posts/:slug?') // '/users/:id/posts{/:slug}'
 * toTemplate('/:pathMatch(.*)*')              // '{/*pathMatch}'
 * ```
 */
export const toTemplate = (path: string): string => {
  let template = ''
  for (const parts of tokenize(path)) {
    const [only] = parts
    if (parts.length === 1 && typeof only === 'object') {
      const { name, regexp, modifier } = only
      const spans = modifier === '+' || modifier === '*' || SPANS_SEGMENTS.test(regexp)
      const optional = modifier === '?' || modifier === '*' || (SPANS_SEGMENTS.test(regexp) && /\.\*/.test(regexp))
      const written = (spans ? '/*' : '/:') + writeName(name)
      template += optional ? `{${written}}` : written
    } else {
      template +=
        '/' +
        parts
          .map(part => (typeof part === 'string' ? escapeText(part) : part.modifier === '?' || part.modifier === '*' ? `{:${writeName(part.name)}}` : ':' + writeName(part.name)))
          .join('')
    }
  }
  return template || '/'
}
