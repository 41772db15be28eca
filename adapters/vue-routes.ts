/**
 * vue-router path syntax → path-to-regexp 8 templates, for the anonymizer.
 * Custom regexps are dropped (the router has already decided the match);
 * a parameter that can span several segments becomes a wildcard, one that
 * can be empty an optional group.
 */

/**
 * What needs rewriting in a vue-router path, read as vue-router's tokenizer
 * reads it: an escaped character; a parameter `:name(regexp)modifier` with
 * the slash before it (inside a regexp only `\)` is special); or a character
 * path-to-regexp reads as syntax but vue-router as text.
 */
const TOKEN = /\\(.)|(\/?):(\w*)(?:\(((?:\\.|[^\\)])*)\))?([?+*]?)|[{}()[\]+?!*]/gs

/** Whether a custom regexp matches all of `text`, as vue-router compiles it. */
const matches = (regexp: string, text: string): boolean => {
  try {
    return RegExp(`^(?:${regexp})$`, 'i').test(text)
  } catch {
    return false
  }
}

/** The template of a path; `narrow`: a parameter that may span segments stays in its segment unless alone there. */
const convert = (path: string, narrow: boolean): string =>
  path.replace(
    TOKEN,
    (token: string, escaped?: string, slash?: string, name?: string, regexp = '', modifier?: string, at = 0) => {
      if (escaped !== undefined) return /[{}()[\]+?!:*\\]/.test(escaped) ? '\\' + escaped : escaped
      if (name === undefined) return '\\' + token
      // a parameter with no name is dropped, as vue-router drops it
      if (!name) return slash!
      const next = path[at + token.length]
      // path-to-regexp reads a name on while it may go on, and never from a digit: those are quoted
      const written = /^\d/.test(name) || /^[$\p{ID_Continue}]/u.test(next ?? '') ? JSON.stringify(name) : name
      const alone = slash && (next === undefined || next === '/')
      // repeatable, or a regexp that crosses a "/": a wildcard; one that may be empty: optional
      const spans =
        (modifier === '+' || modifier === '*' || (regexp !== '' && matches(regexp, 'a/b'))) && !(narrow && !alone)
      const optional = modifier === '?' || modifier === '*' || (regexp !== '' && matches(regexp, ''))
      const param = (spans ? '*' : ':') + written
      // a parameter alone in its segment takes its slash into the optional group; one with text, not
      if (alone) return optional ? `{/${param}}` : '/' + param
      return slash + (optional ? `{${param}}` : param)
    },
  ) || '/'

/**
 * The path-to-regexp template of a vue-router path: `:id(\\d+)` → `:id`,
 * `:id?` → `{/:id}`, `:chapters+` → `*chapters`, `:chapters*` →
 * `{/*chapters}`, `/:pathMatch(.*)*` → `{/*pathMatch}`, and Nuxt's `:id()`
 * (an empty regexp: the default one) → `:id`. A parameter that shares its
 * segment with text keeps its meaning: `-:v?` → `-{:v}`, `/:a+-static` →
 * `/*a-static`, `/a-:w(.*)` → `/a-{*w}`. Text that path-to-regexp reads as
 * syntax is escaped.
 *
 * @example
 * ```ts
 * toTemplate('/users/:id(\\d+)/posts/:slug?') // '/users/:id/posts{/:slug}'
 * toTemplate('/:pathMatch(.*)*')              // '{/*pathMatch}'
 * toTemplate('/projects/:id()')               // '/projects/:id' (pages/projects/[id].vue)
 * toTemplate('/a/_:b+-other')                 // '/a/_*b-other'
 * ```
 */
export const toTemplate = (path: string): string => convert(path, false)

/**
 * The template to report for a route whose own template the anonymizer
 * refuses because a parameter that may span segments shares its segment
 * with another parameter (`/:a-:b(.*)` → `/:a-{*b}`, which path-to-regexp
 * matching cannot split): the same path with such a parameter kept to its
 * segment (`/:a-{:b}`). The router's own match decides which route a page
 * is, so the page is reported as this route, never as another of the table.
 *
 * @example
 * ```ts
 * toNarrowTemplate('/:a-:b(.*)') // '/:a-{:b}'
 * ```
 */
export const toNarrowTemplate = (path: string): string => convert(path, true)
