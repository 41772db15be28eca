/**
 * The demo's server side: the real collector (spa-telemetry/collector) on an
 * ndjson store in a temporary directory, plus what the demo's panel reads:
 * a live stream of the events as they are stored (through the collector's
 * `onStored` hook) and a summary of the stored files for the "collected" view.
 * Connect middleware, used by Vite's dev server and by `vite preview`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { createCollector, ndjsonStore, toNodeListener } from '../collector/index.js'
import type { StoredEvent } from '../collector/index.js'

/** Top screens and top actions over the stored events. */
export interface Summary {
  total: number
  screens: { name: string; count: number }[]
  actions: { name: string; count: number }[]
}

export interface DemoServer {
  /**
   * Connect-style middleware: `POST /telemetry` (the collector), `GET /telemetry/stream`
   * (server-sent events: the last stored events, then each as it is stored) and
   * `GET /telemetry/summary` (top screens and actions, read from the files).
   */
  handle(request: IncomingMessage, response: ServerResponse, next: () => void): void
  /** The store's directory (`events-YYYY-MM-DD.ndjson` files). */
  dir: string
  /** Ends the streams and closes the store. */
  close(): Promise<void>
}

/**
 * The events in the store's files, oldest first.
 * @example readStored(demo.dir).filter(event => event.type === 'page')
 */
export const readStored = (dir: string): StoredEvent[] =>
  readdirSync(dir)
    .filter(name => name.endsWith('.ndjson'))
    .sort()
    .flatMap(name => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean))
    .map(line => JSON.parse(line) as StoredEvent)

const top = (names: string[], count = 8): Summary['screens'] => {
  const counts = new Map<string, number>()
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1)
  return [...counts]
    .map(([name, n]) => ({ name, count: n }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
    .slice(0, count)
}

/**
 * Top screens (page views by template) and top actions (Redux actions and tracked events by name).
 * @example summarize(readStored(dir)).screens[0] // { name: '/nc/:project_id', count: 12 }
 */
export const summarize = (events: StoredEvent[]): Summary => ({
  total: events.length,
  screens: top(events.filter(e => e.type === 'page' && e.path).map(e => e.path!)),
  actions: top(events.filter(e => (e.type === 'action' || e.type === 'track') && e.name).map(e => e.name!)),
})

/**
 * Creates the demo's server side, storing in `dir` (default: `SPA_TELEMETRY_DEMO_DIR`,
 * else a new temporary directory, removed on exit).
 *
 * @example
 * ```ts
 * const demo = createDemoServer()
 * server.middlewares.use(demo.handle)
 * ```
 */
export const createDemoServer = (dir = process.env.SPA_TELEMETRY_DEMO_DIR): DemoServer => {
  const own = !dir
  const directory = dir || mkdtempSync(join(tmpdir(), 'spa-telemetry-demo-events-'))
  if (own) process.once('exit', () => rmSync(directory, { recursive: true, force: true }))
  const store = ndjsonStore({ dir: directory })
  const recent: StoredEvent[] = []
  const streams = new Set<ServerResponse>()
  const send = (stream: ServerResponse, events: StoredEvent[]): void => void stream.write(events.map(event => `data: ${JSON.stringify(event)}\n\n`).join(''))
  const collector = toNodeListener(
    createCollector({
      store,
      path: '/telemetry',
      onStored: events => {
        recent.push(...events)
        recent.splice(0, recent.length - 50)
        for (const stream of streams) send(stream, events)
      },
    }),
  )

  const handle: DemoServer['handle'] = (request, response, next) => {
    const path = (request.url || '').split('?')[0]
    if (path === '/telemetry') return void collector(request, response)
    if (path === '/telemetry/summary' && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      return void response.end(JSON.stringify(summarize(readStored(directory))))
    }
    if (path === '/telemetry/stream' && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
      response.write(': connected\n\n')
      send(response, recent)
      streams.add(response)
      request.on('close', () => streams.delete(response))
      return
    }
    next()
  }

  return {
    handle,
    dir: directory,
    close: async () => {
      for (const stream of streams) stream.end()
      streams.clear()
      await store.close?.()
    },
  }
}
