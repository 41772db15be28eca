import { DEV } from './dev.js'

/** Web Storage that never throws: missing, blocked (private mode) and full storage all degrade. */
export interface SafeStorage {
  get(key: string): string | null
  /** `false` when the value could not be written (quota, blocked). */
  set(key: string, value: string): boolean
  remove(key: string): void
}

/**
 * Opens `localStorage` or `sessionStorage` lazily; every failure goes to
 * `report` (in fixed words: nothing of what was thrown) instead of the app.
 *
 * @example
 * ```ts
 * const local = openStorage('localStorage', reason => console.info(reason))
 * local.set('k', 'v') // false in private mode, never throws
 * ```
 */
export const openStorage = (kind: 'localStorage' | 'sessionStorage', report: (reason: string) => void): SafeStorage => {
  const run = <T>(fallback: T, action: (storage: Storage) => T): T => {
    try {
      return action(window[kind])
    } catch {
      if (DEV) report(`${kind} failed (blocked, full or missing)`)
      return fallback
    }
  }
  return {
    get: key => run(null, storage => storage.getItem(key)),
    set: (key, value) => run(false, storage => (storage.setItem(key, value), true)),
    remove: key => run(undefined, storage => storage.removeItem(key)),
  }
}
