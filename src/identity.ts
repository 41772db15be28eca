import { newId } from './id.js'

import type { SafeStorage } from './storage.js'

/** A session ends after this long without events. */
export const SESSION_IDLE_MS = 30 * 60 * 1000

export interface Identity {
  /** The install (or tab session) id, created on first use; none for `'none'`. */
  anonymousId(): string | undefined
  /** The session id, rotated after 30 minutes idle; none for `'none'`. */
  sessionId(now: number): string | undefined
  /** Forgets both ids, in memory and in storage. */
  clear(): void
}

/**
 * Random ids only: a nanoid install id (localStorage, like NocoDB's machine
 * id) or tab-session id (sessionStorage), and a session id. Never derived
 * from the user, the device or the browser.
 *
 * @example
 * ```ts
 * const identity = createIdentity('persistent', local, session, 'spa-telemetry:console:')
 * identity.anonymousId() // 'V1StGXR8_Z5jdHi6B-myT', the same after a reload
 * ```
 */
export const createIdentity = (
  mode: 'persistent' | 'session' | 'none',
  local: SafeStorage,
  session: SafeStorage,
  prefix: string,
): Identity => {
  const idKey = prefix + 'id'
  const sessionKey = prefix + 'session'
  const store = mode === 'persistent' ? local : session
  const valid = (id: string | null | undefined): id is string => !!id && /^[\w-]{21}$/.test(id)
  let anonymous: string | undefined
  let current: [id: string, seen: number] | undefined

  return {
    anonymousId: () => {
      if (mode === 'none') return undefined
      if (!anonymous) {
        const stored = store.get(idKey)
        anonymous = valid(stored) ? stored : newId()
        if (stored !== anonymous) store.set(idKey, anonymous)
      }
      return anonymous
    },
    sessionId: now => {
      if (mode === 'none') return undefined
      if (!current) {
        const [id, seen] = (session.get(sessionKey) || '').split(' ')
        if (valid(id)) current = [id, +seen || 0]
      }
      // a clock that jumped backwards counts as activity, not as a new session
      if (!current || now - current[1] > SESSION_IDLE_MS) current = [newId(), now]
      current[1] = now
      session.set(sessionKey, current.join(' '))
      return current[0]
    },
    clear: () => {
      anonymous = current = undefined
      local.remove(idKey)
      session.remove(idKey)
      session.remove(sessionKey)
    },
  }
}
