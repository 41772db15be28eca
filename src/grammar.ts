/**
 * What a name and a path may hold, in the browser and at the collector
 * alike: the tracker drops what these predicates refuse before it queues
 * anything, and the collector (collector/validate.ts) refuses with a 400
 * what they refuse, so the two sides cannot drift apart. Pure predicates,
 * no messages: this module is on the privacy path and ships in every build.
 * The rules and their reasons: docs/privacy.md, "Names" and "Paths".
 */

/** The name syntax: identifier segments (a letter, `_` or `$`, then letters, digits, `_`, `$` or `-`) joined by `/` or `:`. */
const NAME = /^[A-Za-z_$][\w$-]*(?:[/:][A-Za-z_$][\w$-]*)*$/
/** schema/v1.json's `name`: what action types the app vouches for must still fit. */
const SCHEMA_NAME = /^[A-Za-z_$][\w$ .:/-]{0,63}$/
/** A prop name: an identifier, dots and dashes allowed. */
const PROP_KEY = /^[A-Za-z_$][\w$.-]{0,63}$/
/** Printable ASCII; and a space or an `@`, which make decoded bytes surely text. */
const PRINTABLE = /^[ -~]*$/
const SPACE_OR_AT = /[ @]/

/** The longest path, `from` or referrer an event may carry (schema/v1.json). */
export const MAX_PATH = 512

/**
 * A path segment's characters: letters of any script, ASCII digits, and
 * `_ - . ~ $ : * { } [ ] < > ( ) \` (templates as written, every
 * placeholder style); a query key or value: a word of ASCII letters,
 * digits, `_ - . ~` (no escapes: no space, no "@", nothing encoded).
 */
const SEGMENT = '[\\p{L}\\p{M}\\w.~$:*{}[\\]<>()\\\\-]+'
const WORD = '[\\w.~-]+'
/** The path syntax: "/", or "/"-joined segments (perhaps a trailing "/"), then perhaps `?key=value&…` with each value a word, empty or `*`. */
export const PATH_SYNTAX = `(?:\\{?(?:/${SEGMENT})+/?|/)(?:\\?${WORD}=(?:${WORD}|\\*)?(?:&${WORD}=(?:${WORD}|\\*)?)*)?`
/** A referrer's host name: lower-case labels joined by dots (`external` is one). */
export const HOST_SYNTAX = '[a-z\\d-]+(?:\\.[a-z\\d-]+)*'
const PATH = /* @__PURE__ */ new RegExp(`^${PATH_SYNTAX}$`, 'u')
const HOST = /* @__PURE__ */ new RegExp(`^${HOST_SYNTAX}$`)
const QUERY_WORD = /* @__PURE__ */ new RegExp(`^${WORD}$`)
/** Names and paths that passed (they repeat: templates, an app's event names), the first 512 of each. */
const names = new Set<string>()
const paths = new Set<string>()
/** Remembers what passed, up to 512 (never cleared: a flood of new names costs a lookup, not a rebuilt set). */
const remember = (set: Set<string>, text: string): true => {
  if (set.size < 512) set.add(text)
  return true
}

const isLower = (c: number): boolean => c > 96 && c < 123

/** Whether a run of letters and digits (`text` from `start` to `end`, in `words` camelCase words) is a token rather than a word: random, or base64 of text. */
const isToken = (text: string, start: number, end: number, words: number): boolean => {
  const length = end - start
  if (length < 8) return false
  const mean = length / words
  // random letters and digits: many short "words" (YWxp…, 9vmnBluWGs8P); identifiers average 4 and more
  if (length > 11 && mean < 2.2) return true
  // base64 of text: every 4 characters start with one of I-Z a-f (else a byte is not printable), and the bytes are printable
  for (let i = start; i < end - 3; i += 4) {
    const c = text.charCodeAt(i)
    if (c < 73 || (c > 90 && c < 97) || c > 102) return false
  }
  const decoded = atob(text.slice(start, start + (length & ~3)))
  return PRINTABLE.test(decoded) && (mean < 3 || length > 15 || SPACE_OR_AT.test(decoded))
}

/**
 * Whether text looks like data rather than a name: a number (5 digits in a
 * row, 6 digits in all, or 3 separate numbers: cards, phones, dates, IPs,
 * ids), a run of 8 hex digits with a digit (uuids, hashes), 4 groups of 1 to
 * 4 hex digits in a row with a digit (IPv6, MAC), or a token of 8 letters
 * and digits or more that is random or base64 of text (JWTs, an encoded
 * email or name).
 *
 * @example
 * ```ts
 * looksLikeData('tel_555_867_5309')         // true: 3 numbers
 * looksLikeData('YWxpY2VAY29ycC5leGFtcGxl') // true: base64 of an email
 * looksLikeData('oauth2/callback')          // false
 * ```
 */
