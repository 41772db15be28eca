/**
 * The one error module: setup errors in one wording, `[spa-telemetry]
 * <option> is <value>: expected <what>`, for the core, the collector, the
 * dashboard and the Vite plugin (server code imports it from here). The
 * adapters reach the core only by its public name, so adapters/guards.ts
 * keeps a copy of `show`, `fail` and `check`, held to these value for value
 * by test/adapters/guards.test.ts.
 */

/**
 * Shows a bad value in a setup error: strings quoted (and cut at 60
 * characters), functions, arrays and other objects by kind, never their
 * contents (an options object may hold a key).
 *
 * @example
 * ```ts
 * show('telemetry') // '"telemetry"'
 * show({ writeKey: 'k' }) // 'an object'
 * ```
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
 * Throws the error every misconfiguration ends in: `[spa-telemetry] <message>`.
 *
 * @example
 * ```ts
 * fail(`unknown option ${show(key)}: expected one of endpoint, app, routes, …`)
 * ```
 */
export const fail: (message: string) => never = message => {
  throw new Error('[spa-telemetry] ' + message)
}

/**
 * Fails with `<name> is <value>: expected <what>` unless `ok`; afterwards
 * TypeScript knows `ok` holds, as after `if (!ok) throw …`.
 *
 * @example
 * ```ts
 * check(typeof hash === 'boolean', 'hash', hash, 'true or false')
 * ```
 */
export const check: (ok: unknown, name: string, value: unknown, expected: string) => asserts ok = (
  ok,
  name,
  value,
  expected,
) => {
  if (!ok) fail(`${name} is ${show(value)}: expected ${expected}`)
}

/**
 * Runs `action`; whatever it throws stays here (after setup nothing throws
 * into the app), and `report`, if given, hears that it failed, never what
 * was thrown.
 *
 * @example
 * ```ts
 * let failures = 0
 * setTimeout(() => safely(() => flush('scheduled'), () => failures++), delay)
 * ```
 */
export const safely = (action: () => unknown, report?: () => void): void => {
  try {
    action()
  } catch {
    report?.()
  }
}
