/** Setup checks: misconfiguration fails at once, naming the option, the value and what was expected. */

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * The error for a bad option: `[spa-telemetry] <option> is <value>: expected <what>`.
 * @example throw setupError('port', -1, 'a whole number from 0 to 65535')
 */
export const setupError = (option: string, value: unknown, expected: string): Error =>
  new Error(`[spa-telemetry] ${option} is ${show(value)}: expected ${expected}`)

/**
 * `value` if it is a number from `min` to `max` (whole if `whole`), else a setup error.
 * @example const port = checkNumber('port', options.port, 0, 65535, true)
 */
export const checkNumber = (option: string, value: unknown, min: number, max: number, whole: boolean): number => {
  if (typeof value !== 'number' || !(value >= min && value <= max) || (whole && !Number.isInteger(value))) {
    throw setupError(option, value, `${whole ? 'a whole number' : 'a number'} from ${min} to ${max === Infinity ? 'Infinity' : max}`)
  }
  return value
}

/**
 * `value` if it is a non-empty string, else a setup error.
 * @example const dir = checkString('dir', options.dir, 'a directory path')
 */
export const checkString = (option: string, value: unknown, expected: string): string => {
  if (typeof value !== 'string' || !value) throw setupError(option, value, expected)
  return value
}
