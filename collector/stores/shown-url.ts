/**
 * URLs in messages: a store's URL may hold a password (ClickHouse) or a key
 * given in the wrong place (Segment, RudderStack, PostHog), and a message is
 * printed. When the URL parser reads a string otherwise than its writer meant
 * (no scheme, an unencoded `/`, `?` or `#` in a password), its host and path
 * hold the credentials: those strings are shown from their last `@` on.
 */

/**
 * Whether `url`, parsed from `text`, holds every credential `text` has where a
 * message can leave it out: `text` has no `@`, or the parser found a host and
 * took a user or password.
 *
 * @example parsedWhole('http://u:p@h/db', new URL('http://u:p@h/db')) // true; 'u:p@h' parses as scheme "u:", no host: false
 */
export const parsedWhole = (text: string, url: URL): boolean =>
  !text.includes('@') || (url.host !== '' && (url.username !== '' || url.password !== ''))

/**
 * A URL's text without what may be credentials: its scheme (if written with
 * `//`), then what follows its last `@` (marked `…@`), without query or
 * fragment. For text that does not parse, or that {@link parsedWhole} refuses.
 *
 * @example withoutCredentials('http://writer:s3/cret@localhost:8123/analytics?x=1') // 'http://…@localhost:8123/analytics'
 */
export const withoutCredentials = (text: string): string => {
  const scheme = /^[a-z][a-z\d+.-]*:\/\//i.exec(text)?.[0] ?? ''
  const rest = text.slice(scheme.length)
  const at = rest.lastIndexOf('@')
  return `${scheme}${at < 0 ? '' : '…@'}${(at < 0 ? rest : rest.slice(at + 1)).split(/[?#]/)[0]}`
}
