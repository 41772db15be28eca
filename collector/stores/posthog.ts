/**
 * Forwarding to PostHog's batch capture API (`POST /batch/`, the project key
 * as `api_key` in the body): pages as `$pageview`, the rest under the names
 * the Segment store gives them, as anonymous events (no person profiles), with
 * no address of the user's or the collector's and no GeoIP lookup.
 */
import { fail } from '../../src/errors.js'
import type { Store, StoredEvent } from '../types.js'
import { assign, checkKey, checkUrl } from './destination.js'
import { forwardStore } from './forward.js'
import type { ForwardOptions } from './forward.js'
import { isoTime, NO_IDENTITY } from './segment.js'

/** Options of {@link posthogStore}. */
export interface PostHogStoreOptions extends ForwardOptions {
  /**
   * The project API key (`phc_…`): sent in the body as `api_key`, never printed.
   * Read it from the environment (`SPA_TELEMETRY_POSTHOG_KEY`), not from code.
   */
  apiKey: string
  /** The ingestion host: default `https://us.i.posthog.com`; EU Cloud `https://eu.i.posthog.com`; or your instance. */
  host?: string
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const MASK_64 = (1n << 64n) - 1n

/**
 * A UUID for an event id, the same every time (PostHog wants a valid UUID as
 * `uuid`, and a retry must carry the same one): the 122 free bits of a
 * version 4 UUID filled from the id's 126 random bits (its first 122), or,
 * for an id of another form, from a 128-bit hash of it.
 *
 * @example uuidOf('V1StGXR8_Z5jdHi6B-myT') // 'd5752b19-7c64-4f96-84f7-6cd6e3a2dc9b'-like, always the same
 */
export const uuidOf = (id: string): string => {
  let bits = 0n
  if (/^[A-Za-z0-9_-]{21}$/.test(id)) {
    for (const char of id) bits = (bits << 6n) | BigInt(ALPHABET.indexOf(char))
    bits >>= 4n // 126 → 122 bits
  } else {
    // FNV-1a, 64 bits, twice (two offsets): 128 bits, the top 122 used
    let a = 0xcbf29ce484222325n
    let b = 0x84222325cbf29ce4n
    for (let i = 0; i < id.length; i++) {
      const c = BigInt(id.charCodeAt(i))
      a = ((a ^ c) * 0x100000001b3n) & MASK_64
      b = ((b ^ c) * 0x100000001b3n) & MASK_64
    }
    bits = ((a << 64n) | b) >> 6n
  }
  const hex = (value: bigint, digits: number): string => value.toString(16).padStart(digits, '0')
  const top = bits >> 74n // 48 bits
  const middle = (bits >> 62n) & 0xfffn // 12 bits, after the version
  const low = bits & ((1n << 62n) - 1n) // 62 bits, after the variant
  const tail = hex((2n << 62n) | low, 16)
  return `${hex(top, 12).slice(0, 8)}-${hex(top, 12).slice(8)}-4${hex(middle, 3)}-${tail.slice(0, 4)}-${tail.slice(4)}`
}

/**
 * The app's prop name as a PostHog property: PostHog reads `$…` properties
 * (`$set` writes person properties, `$cookieless_mode` must be a boolean),
 * and takes `token` and `distinct_id` from properties when the event has
 * none of its own, so those are written with a leading `_`.
 *
 * @example propName('$set') // '_$set'
 */
export const propName = (key: string): string =>
  key.startsWith('$') || key === 'token' || key === 'distinct_id' ? `_${key}` : key

/**
 * A stored event as one event of a PostHog batch: `$pageview` for page views
 * (the template as `$pathname`), `track` under its own name (a name
 * starting with `$`, PostHog's own events, gets a leading `_`), `action` as
 * "Action Dispatched", `error` as "Error Occurred", `heartbeat` as "Heartbeat
 * Sent"; `uuid` from the event id.
 *
 * @example
 * ```ts
 * toPostHog(event) // { event: '$pageview', distinct_id: event.anonymousId, uuid: uuidOf(event.id), properties: { $pathname: '/nc/:project_id', … }, … }
 * ```
 */
export const toPostHog = (event: StoredEvent, lean = false): Record<string, unknown> => {
  const { type, path, name, app } = event
  const properties: Record<string, unknown> = {}
  let eventName: string
  if (type === 'page') {
    assign(properties, { from: event.from, referrer: event.referrer, route_name: name })
    eventName = '$pageview'
  } else if (type === 'track') {
    if (!lean) assign(properties, event.props, propName)
    eventName = (name ?? 'track').startsWith('$') ? `_${name}` : (name ?? 'track')
  } else if (type === 'action') {
    properties.action = name
    eventName = 'Action Dispatched'
  } else if (type === 'error') {
    properties.error = name
    eventName = 'Error Occurred'
  } else {
    eventName = 'Heartbeat Sent'
  }
  // PostHog's own properties last: nothing of the app's can replace them
  assign(properties, {
    $pathname: path,
    $app_name: app.name,
    $app_version: app.version,
    app_env: app.env,
    instance_id: event.instanceId,
    $lib: event.library.name,
    $lib_version: event.library.version,
    // no person profile: the events stay anonymous
    $process_person_profile: false,
    // a truthy $ip keeps PostHog from recording the collector's address as the user's; no GeoIP lookup either
    $ip: '0.0.0.0',
    $geoip_disable: true,
  })
  return {
    event: eventName,
    distinct_id: event.anonymousId ?? event.sessionId ?? NO_IDENTITY,
    uuid: uuidOf(event.id),
    timestamp: isoTime(event),
    properties,
  }
}

/**
 * A store that forwards events to PostHog's batch capture API. Use it alone or
 * beside a store of your own: `createCollector({ stores: [ndjsonStore(…), posthogStore(…)] })`.
 *
 * @example
 * ```ts
 * import { createCollector, ndjsonStore, posthogStore } from 'spa-telemetry/collector'
 *
 * const collector = createCollector({
 *   stores: [ndjsonStore({ dir: './events' }), posthogStore({ apiKey: process.env.POSTHOG_KEY ?? '', host: 'https://eu.i.posthog.com' })],
 * })
 * ```
 */
export const posthogStore = (options: PostHogStoreOptions): Store => {
  if (typeof options !== 'object' || options === null)
    fail('posthogStore options are missing: expected { apiKey, host? }')
  const apiKey = checkKey('apiKey', options.apiKey)
  const host = checkUrl('host', options.host ?? 'https://us.i.posthog.com', 'https://us.i.posthog.com')
  if (host.search)
    fail(
      `host is "${host.origin}${host.pathname}?…": expected a host without a query, such as "https://us.i.posthog.com"`,
    )
  const key = JSON.stringify(apiKey)
  return forwardStore(
    {
      name: 'posthog',
      url: `${host.origin}${host.pathname.replace(/\/+$/, '')}/batch/`,
      headers: { 'content-type': 'application/json' },
      secrets: [apiKey, key],
      // PostHog: 20 MB a request (413 over it), 1 MB an event; as Segment's limits, well within
      maxEventBytes: 1_000_000,
      maxBatchBytes: 5_000_000,
      maxEvents: 500,
      encode: (event, lean) => JSON.stringify(toPostHog(event, lean)),
      wrap: (events, sentAt) => `{"api_key":${key},"batch":[${events}],"sent_at":"${sentAt}"}`,
    },
    options,
  )
}
