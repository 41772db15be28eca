/**
 * What every adapter needs to stay out of the app's way, in one place: the
 * development flag, setup errors in the core's words (`[spa-telemetry]
 * <option> is <value>: expected <what>`), a once-only deprecation warning,
 * and a wrapper that keeps a failing tracker or router from reaching the
 * app at run time.
 *
 * Adapters import the core only by its public name (`spa-telemetry`), and a
 * module shared with the core would become a chunk of the core's internals
 * that every adapter file imports: so `DEV`, `show`, `fail`, `check` and
 * `safely` here are copies of src/dev.ts and src/errors.ts, held to them
 * value for value by test/adapters/guards.test.ts. `check` also runs a test
 * it is given as a function, for options whose getters throw.
 */

/**
 * `true` in the development build (dist/dev/, and the sources under test),
 * `false` in the production build: the build replaces `process.env.NODE_ENV`,
 * and every `if (DEV)` branch is left out of dist/. The core's flag,
 * src/dev.ts, is this same line: the adapters reach the core only by its
 * public name, so they keep their own.
 */
export const DEV = process.env.NODE_ENV !== 'production'

/**
 * Shows a bad value in a setup error: strings quoted (and cut at 60
 * characters), functions, arrays and other objects by kind, never their
 * contents.
 *
 * @example
 * ```ts
 * show([1]) // 'an array'
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
 * fail('useTelemetry() found no tracker: install createTelemetryPlugin() first')
 * ```
 */
export const fail: (message: string) => never = message => {
  throw new Error('[spa-telemetry] ' + message)
}

/**
 * Fails with `<name> is <value>: expected <what>` unless `ok`. `ok` may be a
 * test, run here: a value whose getters throw fails the check instead of
 * throwing something else.
 *
 * @example
 * ```ts
 * check(() => typeof options.trackQueryChanges === 'boolean', 'trackQueryChanges', options.trackQueryChanges, 'true or false')
 * ```
 */
export const check = (ok: unknown, name: string, value: unknown, expected: string): void => {
  let passed = ok
  if (typeof ok === 'function') {
    try {
      passed = ok()
    } catch {
      passed = false
    }
  }
  if (!passed) fail(`${name} is ${show(value)}: expected ${expected}`)
}

/**
 * Whether `value` looks like a tracker from `createTracker()` (has these
 * methods); never throws.
 *
 * @example
 * ```ts
 * check(() => isTracker(tracker, 'page', 'addRoutes'), 'tracker', tracker, 'a tracker from createTracker()')
 * ```
 */
export const isTracker = (value: unknown, ...methods: string[]): boolean => {
  try {
    return (
      !!value &&
      typeof value === 'object' &&
      methods.every(method => typeof (value as Record<string, unknown>)[method] === 'function')
    )
  } catch {
    return false
  }
}

/**
 * Reads an options argument once, into a plain copy: `ok` is false (and
 * the copy empty) for options that are not an object, or whose getters
 * throw; `undefined` and `null` are no options. Never throws.
 *
 * @example
 * ```ts
 * const { fields, ok } = readOptions(options)
 * if (DEV) check(ok, 'options', options, 'an object like { trackQueryChanges: true }')
 * ```
 */
export const readOptions = <T extends object>(options: T | null | undefined): { fields: Partial<T>; ok: boolean } => {
  try {
    if (options == null) return { fields: {}, ok: true }
    if (typeof options === 'object' && !Array.isArray(options)) return { fields: { ...options }, ok: true }
  } catch {
    // a getter threw: as if none were given
  }
  return { fields: {}, ok: false }
}

/** The deprecations already warned about: each once per page. */
const warned = new Set<string>()

/**
 * In development builds, warns once that `old` is deprecated and says what
 * to write instead; production builds say nothing.
 *
 * @example
 * ```ts
 * deprecated('trackHistory(tracker, { hash })', 'trackHistory(tracker, window): the tracker's own hash option decides')
 * ```
 */
export const deprecated = (old: string, instead: string): void => {
  if (DEV && !warned.has(old)) {
    warned.add(old)
    console.warn(`[spa-telemetry] ${old} is deprecated and goes in the next minor version: ${instead}`)
  }
}

/**
 * Runs a setup step whose errors are the core's, and returns its result: in
 * development builds a `[spa-telemetry]` error (bad tracker options, a
 * template the anonymizer refuses) fails fast; anything else (a broken
 * tracker, junk in a production build) stays here, and `otherwise` is
 * returned.
 *
 * @example
 * ```ts
 * atSetup(() => tracker.addRoutes(['/nc/:project_id']))
 * ```
 */
export function atSetup<T>(action: () => T, otherwise: T): T
export function atSetup(action: () => unknown): void
export function atSetup<T>(action: () => T, otherwise?: T): T | undefined {
  try {
    return action()
  } catch (error) {
    if (DEV && ours(error)) throw error
    return otherwise
  }
}

/** Whether an error is a setup error of the core's (`[spa-telemetry] …`); never throws. */
const ours = (error: unknown): boolean => {
  try {
    return error instanceof Error && error.message.startsWith('[spa-telemetry] ')
  } catch {
    return false
  }
}

/**
 * Runs `action`; whatever it throws stays here (after setup nothing throws
 * into the app), and `report`, if given, hears that it failed, never what
 * was thrown.
 *
 * @example
 * ```ts
 * router.afterEach(to => safely(() => tracker.page(to.fullPath)))
 * ```
 */
export const safely = (action: () => unknown, report?: () => void): void => {
  try {
    action()
  } catch {
    report?.()
  }
}
