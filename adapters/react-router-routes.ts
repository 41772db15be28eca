/**
 * React Router path syntax → path-to-regexp 8 templates, for the anonymizer.
 * React Router (6.4+ and 7) knows `:name` parameters at the start of a
 * segment, optional segments (`:name?`, `static?`) and a trailing `*` splat;
 * every other character is text, escaped where path-to-regexp reads it as
 * syntax.
 */

/**
 * Tried in this order at each place: a trailing splat; an optional segment
 * (its text converted in turn); a colon that starts no parameter; a
 * character path-to-regexp reserves (a `*` or `?` here is text).
 */
const TOKEN = /(\/?\*$)|\/([^/]+)\?(?=\/|$)|(?<!\/):|[{}()[\]+!*?\\]/g

/**
 * The path-to-regexp template of a React Router path, parents' paths joined:
 * `:id` stays `:id`, `:tab?` → `{/:tab}`, `edit?` → `{/edit}`, a trailing
 * `*` → `{/*splat}` (it matches the bare prefix too). A parameter name
 * path-to-regexp reads differently (`:project-id` is `:project` and the
 * text `-id`) is left as written: the tracker sends the template as
 * written, and the router's own match decides; a route whose template it
 * refuses (`:1st`) is reported as the masked path, never as another route.
 *
 * @example
 * ```ts
 * toTemplate('/projects/:id/tables/:tab?') // '/projects/:id/tables{/:tab}'
 * toTemplate('/docs/*')                    // '/docs{/*splat}'
 * toTemplate('/:lang?/about')              // '{/:lang}/about'
 * ```
 */
export const toTemplate = (path: string): string =>
  path.replace(TOKEN, (token: string, splat?: string, optional?: string) =>
    splat ? '{/*splat}' : optional ? `{${toTemplate('/' + optional)}}` : '\\' + token,
  ) || '/'
