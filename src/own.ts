/**
 * A copy of an object's own properties, with no prototype: an option read
 * from it can only be one the app set, never one a polluted
 * `Object.prototype` supplies (`Object.prototype.transport = 'beacon'`
 * must not send the page's URL and cookies; `respectPrivacySignals = false`
 * must not silence Do Not Track).
 *
 * @example
 * ```ts
 * const { transport = 'fetch' } = own(options)
 * ```
 */
export const own = <T extends object>(value: T | undefined): T => Object.assign(Object.create(null), value)
