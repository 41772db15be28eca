/**
 * The demo's collector: receives what spa-telemetry sends, checks it against
 * the published JSON Schema, keeps the last events and streams them to the
 * page. One request handler, used by Vite's dev server and by `vite preview`.
 */
import Ajv from 'ajv'
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** An event as the collector keeps it: what was sent, and when it arrived. */
export interface CollectedEvent {
  receivedAt: string
  [key: string]: unknown
}

export interface CollectorOptions {
  /** The JSON Schema bodies must match (schema/v1.json). */
  schema: object
  /** Larger bodies are refused with 413. Default 64 KiB, the browser's own keepalive budget. */
  maxBodyBytes?: number
  /** How many events to keep. Default 500. */
  keep?: number
}

export interface Collector {
  /**
   * Connect-style middleware for `POST /telemetry`, `GET /telemetry/events`
   * (the events kept), `GET /telemetry/bodies` (the last raw bodies, as they
   * arrived), `GET /telemetry/stream` (server-sent events) and
   * `DELETE /telemetry/events` (forget everything).
   */
  handle(request: IncomingMessage, response: ServerResponse, next: () => void): void
  /** The events kept, oldest first. */
  events(): CollectedEvent[]
}

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST, GET, DELETE', 'access-control-allow-headers': 'content-type' }

/**
 * Creates the collector.
 *
 * @example
 * ```ts
 * const collector = createCollector({ schema: JSON.parse(readFileSync('schema/v1.json', 'utf8')) })
 * server.middlewares.use(collector.handle)
 * ```
 */
export const createCollector = (options: CollectorOptions): Collector => {
  const { maxBodyBytes = 64 * 1024, keep = 500 } = options
  const ajv = new Ajv({ allErrors: true })
  ajv.addFormat('date-time', text => !Number.isNaN(Date.parse(text)))
  const validate = ajv.compile(options.schema)
  let kept: CollectedEvent[] = []
  /** the last bodies as they arrived, valid or not: what left the browser, to the byte */
  let bodies: string[] = []
  /** ids seen, to drop a retried event the second time (bounded) */
  const seen = new Set<string>()
  const streams = new Set<ServerResponse>()

  const answer = (response: ServerResponse, status: number, body?: unknown): void => {
    response.writeHead(status, { ...CORS, ...(body === undefined ? {} : { 'content-type': 'application/json' }) })
    response.end(body === undefined ? undefined : JSON.stringify(body))
  }

  const receive = (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = []
    let size = 0
    let refused = false
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBodyBytes && !refused) {
        refused = true
        answer(response, 413, { error: `body over ${maxBodyBytes} bytes` })
      }
      if (!refused) chunks.push(chunk)
    })
    request.on('end', () => {
      if (refused) return
      const body = Buffer.concat(chunks).toString('utf8')
      bodies = bodies.concat(body).slice(-keep)
      let payload: { events?: Record<string, unknown>[] } & Record<string, unknown>
      try {
        payload = JSON.parse(body)
      } catch {
        return answer(response, 400, { error: 'body is not JSON' })
      }
      if (!validate(payload)) return answer(response, 400, { error: 'body does not match schema/v1.json', details: validate.errors })
      const receivedAt = new Date().toISOString()
      const fresh: CollectedEvent[] = []
      for (const event of payload.events ?? []) {
        const id = event.id as string
        if (seen.has(id)) continue
        seen.add(id)
        if (seen.size > 10 * keep) seen.delete(seen.values().next().value!)
        fresh.push({ ...event, app: payload.app, dropped: payload.dropped, receivedAt })
      }
      kept = kept.concat(fresh).slice(-keep)
      for (const stream of streams) for (const event of fresh) stream.write(`data: ${JSON.stringify(event)}\n\n`)
      answer(response, 204)
    })
  }

  const handle: Collector['handle'] = (request, response, next) => {
    const path = (request.url || '').split('?')[0]
    if (!path.startsWith('/telemetry')) return next()
    if (request.method === 'OPTIONS') return answer(response, 204)
    if (path === '/telemetry' && request.method === 'POST') return receive(request, response)
    if (path === '/telemetry/events' && request.method === 'GET') return answer(response, 200, kept)
    if (path === '/telemetry/bodies' && request.method === 'GET') return answer(response, 200, bodies)
    if (path === '/telemetry/events' && request.method === 'DELETE') {
      kept = []
      bodies = []
      seen.clear()
      return answer(response, 204)
    }
    if (path === '/telemetry/stream' && request.method === 'GET') {
      response.writeHead(200, { ...CORS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
      response.write(': connected\n\n')
      for (const event of kept) response.write(`data: ${JSON.stringify(event)}\n\n`)
      streams.add(response)
      request.on('close', () => streams.delete(response))
      return
    }
    answer(response, 404, { error: 'not found' })
  }

  return { handle, events: () => kept.slice() }
}

/** The collector with the published schema, for the demo's Vite config. */
export const createDemoCollector = (): Collector =>
  createCollector({ schema: JSON.parse(readFileSync(new URL('../schema/v1.json', import.meta.url), 'utf8')) })
