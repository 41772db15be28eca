import type { SafeStorage } from './storage.js'
import type { TelemetryEvent } from './types.js'

/** Most events kept in memory (each is small: a name, a path, at most 20 short props); the oldest make room. */
export const MAX_EVENTS = 1000
/** Most characters written to storage. */
const MAX_STORED = 64 * 1024
/** Stored events older than this are dropped. */
const TTL_MS = 7 * 24 * 3_600_000

/** The unacknowledged events of this tab, kept in storage for the next load. */
export interface StoredQueue {
  /** Mirrors these events to storage (the newest, when they do not all fit), beside other tabs' events. */
  save(events: TelemetryEvent[]): void
  /** Takes the events earlier loads (or closed tabs) left: those that pass `isValid` and the count of the others (and of a legacy queue's). */
  load(now: number): [events: TelemetryEvent[], refused: number]
  /** Forgets every stored event, a legacy queue's included. */
  clear(): void
}

/**
 * The queue's copy in storage, so that what was not acknowledged survives a
 * reload, a closed tab or a crash. Stored data that is corrupt, foreign,
 * expired or not exactly what this tracker would queue is dropped, never
 * sent; events other tabs stored are left alone. A queue under the
 * `legacy` key (0.1.0 kept one per app, whatever its endpoint) cannot say
 * where its events were headed: it is deleted unsent, its events counted.
 *
 * @example
 * ```ts
 * const stored = createStoredQueue(local, 'spa-telemetry:console:queue:https://app.example/telemetry', isValid)
 * stored.save(unacknowledged)
 * const [events, refused] = stored.load(Date.now()) // on the next load
 * ```
 */
export const createStoredQueue = (
  storage: SafeStorage,
  key: string,
  isValid: (event: TelemetryEvent) => boolean,
  legacy?: string,
): StoredQueue => {
  /** ids this tab wrote: other tabs' stored events are left alone */
  let mine = new Set<string>()
  /** what this tab wrote last: while storage holds it, no other tab wrote since and it need not be parsed */
  let written: string | null | undefined

  const read = (from = key): TelemetryEvent[] => {
    const text = storage.get(from)
    try {
      const data = text ? JSON.parse(text) : { v: 1, events: [] }
      if (data && data.v === 1 && Array.isArray(data.events)) return data.events
    } catch {
      // corrupt: dropped below
    }
    storage.remove(from)
    return []
  }

  const write = (text: string | null): void => {
    written = text
    if (text === null) storage.remove(key)
    // a write that failed (quota): storage holds something else, to be read next time
    else if (!storage.set(key, text)) written = undefined
  }

  return {
    save: events => {
      const others =
        storage.get(key) === written ? [] : read().filter(e => e && typeof e === 'object' && !mine.has(e.id))
      let kept = others.concat(events)
      let text = JSON.stringify({ v: 1, events: kept })
      // the oldest make room (they stay in memory, and are sent if the page lives on)
      while (text.length > MAX_STORED) {
        kept = kept.slice(Math.ceil(kept.length * (1 - MAX_STORED / text.length)) + 1)
        text = JSON.stringify({ v: 1, events: kept })
      }
      mine = new Set(events.map(event => event.id))
      write(kept.length ? text : null)
    },
    load: now => {
      const stored = read()
      if (stored.length) write(null)
      const ids = new Set<string>()
      const events: TelemetryEvent[] = []
      let refused = 0
      if (legacy) {
        refused = read(legacy).length
        storage.remove(legacy)
      }
      for (const event of stored) {
        if (!isValid(event) || Math.abs(now - event.ts) > TTL_MS) refused++
        // the same event stored twice (two tabs) is sent once
        else if (!ids.has(event.id)) events.push(event)
        ids.add(event?.id)
      }
      return [events, refused]
    },
    clear: () => {
      mine = new Set()
      write(null)
      if (legacy) storage.remove(legacy)
    },
  }
}
