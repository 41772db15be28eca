/**
 * The collector's setup checks (and the dashboard's and the Vite plugin's),
 * over the core's error module, src/errors.ts: the same words as
 * `createTracker`, `[spa-telemetry] <option> is <value>: expected <what>`, and
 * a bad value shown by kind, never by its contents (an options object may
 * hold a key).
 */
import { check } from '../src/errors.js'

/**
 * The error `check` throws, as a value: `throw setupError(…)`.
 *
 * @example
 * ```ts
 * if (!Array.isArray(origins)) throw setupError('origins', origins, "an array of origins, or '*'")
 * ```
 */
export const setupError = (option: string, value: unknown, expected: string): Error => {
  try {
    check(false, option, value, expected)
  } catch (error) {
    return error as Error
  }
}

/**
 * `value` if it is a number from `min` to `max` (whole if `whole`), else a setup error.
 *
 * @example
 * ```ts
 * const port = checkNumber('port', options.port, 0, 65535, true)
 * ```
 */
export const checkNumber = (option: string, value: unknown, min: number, max: number, whole: boolean): number => {
  const ok = typeof value === 'number' && value >= min && value <= max && (!whole || Number.isInteger(value))
  check(
    ok,
    option,
    value,
    `${whole ? 'a whole number' : 'a number'} from ${min} to ${max === Infinity ? 'Infinity' : max}`,
  )
  return value as number
}

/**
 * `value` if it is a non-empty string, else a setup error.
 *
 * @example
 * ```ts
 * const dir = checkString('dir', options.dir, 'a directory path')
 * ```
 */
export const checkString = (option: string, value: unknown, expected: string): string => {
  check(typeof value === 'string' && value, option, value, expected)
  return value
}
