/**
 * Refusals: the status and reason a client gets, and the same reason with
 * nothing of the request in it, for logs (`onRefused`, the command's `--verbose`).
 */

/**
 * A refused request. `reason` names no content of the request (safe to log);
 * `detail`, for the client only, may (the origin, the content type, the
 * validator's full sentence).
 */
export class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
    readonly detail?: string,
  ) {}
}

/** The keys of schema/v1.json: the only words of a JSON pointer a log line keeps. */
const KEYS = new Set([
  'schema',
  'sentAt',
  'library',
  'app',
  'name',
  'version',
  'env',
  'instanceId',
  'anonymousId',
  'sessionId',
  'events',
  'dropped',
  'type',
  'id',
  'ts',
  'path',
  'from',
  'referrer',
  'props',
])

/**
 * A reason with nothing of the request left in it, for a log line. Reasons put
 * request content in double quotes or parentheses (`origin "…" is not allowed`,
 * `additional properties (userEmail)`): everything from the first quote or
 * parenthesis on is cut. JSON pointers keep only indexes and the schema's own
 * keys (`/events/0/props/*`); a word that looks like data (`@`, `?`, `=`, `#`,
 * `%`, `&`, `://`) becomes `*`; what is left is printable ASCII, at most 160
 * characters.
 *
 * @example
 * ```ts
 * contentFree('body does not match schema/v1.json: /events/0/props/alice must be string')
 * // 'body does not match schema/v1.json: /events/0/props/* must be string'
 * ```
 */
export const contentFree = (reason: string): string => {
  const cut = reason.search(/["(]/)
  return (cut < 0 ? reason : reason.slice(0, cut))
    .split(/\s+/)
    .map(word => {
      if (word.startsWith('/'))
        return word.replace(/[^/]+/g, segment => (/^\d+$/.test(segment) || KEYS.has(segment) ? segment : '*'))
      return /[@?=#%&]|:\/\//.test(word) ? '*' : word // unquoted data, against a reason that breaks the rule
    })
    .join(' ')
    .replace(/[^\x20-\x7e]+/g, '')
    .replace(/[\s:,;]+$/, '')
    .slice(0, 160)
    .trim()
}
