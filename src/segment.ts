import type { Payload } from './payload.js'

/**
 * The `format` for a Segment or RudderStack collector: the same events as
 * a Segment HTTP batch, pages as `page` calls, everything else as `track`.
 * A separate import, so that apps that send schema 1 do not ship it.
 *
 * @example
 * ```ts
 * import { createTracker, segmentFormat } from 'spa-telemetry'
 *
 * createTracker({ endpoint: 'https://api.segment.example/v1/batch', app: { name: 'console' }, format: segmentFormat })
 * ```
 */
export const segmentFormat = (payload: Payload): { batch: object[]; sentAt: string } => ({
  batch: payload.events.map(({ type, id, ts, path, from, referrer, name, props }) => ({
    ...(type === 'page'
      ? { type, name, properties: { path, from, referrer } }
      : {
          type: 'track',
          event: type === 'track' || type === 'action' ? name : type,
          properties: type === 'track' ? props : type === 'error' ? { name, path } : { path, category: type },
        }),
    anonymousId: payload.anonymousId || payload.sessionId || 'anonymous',
    messageId: id,
    timestamp: new Date(ts).toISOString(),
    context: {
      page: { path },
      library: payload.library,
      app: payload.app,
      instanceId: payload.instanceId,
      sessionId: payload.sessionId,
    },
  })),
  sentAt: payload.sentAt,
})
