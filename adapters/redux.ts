/**
 * `spa-telemetry/redux`: a Redux middleware that records action *types* on
 * the current page's route template, never payloads, meta or state.
 */
import type { Tracker } from 'spa-telemetry'

import { DEV, check, isTracker, readOptions } from './guards.js'

/** An `include` or `exclude` rule: an exact type, a pattern, or a test of the type. */
export type TypeMatcher = string | RegExp | ((type: string) => boolean)

export interface TelemetryMiddlewareOptions {
  /**
   * Record only the types that match. `x/pending` and `@@…` types are recorded only when named here as
   * strings; a type named here as a string is also sent when it does not follow the name grammar
   * (`users.list/loaded`), within the schema's limits.
   */
  include?: TypeMatcher | readonly TypeMatcher[]
  /** Never record the types that match. Checked before `include`. */
  exclude?: TypeMatcher | readonly TypeMatcher[]
  /** The name a type is recorded as, or `null` to skip it. */
  rename?: (type: string) => string | null
  /** The same name is recorded at most once per this many ms. Default `1000`; `0` records every one. */
  throttleMs?: number
}

/**
 * A standard Redux middleware (`api => next => action`), declared here so
 * that `redux` stays an optional peer dependency. `next` takes `never`: it
 * is whatever the store passes, `Dispatch<AnyAction>` in Redux 4,
 * `(action: unknown) => unknown` in Redux 5.
 */
export type TelemetryMiddleware = (api: unknown) => (next: (action: never) => unknown) => (action: unknown) => unknown

/** Longer types are skipped unread: the tracker's names are at most 64 characters. */
const MAX_TYPE = 64
/** Names the flood guard remembers; past this it starts afresh. */
const MAX_THROTTLED = 200
/** Async thunks' start (`tables/load/pending`) and library internals (`@@router/LOCATION_CHANGE`). */
const SKIPPED_BY_DEFAULT = /^@@|\/pending$/

/** Whether any rule matches the type. */
const matches = (rules: TypeMatcher | readonly TypeMatcher[], type: string): boolean =>
  // `search` ignores `lastIndex`: a /g pattern answers the same every time
  ([] as TypeMatcher[])
    .concat(rules)
    .some(rule =>
      rule instanceof RegExp ? type.search(rule) >= 0 : typeof rule === 'string' ? type === rule : rule(type),
    )

const isRule = (rule: unknown): boolean =>
  typeof rule === 'string' || typeof rule === 'function' || rule instanceof RegExp

/**
 * Creates a Redux middleware that records each dispatched action as
 * `{ type: 'action', name: action.type, path: <current route template> }`
 * and nothing else: never `payload`, `meta`, `error` or any state.
 *
 * A type is recorded when it is a string of at most 64 characters, is not
 * excluded, and is included (without `include`: is not an async thunk's
 * `x/pending` and does not start with `@@`, unless `include` names it as a
 * string); then `rename` may rename or skip
 * it, and the same name is recorded at most once per `throttleMs`.
 * The action reaches `next` first and its result is returned unchanged;
 * thunks, promises and other non-plain actions pass through untouched.
 * Bad options throw here (in development builds); afterwards it never throws.
 *
 * @example
 * ```ts
 * import { configureStore } from '@reduxjs/toolkit'
 * import { createTelemetryMiddleware } from 'spa-telemetry/redux'
 *
 * const store = configureStore({
 *   reducer,
 *   middleware: gdm => gdm().concat(createTelemetryMiddleware(tracker, { include: [/^tables\//] })),
 * })
 * store.dispatch(tables.actions.created({ name: 'customers' }))
 * // records { type: 'action', name: 'tables/created', path: '/nc/:project_id' }
 * ```
 */
export const createTelemetryMiddleware = (
  tracker: Tracker,
  options?: TelemetryMiddlewareOptions,
): TelemetryMiddleware => {
  const { fields, ok } = readOptions(options)
  const { include, exclude, rename } = fields
  const throttleMs: unknown = fields.throttleMs === undefined ? 1000 : fields.throttleMs
  // setup checks: development builds only
  if (DEV) {
    check(() => isTracker(tracker, 'action'), 'tracker', tracker, 'a tracker from createTracker()')
    check(ok, 'options', options, 'an object like { include: [/^tables\\//] }')
    for (const [name, rules] of Object.entries({ include, exclude })) {
      let list: unknown[] = []
      check(
        () => (list = ([] as unknown[]).concat(rules === undefined ? [] : rules)),
        name,
        rules,
        'a type, a RegExp or a function',
      )
      for (const rule of list) check(() => isRule(rule), name, rule, 'a type, a RegExp or a function')
    }
    check(rename === undefined || typeof rename === 'function', 'rename', rename, 'a function')
    check(
      typeof throttleMs === 'number' && throttleMs >= 0 && throttleMs < Infinity,
      'throttleMs',
      throttleMs,
      'milliseconds, 0 or more',
    )
  }
  /** When each name was last recorded (`performance.now()`: it never goes back). */
  const lastRecorded = new Map<string, number>()

  const record = (action: unknown): void => {
    // a plain object, from this realm or another: not a thunk, a promise, a class instance or a
    // primitive (`undefined` and `null` throw here, and are caught below)
    if (Object.getPrototypeOf(Object.getPrototypeOf(action) ?? Object.prototype) !== null) return
    const type = (action as { type?: unknown }).type
    if (typeof type !== 'string' || !type || type.length > MAX_TYPE) return
    if (exclude !== undefined && matches(exclude, type)) return
    if (include !== undefined && !matches(include, type)) return
    // a pattern like /^tables\// does not mean "and their pending too": only naming the type does
    const named = ([] as TypeMatcher[]).concat(include ?? []).includes(type)
    if (SKIPPED_BY_DEFAULT.test(type) && !named) return
    const name = rename ? rename(type) : type
    if (typeof name !== 'string') return
    const now = performance.now()
    if (now - (lastRecorded.get(name) ?? -Infinity) < (throttleMs as number)) return
    if (lastRecorded.size >= MAX_THROTTLED) lastRecorded.clear()
    lastRecorded.set(name, now)
    // a type the app names in `include` is one it vouches for: sent even if it does not follow the name grammar
    tracker.action(name, { verbatim: named })
  }

  return () => next => action => {
    const result = next(action as never)
    try {
      record(action)
    } catch {
      // a throwing rule, rename or tracker never reaches the app
    }
    return result
  }
}
