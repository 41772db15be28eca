import type { SafeStorage } from './storage.js'
import type { TrackerStatus } from './types.js'

export interface ConsentOptions {
  mode: 'opt-out' | 'opt-in'
  enabled: boolean | (() => boolean)
  respectPrivacySignals: boolean
  storage: SafeStorage
  key: string
  report: (reason: string) => void
}

export interface Consent {
  /** Whether events may be recorded, stored and sent right now. */
  allowed(): boolean
  /** The user's explicit choice, stored so that it survives reloads and reaches the origin's other tabs. */
  choose(choice: 'in' | 'out'): void
  /** Reads the stored choice again (another tab may have made one); `true` when it turned to "out". */
  refresh(): boolean
  /** Why tracking is off, or `''` when it is on. */
  reason(): Exclude<TrackerStatus, 'on' | 'inactive'> | ''
}

/** Whether the browser sends Global Privacy Control or Do Not Track. */
export const privacySignal = (): 'do-not-track' | 'global-privacy-control' | '' => {
  const nav = typeof navigator === 'object' ? (navigator as Navigator & { globalPrivacyControl?: boolean }) : undefined
  if (!nav) return ''
  if (nav.globalPrivacyControl === true) return 'global-privacy-control'
  return nav.doNotTrack === '1' || (globalThis as { doNotTrack?: string }).doNotTrack === '1' ? 'do-not-track' : ''
}

/**
 * Consent: the stored choice, the app's `enabled` switch (checked on every
 * call) and the browser's privacy signals (read once: they do not change
 * while a page lives).
 *
 * @example
 * ```ts
 * const consent = createConsent({ mode: 'opt-in', enabled: true, respectPrivacySignals: true, storage, key: 'c', report })
 * consent.allowed() // false until consent.choose('in')
 * ```
 */
export const createConsent = (options: ConsentOptions): Consent => {
  const { mode, enabled, respectPrivacySignals, storage, key, report } = options
  // the browser's signals do not change while a page lives: read once
  const signal = respectPrivacySignals && privacySignal()
  let choice: string | null | undefined

  const refresh = (): boolean => {
    const was = choice
    const stored = storage.get(key)
    // a tab keeps its "out" even if storage is cleared: only a new "in" undoes it
    if (stored === 'in' || stored === 'out') choice = stored
    return choice === 'out' && was !== 'out'
  }
  refresh()

  const reason = (): ReturnType<Consent['reason']> => {
    if (choice === 'out') return 'opted-out'
    if (mode === 'opt-in' && choice !== 'in') return 'awaiting-consent'
    let on: unknown = enabled
    if (typeof enabled === 'function') {
      try {
        on = enabled()
      } catch {
        if (process.env.NODE_ENV !== 'production') report('enabled() threw: tracking stays off')
        on = false
      }
    }
    return on !== true ? 'disabled' : signal || ''
  }

  return {
    allowed: () => !reason(),
    choose: value => {
      choice = value
      storage.set(key, value)
    },
    refresh,
    reason,
  }
}
