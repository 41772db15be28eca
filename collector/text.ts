/**
 * Strings a store can keep: Unicode text. JSON can escape half a surrogate
 * pair (`"\ud800"`); JavaScript and the ndjson store take it, ClickHouse
 * refuses the whole insert that holds it, so the collector refuses it at the door.
 */

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (UTF-16 code units). */
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * The JSON pointer of the first string (or key) in `value` holding a lone
 * surrogate, or `undefined`. For values already checked against the schema
 * (their depth is bounded).
 *
 * @example
 * ```ts
 * loneSurrogate({ events: [{ path: '/x\ud800' }] }) // '/events/0/path'
 * ```
 */
export const loneSurrogate = (value: unknown, at = ''): string | undefined => {
  if (typeof value === 'string') return LONE.test(value) ? at || '/' : undefined
  if (typeof value !== 'object' || value === null) return undefined
  for (const key of Object.keys(value)) {
    if (LONE.test(key)) return at || '/'
    const found = loneSurrogate((value as Record<string, unknown>)[key], `${at}/${key}`)
    if (found !== undefined) return found
  }
  return undefined
}
