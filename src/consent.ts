import { DEV } from './dev.js'
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
  /** Whether events may be recorded, stored and sent right now (no storage read: called for every event). */
  allowed(): boolean
  /**
   * The user's explicit choice, stored so that it survives reloads and reaches the origin's other
   * tabs, and read back. When storage refuses it, it holds in this tab's memory; an opt-out is then
   * written again by every `refresh()`. Whether storage holds it.
   */
  choose(choice: 'in' | 'out'): boolean
  /**
   * Reads the stored choice and the browser's privacy signals again (another tab may have chosen, a
   * signal may have been switched on), and writes back an opt-out that storage lost (cleared) or
   * refused; `true` when tracking turned off.
   */
  refresh(): boolean
  /** Why tracking is off, or `''` when it is on. */
  reason(): Exclude<TrackerStatus, 'on' | 'inactive'> | ''
  /** The choice this tab holds (made here or in another tab), and whether storage holds it too. */
  choice(): [choice: 'in' | 'out' | undefined, stored: boolean]
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
 * call) and the browser's privacy signals (read at start and again by
 * every `refresh()`, before each request: a user may switch one on while
 * the page runs). An opt-out holds in every tab that knows it, whatever
 * happens to storage: refused (full), it holds in memory and is written
 * again; cleared, it is written back. An opt-in is never written back: a
 * cleared storage withdraws it for the next load.
 *
 * @example
 * ```ts
 * const consent = createConsent({ mode: 'opt-in', enabled: true, respectPrivacySignals: true, storage, key: 'c', report })
 * consent.allowed() // false until consent.choose('in')
 * ```
 */
export const createConsent = (options: ConsentOptions): Consent => {
  const { mode, enabled, respectPrivacySignals, storage, key, report } = options
  const readSignal = (): ReturnType<typeof privacySignal> => (respectPrivacySignals && privacySignal()) || ''
  let signal = readSignal()
  let choice: 'in' | 'out' | undefined
  /** storage refused the choice when it was last written (debug output reports each change of this) */
  let refused = false

  /** Writes the choice and reads it back; whether it held. */
  const save = (): boolean => {
    const held = storage.set(key, choice!) && storage.get(key) === choice
    // a refused opt-out must not leave an earlier "in" behind for the next load
    if (!held && choice === 'out') storage.remove(key)
    if (DEV && refused === held) {
      report(
        held
          ? `the choice "${choice}" is stored now`
          : `storage refused the choice "${choice}" (full or blocked): it holds in this tab only` +
              (choice === 'out' ? ', and is written again before every request and when storage changes' : ''),
      )
    }
    refused = !held
    return held
  }

  /** Tracking is off by the user's choice or a signal: what is queued and stored is to be forgotten. */
  const blocked = (): boolean => choice === 'out' || !!signal

  const refresh = (): boolean => {
    const was = blocked()
    signal = readSignal()
    const stored = storage.get(key)
    // a choice stored since (here or in another tab): a refused opt-out removed any older one
    if (stored === 'in' || stored === 'out') {
      choice = stored
      refused = false
    }
    // an opt-out storage lost (cleared) or refused: written (back)
    else if (choice === 'out') save()
    return blocked() && !was
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
        if (DEV) report('enabled() threw: tracking stays off')
        on = false
      }
    }
    return on !== true ? 'disabled' : signal || ''
  }

  return {
    allowed: () => !reason(),
    choose: value => {
      choice = value
      refused = false
      return save()
    },
    refresh,
    reason,
    choice: () => [choice, !!choice && storage.get(key) === choice],
  }
}
