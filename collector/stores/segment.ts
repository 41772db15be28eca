/**
 * Forwarding to Segment's HTTP Tracking API (`POST /v1/batch`) and to what
 * speaks it, such as RudderStack's data plane: pages as `page` calls, the rest
 * as `track` calls, the write key as Basic auth (what both accept), within
 * Segment's limits (32 KB an event, 500 KB a call), which are also within
 * RudderStack's (32 KB, 4 MB).
 */
import { fail } from '../../src/errors.js'
import type { Store, StoredEvent } from '../types.js'
import { assign, checkKey, checkUrl } from './destination.js'
import { forwardStore } from './forward.js'
import type { ForwardOptions } from './forward.js'

/** Options of {@link segmentStore}. */
export interface SegmentStoreOptions extends ForwardOptions {
  /**
   * The source's write key (a Segment HTTP API source, or a RudderStack source):
   * sent as Basic auth, never printed. Read it from the environment
   * (`SPA_TELEMETRY_SEGMENT_WRITE_KEY`), not from code.
   */
  writeKey: string
  /**
   * The batch endpoint. Default `https://api.segment.io/v1/batch`; EU workspaces
   * `https://events.eu1.segmentapis.com/v1/batch`; RudderStack
   * `https://<your data plane>/v1/batch`. A URL without a path gets `/v1/batch`.
   */
  url?: string
}

/** The address sent as the user's: none (Segment's spec: `context.ip` is the user's IP; RudderStack prefers it to the request's). */
const NO_IP = '0.0.0.0'
/** The `anonymousId` of events that carry no id at all (the tracker's `identity: 'none'`): one shared, non-personal value. */
export const NO_IDENTITY = 'spa-telemetry:no-identity'

/** The event's time as ISO 8601; a time no date can hold (the schema takes any number) becomes the arrival time. */
export const isoTime = (event: StoredEvent): string => {
  const date = new Date(event.ts)
  return Number.isNaN(date.getTime()) ? event.receivedAt : date.toISOString()
}

/**
 * A stored event as one call of a Segment batch: `page` for page views (the
 * template as name and path), `track` for the rest (`track` under its own
 * name, `action` as "Action Dispatched", `error` as "Error Occurred",
 * `heartbeat` as "Heartbeat Sent"), the event id as `messageId`.
 *
 * @example
 * ```ts
 * toSegment(event) // { type: 'page', name: '/nc/:project_id', properties: { path: '/nc/:project_id' }, messageId: event.id, … }
 * ```
 */
export const toSegment = (event: StoredEvent, lean = false): Record<string, unknown> => {
  const { type, path, name, app } = event
  const properties: Record<string, unknown> = {}
  let call: Record<string, unknown>
  if (type === 'page') {
    assign(properties, { path, from: event.from, referrer: event.referrer, routeName: name })
    call = { type: 'page', name: path }
  } else if (type === 'track') {
    if (!lean) assign(properties, event.props)
    call = { type: 'track', event: name ?? 'track' }
  } else if (type === 'action') {
    assign(properties, { action: name, path })
    call = { type: 'track', event: 'Action Dispatched' }
  } else if (type === 'error') {
    assign(properties, { error: name, path })
    call = { type: 'track', event: 'Error Occurred' }
  } else {
    call = { type: 'track', event: 'Heartbeat Sent' }
  }
  assign(properties, { environment: app.env, instanceId: event.instanceId })
  return {
    ...call,
    properties,
    messageId: event.id,
    anonymousId: event.anonymousId ?? event.sessionId ?? NO_IDENTITY,
    timestamp: isoTime(event),
    context: {
      app: { name: app.name, version: app.version },
      library: { name: event.library.name, version: event.library.version },
      ip: NO_IP,
      page: path === undefined ? undefined : { path },
    },
  }
}

/**
 * A store that forwards events to Segment's HTTP API, or to RudderStack's
 * data plane (same API, Basic auth). Use it alone or beside a store of your
 * own: `createCollector({ stores: [ndjsonStore(…), segmentStore(…)] })`.
 *
 * @example
 * ```ts
 * import { createCollector, ndjsonStore, segmentStore } from 'spa-telemetry/collector'
 *
 * const collector = createCollector({
 *   stores: [ndjsonStore({ dir: './events' }), segmentStore({ writeKey: process.env.SEGMENT_WRITE_KEY ?? '' })],
 * })
 * ```
 */
export const segmentStore = (options: SegmentStoreOptions): Store => {
  if (typeof options !== 'object' || options === null)
    fail('segmentStore options are missing: expected { writeKey, url? }')
  const writeKey = checkKey('writeKey', options.writeKey)
  const url = checkUrl('url', options.url ?? 'https://api.segment.io/v1/batch', 'https://api.segment.io/v1/batch')
  if (url.pathname === '/') url.pathname = '/v1/batch'
  const basic = btoa(`${writeKey}:`)
  return forwardStore(
    {
      name: 'segment',
      url: url.href,
      headers: { 'content-type': 'application/json', authorization: `Basic ${basic}` },
      secrets: [writeKey, basic],
      // Segment: 32 KB an event, 500 KB a call (400 over either), up to 2,500 events a call
      maxEventBytes: 32_000,
      maxBatchBytes: 500_000,
      maxEvents: 500,
      encode: (event, lean) => JSON.stringify(toSegment(event, lean)),
      wrap: (events, sentAt) => `{"batch":[${events}],"sentAt":"${sentAt}"}`,
    },
    options,
  )
}
