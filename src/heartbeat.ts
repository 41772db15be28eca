import type { SafeStorage } from './storage.js'

/** The timer checks at least this often, so a long interval still starts on time after the page was hidden. */
const MAX_TICK_MS = 60_000

export interface HeartbeatOptions {
  /** At most one heartbeat per this many ms, across the origin's tabs; `0` or `undefined`: none. */
  intervalMs: number | undefined
  /** Where the time of the origin's last heartbeat is shared between tabs. */
  storage: SafeStorage
  key: string
  /** Whether events may be recorded now (consent). */
  allowed(): boolean
  /** Records one heartbeat event. */
  record(): void
  /** Runs the timer's callback so that nothing it throws reaches the app. */
  guard(beat: () => void): () => void
}

export interface Heartbeat {
  /** Records a heartbeat if the page is visible, consent allows it and none was recorded within the interval. */
  beat(): void
  /** Starts the timer (once) and beats now. */
  start(): void
  /** Stops the timer. */
  stop(): void
  /** Stops the timer and forgets the shared time (an opt-out). */
  clear(): void
}

/**
 * The heartbeat: "this app is open", at most once per interval across the
 * origin's tabs, and only while the page is visible. A clock that jumped
 * backwards does not silence it.
 *
 * @example
 * ```ts
 * const heartbeat = createHeartbeat({ intervalMs: 300_000, storage, key: 'spa-telemetry:console:heartbeat',
 *   allowed: () => consent.allowed(), record: () => record({ type: 'heartbeat' }), guard: beat => beat })
 * heartbeat.start()
 * ```
 */
export const createHeartbeat = (options: HeartbeatOptions): Heartbeat => {
  const { intervalMs, storage, key, allowed, record, guard } = options
  let timer: ReturnType<typeof setInterval> | undefined
  /** this tab's last heartbeat (storage may be unavailable) */
  let last = 0

  const beat = (): void => {
    if (!intervalMs || document.visibilityState === 'hidden' || !allowed()) return
    const now = Date.now()
    const before = Math.max(last, +(storage.get(key) || 0))
    if (now - before >= intervalMs || now < before) {
      last = now
      storage.set(key, String(now))
      record()
    }
  }
  const stop = (): void => {
    clearInterval(timer)
    timer = undefined
  }

  return {
    beat,
    start: () => {
      if (intervalMs && timer === undefined) timer = setInterval(guard(beat), Math.min(intervalMs, MAX_TICK_MS))
      beat()
    },
    stop,
    clear: () => {
      stop()
      storage.remove(key)
    },
  }
}
