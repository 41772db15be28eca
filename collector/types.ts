import type { Payload } from '../src/payload.js'
import type { TelemetryEvent } from '../src/types.js'

/** A payload of schema 1, as the tracker sends it (`schema/v1.json`): the core's own type. */
export type { Payload }

/** One event of a payload, as sent: the tracker's own type. */
export type PayloadEvent = TelemetryEvent

/**
 * An event as stored: the event as sent, the context of its payload, and when
 * it arrived. Nothing of the request (IP, headers) is in it.
 */
export interface StoredEvent extends PayloadEvent {
  /** `clientTs` corrected by the client's clock skew (`receivedAt` − `sentAt`), in ms. */
  ts: number
  /** `ts` as the client sent it. */
  clientTs: number
  /** When the collector received the payload (ISO 8601, the server's clock). */
  receivedAt: string
  /** When the client sent the payload (ISO 8601, the client's clock). */
  sentAt: string
  app: Payload['app']
  library: Payload['library']
  instanceId?: string
  anonymousId?: string
  sessionId?: string
  /** Events the client reported lost, on the first stored event of its payload (only when > 0). */
  dropped?: number
}

/**
 * Where events go. `write` resolves once the events are durable (the collector
 * answers 2xx only then) and rejects otherwise (the collector answers 503).
 * One exception: a forwarding store (Segment, PostHog) resolves when its
 * destination refuses one event for itself (a 400 naming it), which it reports
 * to `onError` and drops, since sending it again would be refused for ever.
 * test/collector/store-contract.test.ts holds every shipped store to this.
 */
export interface Store {
  /** Makes the events durable. Concurrent calls may be grouped into one write. */
  write(events: StoredEvent[]): Promise<void>
  /** Connects, creates what is missing, checks access: the command calls it at start; `write` does it on first use. */
  open?(): Promise<void>
  /** The ids of the last stored events (up to `limit`): they seed the de-duplication window after a restart. */
  recentIds?(limit: number): Promise<string[]>
  /** Finishes pending writes and releases files or connections. */
  close?(): Promise<void>
}

/** A store as a plain function, for anything else: called with groups of events, one call at a time. */
export type StoreFunction = (events: StoredEvent[]) => Promise<void> | void
