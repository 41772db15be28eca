/**
 * What the demo's panel reads, beside the collector and the dashboard that
 * spa-telemetry/vite serves at /telemetry and /dashboard/: a live stream of
 * the events as they are stored (fed by the plugin's `onStored`). Connect
 * middleware, used by Vite's dev server and by `vite preview`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'

import type { StoredEvent } from '../collector/index.js'

export interface LiveView {
  /** The plugin's `onStored`: each stored event goes to the open streams. */
  onStored(events: StoredEvent[]): void
  /**
   * Connect-style middleware: `GET /telemetry/stream?since=<ms>` (server-sent events:
   * the recently stored events created since then, then each new one as it is stored,
   * as sent: no install or session id).
   */
  handle(request: IncomingMessage, response: ServerResponse, next: () => void): void
  /** Ends the open streams. */
  close(): void
}

/**
 * The events in the store's files, oldest first (none before the first is stored).
 * @example readStored(dir).filter(event => event.type === 'page')
 */
export const readStored = (dir: string): StoredEvent[] => {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names
    .filter(name => name.endsWith('.ndjson'))
    .sort()
    .flatMap(name => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean))
    .map(line => JSON.parse(line) as StoredEvent)
}

/**
 * What the panel shows of a stored event: the event as sent, without the ids of
 * the install and the session (the stream is open to any page Vite's CORS allows).
 */
const asSent = ({ id, type, clientTs, path, from, referrer, name, props }: StoredEvent): Partial<StoredEvent> => ({
  id,
  type,
  clientTs,
  path,
  from,
  referrer,
  name,
  props,
})

/** Events kept for a stream that opens after they were stored (a page's first batch can beat its stream). */
const RECENT = 200

/**
 * Creates the panel's server side.
 *
 * @example
 * ```ts
 * const live = createLiveView()
 * plugins: [telemetry({ dir, onStored: live.onStored }), { name: 'live', configureServer: server => void server.middlewares.use(live.handle) }]
 * ```
 */
export const createLiveView = (): LiveView => {
  const recent: StoredEvent[] = []
  /** each open stream, and the time (the page's clock) its page opened: older events are another visit's */
  const streams = new Map<ServerResponse, number>()
  const send = (stream: ServerResponse, since: number, events: StoredEvent[]): void => {
    const lines = events
      .filter(event => event.clientTs >= since)
      .map(event => `data: ${JSON.stringify(asSent(event))}\n\n`)
    if (lines.length) stream.write(lines.join(''))
  }

  const handle: LiveView['handle'] = (request, response, next) => {
    const url = new URL(request.url || '/', 'http://demo')
    if (request.method !== 'GET') return next()
    if (url.pathname === '/telemetry/stream') {
      const since = Number(url.searchParams.get('since')) || 0
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      })
      response.write(': connected\n\n')
      send(response, since, recent)
      streams.set(response, since)
      request.on('close', () => streams.delete(response))
      return
    }
    next()
  }

  return {
    onStored: events => {
      recent.push(...events)
      recent.splice(0, recent.length - RECENT)
      for (const [stream, since] of streams) send(stream, since, events)
    },
    handle,
    close: () => {
      for (const stream of streams.keys()) stream.end()
      streams.clear()
    },
  }
}
