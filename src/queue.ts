import type { SafeStorage } from './storage.js'
import type { TelemetryEvent } from './types.js'

export interface QueueOptions {
  /** Most events kept in memory. */
  maxEvents: number
  /** Most bytes (UTF-8, serialized) kept in memory. */
  maxBytes: number
  /** Where unacknowledged events are kept across loads; none when persistence is off. */
  storage?: SafeStorage
  key: string
  /** Most bytes written to storage. */
  maxStoredBytes: number
  /** Stored events older than this are dropped. */
  ttlMs: number
  /** Whether a stored event is one this tracker could have queued (checked exactly as fresh events are). */
  isValid: (event: TelemetryEvent) => boolean
  /** Events lost: the oldest when a cap is reached, invalid or expired stored ones. */
  onDrop: (count: number) => void
}

export interface Queue {
  /** Adds an event; the oldest make room when a cap is reached. */
  push(event: TelemetryEvent): void
  /** Puts events back at the front (a request that was not acknowledged). */
  putBack(events: TelemetryEvent[]): void
  /** Removes and returns the oldest events that fit in `maxBytes` (at least one). */
  take(maxBytes: number): TelemetryEvent[]
  size(): number
  /** Empties the queue and this tab's stored events. */
  clear(): void
  /** Mirrors the unacknowledged events (queued, and `inFlight`) to storage. */
  save(inFlight: TelemetryEvent[]): void
  /** Takes the stored events of earlier loads (and closed tabs) into the queue. */
  load(now: number): void
}

/** Serialized size in UTF-8 bytes, at most 3 per UTF-16 unit. */
export const byteSize = (text: string): number => {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) bytes += 2
  return bytes
}

const sizes = new WeakMap<TelemetryEvent, number>()
/** An event's size in a body, its comma included; measured once. */
export const sizeOf = (event: TelemetryEvent): number => {
  let size = sizes.get(event)
  if (size === undefined) sizes.set(event, (size = byteSize(JSON.stringify(event)) + 1))
  return size
}

/**
 * A bounded queue of anonymized events, optionally mirrored to storage
 * with a TTL and a byte cap. Stored data that is corrupt, foreign, expired
 * or not exactly what this tracker would queue is dropped, never sent.
 *
 * @example
 * ```ts
 * const queue = createQueue({ maxEvents: 1000, maxBytes: 256 * 1024, storage, key: 'q',
 *   maxStoredBytes: 64 * 1024, ttlMs: 7 * 864e5, isValid: () => true, onDrop: n => (dropped += n) })
 * queue.push({ type: 'heartbeat', id: 'V1StGXR8_Z5jdHi6B-myT', ts: Date.now() })
 * ```
 */
export const createQueue = (options: QueueOptions): Queue => {
  const { maxEvents, maxBytes, storage, key, maxStoredBytes, ttlMs, isValid, onDrop } = options
  let events: TelemetryEvent[] = []
  let bytes = 0
  /** ids this tab wrote to storage: other tabs' stored events are left alone */
  let mine = new Set<string>()
  /** what this tab wrote last: if storage still holds it, no other tab wrote since (no need to parse it) */
  let written: string | null | undefined

  const trim = (): void => {
    let count = 0
    while (events.length > maxEvents || bytes > maxBytes) {
      bytes -= sizeOf(events.shift()!)
      count++
    }
    if (count) onDrop(count)
  }

  const readStored = (): TelemetryEvent[] => {
    const text = storage?.get(key)
    try {
      const data = text && JSON.parse(text)
      if (!text || (data && data.v === 1 && Array.isArray(data.events))) return text ? data.events : []
    } catch {
      // corrupt: dropped below
    }
    storage!.remove(key)
    return []
  }

  return {
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
      while (count < events.length && (!count || taken + sizeOf(events[count]) <= limit)) taken += sizeOf(events[count++])
      bytes -= taken
      return events.splice(0, count)
    },
    size: () => events.length,
    clear: () => {
      events = []
      bytes = 0
      mine = new Set()
      storage?.remove(key)
    },
    save: inFlight => {
      if (!storage) return
      const current = inFlight.concat(events)
      const others = storage.get(key) === written ? [] : readStored().filter(e => e && typeof e === 'object' && !mine.has(e.id))
      const kept: TelemetryEvent[] = []
      let size = 20
      // newest first, so that the oldest are the ones that do not fit; they stay in memory
      for (const event of others.concat(current).reverse()) {
        if ((size += sizeOf(event)) <= maxStoredBytes) kept.unshift(event)
      }
      mine = new Set(current.map(event => event.id))
      written = kept.length ? JSON.stringify({ v: 1, events: kept }) : null
      if (written === null) storage.remove(key)
      // a write that failed (quota): storage holds something else, read it next time
      else if (!storage.set(key, written)) written = undefined
    },
    load: now => {
      const stored = readStored()
      if (!stored.length) return
      storage!.remove(key)
      const seen = new Set(events.map(e => e.id))
      let invalid = 0
      for (const event of stored) {
        if (!isValid(event) || Math.abs(now - event.ts) > ttlMs) invalid++
        else if (!seen.has(event.id)) {
          seen.add(event.id)
          events.push(event)
          bytes += sizeOf(event)
        }
      }
      if (invalid) onDrop(invalid)
      trim()
    },
  }
}
