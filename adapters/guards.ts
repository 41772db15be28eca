/**
 * What every adapter needs to stay out of the app's way: setup errors in the
 * core's words (`[spa-telemetry] <option> is <value>: expected <what>`), and
 * a wrapper that keeps a failing tracker from reaching the app at run time.
 */

const show = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'function'
      ? 'a function'
      : value && typeof value === 'object'
        ? 'an object'
        : String(value)

/**
 * Throws the setup error unless `ok`.
 *
 * @example
 * ```ts
 * check(typeof hash === 'boolean', 'hash', hash, 'true or false')
 * ```
 */
export const check = (ok: unknown, name: string, value: unknown, expected: string): void => {
  if (!ok) throw new Error(`[spa-telemetry] ${name} is ${show(value)}: expected ${expected}`)
}

/**
 * Runs `action`; whatever it throws stays here.
 *
 * @example
 * ```ts
 * router.afterEach(to => safely(() => tracker.page(to.fullPath)))
 * ```
 */
export const safely = (action: () => void): void => {
  try {
    action()
  } catch {
    // a failing tracker never reaches the app
  }
}
