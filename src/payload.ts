import type { Identity } from './identity.js'
import type { TelemetryEvent } from './types.js'

/** This library, as it names itself in every payload. */
export const LIBRARY = { name: 'spa-telemetry', version: '0.2.0' } as const

/**
 * One request's body in schema 1 (`schema/v1.json`): closed, nothing but
 * these keys. The tracker writes it; the collector (`spa-telemetry/collector`)
 * receives it from trackers of any version.
 */
export interface Payload {
  schema: 1
  /** ISO date of the request, on the user's clock. */
  sentAt: string
  /** The library that sent it: this one, in the version that sent it. */
  library: { name: typeof LIBRARY.name; version: string }
  app: { name: string; version?: string; env?: string }
  instanceId?: string
  anonymousId?: string
  sessionId?: string
  events: TelemetryEvent[]
  /** Events lost since the last acknowledged request. */
  dropped: number
}

/**
 * Writes a schema 1 payload as another collector expects it: the
 * `format` option of `createTracker`. The default sends schema 1 as it is.
 */
export type PayloadFormat = (payload: Payload) => unknown

/**
 * Writes the body of one request: schema 1 with the ids of this moment
 * (the session id rotates when idle), or what `format` makes of it.
 *
 * @example
 * ```ts
 * const serialize = createSerializer({ app: { name: 'console' }, identity })
 * serialize(events, 0) // '{"schema":1,"sentAt":"…","library":{…},"app":{"name":"console"},…}'
 * ```
 */
export const createSerializer =
  (options: { app: Payload['app']; instanceId?: string; identity: Identity; format?: PayloadFormat }) =>
  (events: TelemetryEvent[], dropped: number): string => {
    const { app, instanceId, identity, format } = options
    const now = Date.now()
    const payload: Payload = {
      schema: 1,
      sentAt: new Date(now).toISOString(),
      library: LIBRARY,
      app,
      instanceId,
      anonymousId: identity.anonymousId(),
      sessionId: identity.sessionId(now),
      events,
      dropped,
    }
    return JSON.stringify(format ? format(payload) : payload)
  }
