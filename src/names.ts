import type { PropValue } from './types.js'

/** Development builds say why props are refused; production builds only that they are (`''`). */
const DEV = process.env.NODE_ENV !== 'production'

/**
 * The name grammar, for event names, page names, action types and error
 * names alike: identifier segments (a letter, `_` or `$`, then letters,
 * digits, `_`, `$` or `-`) joined by `/` or `:`, at most 64 characters.
 * `table_created`, `tables/create/fulfilled`, `table:create`, `ModifyTable/RESET`.
 */
const GRAMMAR = /^[A-Za-z_$][\w$-]*(?:[/:][A-Za-z_$][\w$-]*)*$/
/** What looks like data rather than a name: a run of 5 digits, or of 8 hex digits with a digit in it (ids, uuids, hashes). */
const DATA = /\d{5}|(?=[a-f]*\d)[\da-f]{8}/i
/** schema/v1.json's `name`: what a collector accepts, and what `verbatim` types must still fit. */
const SCHEMA_NAME = /^[A-Za-z_$][\w$ .:/-]{0,63}$/
/** A prop name: an identifier, dots and dashes allowed, never `__proto__`. */
const PROP_KEY = /^[A-Za-z_$][\w$.-]{0,63}$/

export const MAX_PROPS = 20
export const MAX_STRING = 200

/**
 * Whether `name` follows the name grammar and does not look like data.
 *
 * @example
 * ```ts
 * isName('tables/create/fulfilled') // true
 * isName('users/alice.smith/loaded') // false: "." is not in the grammar
 * isName('projects/3f2a9c1d-…/opened') // false: looks like an id
 * ```
 */
export const isName = (name: unknown): name is string =>
  typeof name === 'string' && name.length <= 64 && GRAMMAR.test(name) && !DATA.test(name)

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
 * `props` with primitive values and capped strings, or why they can't be
 * sent (`''` in production builds).
 *
 * @example
 * ```ts
 * cleanProps({ kind: 'grid', rows: 3 }) // { kind: 'grid', rows: 3 }
 * cleanProps({ user: {} })              // 'prop "user" is not a string, a finite number or a boolean'
 * ```
 */
export const cleanProps = (props: unknown): Record<string, PropValue> | string => {
  if (!props || typeof props !== 'object' || Array.isArray(props)) return DEV ? 'props is not a plain object' : ''
  const clean: Record<string, PropValue> = {}
  let count = 0
  // own enumerable keys, as Object.keys lists them, without the array it would allocate per call
  for (const key in props) {
    if (!Object.hasOwn(props, key)) continue
    if (++count > MAX_PROPS) return DEV ? `props has more than ${MAX_PROPS} keys` : ''
    const value = (props as Record<string, unknown>)[key]
    if (key === '__proto__' || !PROP_KEY.test(key) || DATA.test(key)) return DEV ? 'a prop name is not a short identifier' : ''
    if (typeof value === 'string') clean[key] = value.slice(0, MAX_STRING)
    else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) clean[key] = value
    else return DEV ? `prop "${key}" is not a string, a finite number or a boolean` : ''
  }
  return clean
}

/**
 * The name of an error's class, read from its prototype chain (an own
 * `constructor` or `name` is data), never its message or stack; `'Error'`
 * when that name does not follow the grammar.
 *
 * @example
 * ```ts
 * errorName(new TypeError('alice@example.com')) // 'TypeError'
 * errorName(Object.assign(new Error(), { constructor: { name: 'alice' } })) // 'Error'
 * ```
 */
export const errorName = (error: unknown): string => {
  const own = Object.getOwnPropertyDescriptor
  const prototype = error instanceof Error ? Object.getPrototypeOf(error) : undefined
  const type = prototype && own(prototype, 'constructor')?.value
  const name = typeof type === 'function' ? own(type, 'name')?.value : undefined
  return isName(name) ? name : 'Error'
}
