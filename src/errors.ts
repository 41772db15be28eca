/**
 * Shows a bad value in a setup error: strings quoted, objects by kind.
 */
export const show = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)
    : typeof value === 'function'
      ? 'a function'
      : value && typeof value === 'object'
        ? Array.isArray(value)
          ? 'an array'
          : 'an object'
        : String(value)

/**
 * Throws the setup error every misconfiguration ends in:
 * `[spa-telemetry] <option> is <value>: expected <what>`.
 */
export const fail = (message: string): never => {
  throw new Error('[spa-telemetry] ' + message)
}

/**
 * Fails with `name is value: expected …` unless `ok`.
 */
export const check = (ok: unknown, name: string, value: unknown, expected: string): void => {
  if (!ok) fail(`${name} is ${show(value)}: expected ${expected}`)
}
