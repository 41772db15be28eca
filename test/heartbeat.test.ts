/**
 * The heartbeat alone (src/heartbeat.ts): a storage of its own, a clock the
 * test moves, a recorder. The tracker's use of it: test/tracker.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { createHeartbeat } from '../src/heartbeat.js'
import type { HeartbeatOptions } from '../src/heartbeat.js'
import type { SafeStorage } from '../src/storage.js'

const HOUR = 3_600_000

/** Storage shared by the "tabs" of a test, as localStorage is by an origin's tabs. */
const memoryStorage = (): SafeStorage & { data: Map<string, string> } => {
  const data = new Map<string, string>()
  return {
    data,
    get: key => data.get(key) ?? null,
    set: (key, value) => (data.set(key, value), true),
    remove: key => void data.delete(key),
  }
}

const heartbeat = (options: Partial<HeartbeatOptions> & { storage: SafeStorage }) => {
  let beats = 0
  const beat = createHeartbeat({
    intervalMs: HOUR,
    key: 'beat',
    allowed: () => true,
    record: () => beats++,
    guard: run => run,
    ...options,
  })
  return { beat, beats: () => beats }
}

const visibility = (state: 'hidden' | 'visible'): void => {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true })
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 30, 12) })
  visibility('visible')
})
afterEach(() => {
  vi.useRealTimers()
  visibility('visible')
})

describe('createHeartbeat', () => {
  it('beats on start, then once per interval, across the tabs that share storage', () => {
    const storage = memoryStorage()
    const a = heartbeat({ storage })
    const b = heartbeat({ storage })
    a.beat.start()
    b.beat.start()
    expect(a.beats() + b.beats()).toBe(1)
    vi.advanceTimersByTime(HOUR - 60_000)
    expect(a.beats() + b.beats()).toBe(1)
    vi.advanceTimersByTime(60_000)
    expect(a.beats() + b.beats()).toBe(2)
    expect(storage.data.get('beat')).toBe(String(Date.now()))
    a.beat.stop()
    b.beat.stop()
  })

  it('does not beat while the page is hidden, nor without consent', () => {
    let allowed = false
    const hidden = heartbeat({ storage: memoryStorage(), allowed: () => allowed })
    hidden.beat.start()
    expect(hidden.beats()).toBe(0)
    allowed = true
    visibility('hidden')
    vi.advanceTimersByTime(3 * HOUR)
    expect(hidden.beats()).toBe(0)
    visibility('visible')
    hidden.beat.beat()
    expect(hidden.beats()).toBe(1)
    hidden.beat.stop()
  })

  it('a clock that jumped backwards does not silence it', () => {
    const storage = memoryStorage()
    storage.set('beat', String(Date.now() + 10 * HOUR))
    const tab = heartbeat({ storage })
    tab.beat.beat()
    expect(tab.beats()).toBe(1)
  })

  it('without storage, it still beats once per interval in this tab', () => {
    const broken: SafeStorage = { get: () => null, set: () => false, remove: () => {} }
    const tab = heartbeat({ storage: broken })
    tab.beat.start()
    tab.beat.beat()
    expect(tab.beats()).toBe(1)
    vi.advanceTimersByTime(HOUR)
    expect(tab.beats()).toBe(2)
    tab.beat.stop()
  })

  it('none without an interval; start twice arms one timer; clear stops it and forgets the shared time', () => {
    const storage = memoryStorage()
    const none = heartbeat({ storage, intervalMs: undefined })
    none.beat.start()
    expect(none.beats()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)

    const tab = heartbeat({ storage })
    tab.beat.start()
    tab.beat.start()
    expect(vi.getTimerCount()).toBe(1)
    tab.beat.clear()
    expect(vi.getTimerCount()).toBe(0)
    expect(storage.data.has('beat')).toBe(false)
  })

  it('checks at least once a minute, so a long interval is kept to the minute after the page was hidden', () => {
    const tab = heartbeat({ storage: memoryStorage(), intervalMs: 6 * HOUR })
    tab.beat.start()
    visibility('hidden')
    vi.advanceTimersByTime(6 * HOUR)
    visibility('visible')
    vi.advanceTimersByTime(60_000)
    expect(tab.beats()).toBe(2)
    tab.beat.stop()
  })
})
