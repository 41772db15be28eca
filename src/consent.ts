import type { SafeStorage } from './storage.js'

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
  /** The user's explicit choice, stored so it survives reloads. */
  choose(choice: 'in' | 'out'): void
  /** Why tracking is off, in words, or `''` when it is on. */
  reason(): string
}

/** Whether the browser sends Do Not Track or Global Privacy Control. */
export const privacySignal = (): string => {
  const nav = typeof navigator === 'object' ? (navigator as Navigator & { globalPrivacyControl?: boolean }) : undefined
  if (!nav) return ''
  if (nav.globalPrivacyControl === true) return 'Global Privacy Control'
  return nav.doNotTrack === '1' || (window as { doNotTrack?: string }).doNotTrack === '1' ? 'Do Not Track' : ''
}

/**
 * Consent: the stored choice, the app's `enabled` switch and the browser's
 * privacy signals, checked on every call.
 *
 * @example
 * ```ts
 * const consent = createConsent({ mode: 'opt-in', enabled: true, respectPrivacySignals: true, storage, key: 'c', report })
 * consent.allowed() // false until consent.choose('in')
 * ```
 */
export const createConsent = (options: ConsentOptions): Consent => {
  const { mode, enabled, respectPrivacySignals, storage, key, report } = options
  const stored = storage.get(key)
  let choice = stored === 'in' || stored === 'out' ? stored : undefined

  const reason = (): string => {
    if (choice === 'out') return 'the user opted out'
    if (mode === 'opt-in' && choice !== 'in') return 'waiting for opt-in'
    let on: unknown = enabled
    if (typeof enabled === 'function') {
      try {
        on = enabled()
      } catch (error) {
        report(`enabled() threw ${(error as Error)?.name}: tracking stays off`)
        on = false
      }
    }
    if (on !== true) return 'disabled by the app'
    const signal = respectPrivacySignals && privacySignal()
    return signal ? `the browser sends ${signal}` : ''
  }

  return {
    allowed: () => !reason(),
    choose: value => {
      choice = value
      storage.set(key, value)
    },
    reason,
  }
}
