import { DEV } from './dev.js'
import { isName, isPropKey } from './grammar.js'
import type { PropValue } from './types.js'

/** The name grammar lives in grammar.ts, shared with the collector. */
export { fitsSchema, isName } from './grammar.js'

export const MAX_PROPS = 20
export const MAX_STRING = 200

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
    if (!isPropKey(key)) return DEV ? 'a prop name is not a short identifier, or looks like data' : ''
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
