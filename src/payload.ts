import type { TelemetryEvent, TrackerOptions } from './types.js'

/** This library, as it names itself in every payload. */
export const LIBRARY = { name: 'spa-telemetry', version: '0.1.0' } as const

/** What a payload carries besides its events. */
export interface PayloadContext {
  app: TrackerOptions['app']
  instanceId?: string
  anonymousId?: string
  sessionId?: string
}

/**
 * A schema 1 payload (`schema/v1.json`): closed, nothing but these keys.
 *
 * @example
 * ```ts
 * JSON.stringify(toSchema1({ app: { name: 'console' } }, events, 0, Date.now()))
 * ```
 */
export const toSchema1 = (context: PayloadContext, events: TelemetryEvent[], dropped: number, now: number): object => ({
  schema: 1,
  sentAt: new Date(now).toISOString(),
  library: LIBRARY,
  ...context,
  events,
  dropped,
})

/**
 * The same events as a Segment-compatible HTTP batch, for a Segment or
 * RudderStack collector: pages become `page` calls, everything else `track`.
 *
 * @example
 * ```ts
 * toSegment({ app: { name: 'console' }, anonymousId: 'V1St…' }, events, Date.now()).batch[0].type // 'page'
 * ```
 */
export const toSegment = (context: PayloadContext, events: TelemetryEvent[], now: number): { batch: object[]; sentAt: string } => ({
  batch: events.map(({ type, id, ts, path, from, referrer, name, props }) => ({
    ...(type === 'page'
      ? { type, name, properties: { path, from, referrer } }
      : {
          type: 'track',
          event: type === 'track' || type === 'action' ? name : type,
          properties: type === 'track' ? props : type === 'error' ? { name, path } : { path, category: type },
        }),
    anonymousId: context.anonymousId || context.sessionId || 'anonymous',
    messageId: id,
    timestamp: new Date(ts).toISOString(),
    context: {
      page: { path },
      library: LIBRARY,
      app: context.app,
      instanceId: context.instanceId,
      sessionId: context.sessionId,
    },
  })),
  sentAt: new Date(now).toISOString(),
})
