import type { SafeStorage } from './storage.js'
import type { TelemetryEvent } from './types.js'

export interface QueueOptions {
  /** Most events kept in memory. */
  maxEvents: number
  /** Most bytes (UTF-8, serialized) kept in memory. */
  maxBytes: number
  /** Where unsent events are kept across loads; none when persistence is off. */
  storage?: SafeStorage
  key: string
  /** Most bytes written to storage. */
  maxStoredBytes: number
  /** Stored events older than this are dropped. */
  ttlMs: number
  /** Whether a stored event is one this tracker could have produced. */
  isValid: (event: TelemetryEvent) => boolean
  report: (reason: string) => void
}

export interface Queue {
  /** Adds an event; the oldest make room when a cap is reached (counted in `dropped`). */
  push(event: TelemetryEvent): void
  /** Puts events back at the front (a send that failed). */
  putBack(events: TelemetryEvent[]): void
  /** Removes and returns the oldest events that fit in `maxBytes` (at least one). */
  take(maxBytes: number): TelemetryEvent[]
  size(): number
  /** Events lost to caps, bad input, TTL or failed sends since the last delivered payload. */
  dropped: number
  /** Empties the queue and the storage. */
  clear(): void
  /** Mirrors what is unsent (queued, and `inFlight`) to storage; `true` if anything is stored. */
  save(inFlight: TelemetryEvent[]): boolean
  /** Takes the stored events of earlier loads into the queue. */
  load(now: number): void
}

/** Serialized size in UTF-8 bytes, at most 3 per UTF-16 unit. */
export const byteSize = (text: string): number => {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) bytes += 2
  return bytes
}

const sizes = new WeakMap<TelemetryEvent, number>()
const sizeOf = (event: TelemetryEvent): number => {
  let size = sizes.get(event)
  if (size === undefined) sizes.set(event, (size = byteSize(JSON.stringify(event)) + 1))
  return size
}

/**
 * A bounded queue of anonymized events, optionally kept in storage with a
 * TTL and a byte cap. Stored data that is corrupt, foreign or expired is
 * dropped, never sent.
 *
 * @example
 * ```ts
 * const queue = createQueue({ maxEvents: 1000, maxBytes: 128 * 1024, storage, key: 'q',
 *   maxStoredBytes: 64 * 1024, ttlMs: 7 * 864e5, isValid: () => true, report })
 * queue.push({ type: 'heartbeat', id: 'x', ts: Date.now() })
 * ```
 */
export const createQueue = (options: QueueOptions): Queue => {
  const { maxEvents, maxBytes, storage, key, maxStoredBytes, ttlMs, isValid, report } = options
  let events: TelemetryEvent[] = []
  let bytes = 0
  /** ids this tab wrote to storage: other tabs' stored events are left alone */
  const mine = new Set<string>()

  const trim = (): void => {
    while (events.length > maxEvents || bytes > maxBytes) {
      bytes -= sizeOf(events.shift()!)
      queue.dropped++
    }
  }

  const readStored = (): unknown[] => {
    const text = storage?.get(key)
    if (!text) return []
    try {
      const data = JSON.parse(text)
      if (data && data.v === 1 && Array.isArray(data.events)) return data.events
    } catch {
      // corrupt: dropped below
    }
    report('dropped unreadable stored events')
    storage!.remove(key)
    return []
  }

  const queue: Queue = {
    dropped: 0,
    push: event => {
      events.push(event)
      bytes += sizeOf(event)
      trim()
    },
    putBack: returned => {
      events = returned.concat(events)
      for (const event of returned) bytes += sizeOf(event)
      trim()
    },
    take: limit => {
      let taken = 0
      let count = 0
      while (count < events.length && (!count || taken + sizeOf(events[count]) <= limit)) {
        taken += sizeOf(events[count++])
      }
      bytes -= taken
      return events.splice(0, count)
    },
    size: () => events.length,
    clear: () => {
      events = []
      bytes = 0
      mine.clear()
      storage?.remove(key)
    },
    save: inFlight => {
      if (!storage) return false
      const current = inFlight.concat(events)
      const others = readStored().filter(e => !mine.has((e as TelemetryEvent)?.id)) as TelemetryEvent[]
      mine.clear()
      const kept: TelemetryEvent[] = []
      let size = 20
      // newest first, so the oldest are the ones that do not fit
      for (const event of others.concat(current).reverse()) {
        size += sizeOf(event)
        if (size > maxStoredBytes) queue.dropped++
        else kept.unshift(event)
      }
      for (const event of current) mine.add(event.id)
      if (!kept.length) storage.remove(key)
      else if (!storage.set(key, JSON.stringify({ v: 1, events: kept }))) report('could not store unsent events')
      return kept.length > 0
    },
    load: now => {
      const stored = readStored()
      if (!stored.length) return
      storage!.remove(key)
      const seen = new Set(events.map(e => e.id))
      const before = events.length
      for (const event of stored as TelemetryEvent[]) {
        if (!isValid(event) || Math.abs(now - event.ts) > ttlMs || seen.has(event.id)) {
          queue.dropped++
          continue
        }
        seen.add(event.id)
        events.push(event)
        bytes += sizeOf(event)
      }
      report(`loaded ${events.length - before} stored events`)
      trim()
    },
  }
  return queue
}