export const looksLikeData = (text: string): boolean => {
  let digits = 0
  let numbers = 0
  let inRow = 0
  let hex = 0
  let hexDigit = false
  let start = 0
  let words = 0
  let groups = 0
  let groupDigit = false
  // the previous character's kind: 0 other, 1 digit, 2 lower case, 3 upper case
  let last = 0
  for (let i = 0; i <= text.length; i++) {
    const c = text.charCodeAt(i)
    const kind = c > 47 && c < 58 ? 1 : c > 96 && c < 123 ? 2 : c > 64 && c < 91 ? 3 : 0
    if (!kind && last) {
      // a run of letters and digits ends: a token, or the 4th group of 1 to 4 hex digits in a row (IPv6, MAC)
      if (isToken(text, start, i, words)) return true
      if (i - start < 5 && hex === i - start) {
        groupDigit ||= hexDigit
        if (++groups > 3 && groupDigit) return true
      } else {
        groups = 0
        groupDigit = false
      }
    }
    if (kind === 1) {
      if (++inRow > 4) return true
      digits++
      if (last !== 1) numbers++
    } else inRow = 0
    if (kind === 1 || (kind && (c | 32) < 103)) {
      hexDigit ||= kind === 1
      if (++hex > 7 && hexDigit) return true
    } else {
      hex = 0
      hexDigit = false
    }
    if (kind) {
      // a new camelCase word: the run starts, digits start or end, lower→Upper, or the last capital of an acronym (HTTPServer)
      if (!last) {
        start = i
        words = 1
      } else if (
        (kind === 1) !== (last === 1) ||
        (kind === 3 && (last === 2 || (last === 3 && isLower(text.charCodeAt(i + 1)))))
      )
        words++
    }
    last = kind
  }
  return digits > 5 || numbers > 2
}

/**
 * Whether `name` follows the name grammar (identifier segments joined by `/`
 * or `:`, at most 64 characters) and does not look like data: event names,
 * page names, action types and error names.
 *
 * @example
 * ```ts
 * isName('tables/create/fulfilled')  // true
 * isName('card_4111_1111_1111_1111') // false: numbers split by separators
 * ```
 */
export const isName = (name: unknown): name is string =>
  names.has(name as string) ||
  (typeof name === 'string' && name.length <= 64 && NAME.test(name) && !looksLikeData(name) && remember(names, name))

/**
 * Whether `name` fits the schema's looser `name` pattern (for types the app vouches for).
 *
 * @example
 * ```ts
 * fitsSchema('@@router/LOCATION_CHANGE') // false, fitsSchema('users.list/loaded') // true
 * ```
 */
export const fitsSchema = (name: unknown): name is string => typeof name === 'string' && SCHEMA_NAME.test(name)

/**
 * Whether `type` may be sent as an action's name: a name, or a type the
 * app vouches for that fits the schema, neither looking like data.
 *
 * @example
 * ```ts
 * isActionType('users.list/loaded') // true, isActionType('users/4111-1111/loaded') // false
 * ```
 */
export const isActionType = (type: unknown): type is string => fitsSchema(type) && !looksLikeData(type)

/**
 * Whether `key` may name a prop: an identifier (dots and dashes allowed), never `__proto__`, not data.
 *
 * @example
 * ```ts
 * isPropKey('rows') // true, isPropKey('user_123456') // false
 * ```
 */
export const isPropKey = (key: string): boolean => key !== '__proto__' && PROP_KEY.test(key) && !looksLikeData(key)

/**
 * Whether an encoded query key or value is a word (`grid`, `name-asc`)
 * that does not look like data: what `keepQuery` may keep.
 *
 * @example
 * ```ts
 * isQueryWord('grid') // true, isQueryWord('alice%40corp.example') // false
 * ```
 */
export const isQueryWord = (text: string): boolean => QUERY_WORD.test(text) && !looksLikeData(text)

/**
 * Whether `path` is one the tracker could have sent as a `path` or `from`:
 * a template or a masked path, in the path syntax (no origin, no
 * credentials, no `#`, no `@`, query values words or `*`), at most 512
 * characters, no segment, query key or value looking like data, nor its
 * short segments of hex digits taken together (`/tel/555/867/5309`).
 *
 * @example
 * ```ts
 * isPath('/nc/:project_id?tab=*')           // true
 * isPath('/users/alice@corp.example')       // false: "@"
 * isPath('https://app.example/nc/p1#row-3') // false: an origin and a #fragment
 * ```
 */
export const isPath = (path: unknown): path is string =>
  paths.has(path as string) ||
  (typeof path === 'string' &&
    path.length <= MAX_PATH &&
    PATH.test(path) &&
    // each segment, query key and value; then the short segments of hex digits, taken together ("/555,/867,/5309")
    !path.split(/[/?&=]/).some(looksLikeData) &&
    !looksLikeData(String(path.split('?')[0].match(/\/[\da-f]{1,4}(?![^/])/gi))) &&
    remember(paths, path))

/**
 * Whether `host` may be sent as a referrer: a host name that does not look like data (no IP address).
 *
 * @example
 * ```ts
 * isHost('github.com') // true, isHost('192.168.10.20') // false
 * ```
 */
export const isHost = (host: unknown): host is string =>
  typeof host === 'string' && host.length <= MAX_PATH && HOST.test(host) && !looksLikeData(host)

/**
 * Whether `referrer` is one the tracker could have sent: `external`, a host name, or a path.
 *
 * @example
 * ```ts
 * isReferrer('external') // true
 * isReferrer('https://alice:hunter2@intranet.example/?emp=12') // false
 * ```
 */
export const isReferrer = (referrer: unknown): referrer is string => isHost(referrer) || isPath(referrer)
