/**
 * Real-browser harness: Debian's Chromium driven by playwright-core, a
 * local HTTP server for pages and the library bundle, and a collector that
 * records every request it receives. Assertions are made at the collector
 * (beacons sent on unload are invisible to Playwright's request events).
 * Every request is checked when the server closes: no cookie (pages set
 * one), no `Referer` with a path, a body that matches `schema/v1.json`.
 */
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { build } from 'vite'

import { checkBody } from '../helpers/schema.js'

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** Launches headless Chromium with the flags this machine's closed network needs. */
export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })

/**
 * Bundles an entry (TypeScript, with its dependencies) into one ES module
 * for the page, as an app's bundler does: a production build by default
 * (`process.env.NODE_ENV` replaced, development-only code dropped).
 */
export const bundle = async (
  entry: string,
  name: string,
  mode: 'production' | 'development' = 'production',
): Promise<string> => {
  const outDir = mkdtempSync(join(tmpdir(), 'spa-telemetry-'))
  await build({
    configFile: false,
    logLevel: 'silent',
    mode,
    define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
    resolve: { alias: { 'spa-telemetry': join(process.cwd(), 'src/index.ts') } },
    build: { outDir, minify: false, lib: { entry, formats: ['es'], fileName: () => name + '.js' } },
  })
  return readFileSync(join(outDir, name + '.js'), 'utf8')
}

export interface Received {
  tag: string
  body: string
  headers: IncomingHttpHeaders
  /** the status the collector answered with */
  status: number
  method: string
  /** parsed JSON body, or undefined */
  json:
    | {
        events?: { id: string; type: string; name?: string; path?: string; [key: string]: unknown }[]
        [key: string]: unknown
      }
    | undefined
}

/** The page's own cookie: no telemetry request may carry it. */
export const SESSION_COOKIE = 'session=s3cr3t-session-id'

/** How the collector answers one request: a status, or a status and headers. */
export type Answer = number | [status: number, headers: Record<string, string>]

export interface TestServer {
  origin: string
  /** The same server under another origin (localhost vs 127.0.0.1). */
  otherOrigin: string
  /** A second collector on its own port (another origin), which a test can stop and start again. */
  collectorOrigin: string
  /** Closes the second collector's listener and its connections: requests to it are refused. */
  stopCollector(): Promise<void>
  /** Listens again on the same port. */
  startCollector(): Promise<void>
  /** Serves `body` at `path` with these headers (HTML pages also set the session cookie). */
  route(path: string, body: string, headers?: Record<string, string>): void
  /** Answers POSTs to `/collect/<tag>` with these, one per request, the last one for the rest (default 204). */
  answer(tag: string, ...answers: Answer[]): void
  /** Bodies received at `/collect/<tag>`. */
  received(tag: string): Received[]
  /** Events received at `/collect/<tag>`, in order of arrival. */
  events(tag: string): NonNullable<Received['json']>['events'] & object
  /** Ids of the events the collector acknowledged (2xx) at `/collect/<tag>`, in order, duplicates included. */
  acknowledged(tag: string): string[]
  /** Polls until `check` passes (up to `ms`), then returns its last result. */
  waitFor<T>(check: () => T, ms?: number): Promise<T>
  /** A tag whose requests may carry the page's cookie and URL (the beacon transport says so). */
  allowLeakyHeaders(tag: string): void
  /**
   * What no request may do, for every request received so far: carry the
   * session cookie or any cookie, a `Referer` with a path, or a body that
   * does not match `schema/v1.json`.
   */
  problems(): string[]
  /** Stops both listeners; fails if `problems()` found any. */
  close(): Promise<void>
}

/** Why a telemetry request leaks, if it does: a cookie, or a Referer with more than an origin. */
export const headerLeaks = (headers: IncomingHttpHeaders): string[] => {
  const leaks: string[] = []
  if (headers.cookie !== undefined) leaks.push(`Cookie: ${headers.cookie}`)
  const referer = headers.referer
  if (referer !== undefined && !/^https?:\/\/[^/]+\/?$/.test(referer)) leaks.push(`Referer: ${referer}`)
  return leaks
}

/** Starts the page server and collector on 127.0.0.1, a random port, and a second collector on another. */
export const startServer = async (): Promise<TestServer> => {
  const routes = new Map<string, [string, Record<string, string>]>()
  const answers = new Map<string, Answer[]>()
  const inbox: Received[] = []
  const leaky = new Set<string>()
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-headers': 'content-type',
    'access-control-expose-headers': 'retry-after',
  }

  const collect = (request: IncomingMessage, response: ServerResponse, tag: string): void => {
    if (request.method === 'OPTIONS') return void response.writeHead(204, cors).end()
    const chunks: Buffer[] = []
    request.on('data', chunk => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let json: Received['json']
      try {
        json = JSON.parse(body)
      } catch {
        json = undefined
      }
      const queue = answers.get(tag) ?? []
      const next = (queue.length > 1 ? queue.shift() : queue[0]) ?? 204
      const [status, headers] = Array.isArray(next) ? next : [next, {}]
      inbox.push({ tag, body, headers: request.headers, json, status, method: request.method ?? '' })
      response.writeHead(status, { ...cors, ...headers }).end()
    })
  }

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url || '/', 'http://x')
    if (url.pathname.startsWith('/collect/')) return collect(request, response, url.pathname.slice('/collect/'.length))
    let page = routes.get(url.pathname)
    // any unknown path under /app/ serves the app shell, as an SPA host does
    if (!page && url.pathname.startsWith('/app/')) page = routes.get('/app/')
    if (!page) return void response.writeHead(404).end('not found')
    const script = url.pathname.endsWith('.js')
    const type = script ? 'text/javascript' : 'text/html'
    const cookie = script ? {} : { 'set-cookie': `${SESSION_COOKIE}; Path=/; SameSite=Lax` }
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...cookie, ...page[1] }).end(page[0])
  }

  const server: Server = createServer(handle)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }

  // the second collector: a listener of its own, whose connections can be cut
  let second: Server | undefined
  let secondPort = 0
  const sockets = new Set<Socket>()
  const startCollector = async (): Promise<void> => {
    second = createServer((request, response) => {
      const url = new URL(request.url || '/', 'http://x')
      if (url.pathname.startsWith('/collect/')) collect(request, response, url.pathname.slice('/collect/'.length))
      else response.writeHead(404).end()
    })
    second.on('connection', socket => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>(resolve => second!.listen(secondPort, '127.0.0.1', resolve))
    secondPort = (second.address() as { port: number }).port
  }
  const stopCollector = async (): Promise<void> => {
    const closing = new Promise<void>(resolve => (second ? second.close(() => resolve()) : resolve()))
    for (const socket of sockets) socket.destroy()
    second = undefined
    await closing
  }
  await startCollector()

  const problems = (): string[] => [
    ...inbox.filter(r => !leaky.has(r.tag)).flatMap(r => headerLeaks(r.headers).map(leak => `${r.tag}: ${leak}`)),
    // every POST carries a payload; a HEAD (the debug probe of a collector without CORS) carries nothing
    ...inbox.flatMap(r => {
      const reason = r.method === 'HEAD' ? (r.body ? 'a HEAD with a body' : undefined) : checkBody(r.body)
      return reason ? [`${r.tag}: ${reason}`] : []
    }),
  ]

  return {
    origin: `http://127.0.0.1:${port}`,
    otherOrigin: `http://localhost:${port}`,
    collectorOrigin: `http://127.0.0.1:${secondPort}`,
    stopCollector,
    startCollector,
    route: (path, body, headers = {}) => void routes.set(path, [body, headers]),
    answer: (tag, ...given) => void answers.set(tag, given),
    received: tag => inbox.filter(r => r.tag === tag),
    events: tag => inbox.filter(r => r.tag === tag).flatMap(r => r.json?.events ?? []),
    acknowledged: tag =>
      inbox.filter(r => r.tag === tag && r.status < 300).flatMap(r => r.json?.events?.map(e => e.id) ?? []),
    waitFor: async (check, ms = 2500) => {
      const until = Date.now() + ms
      let result = check()
      while (!result && Date.now() < until) {
        await new Promise(resolve => setTimeout(resolve, 50))
        result = check()
      }
      return result
    },
    allowLeakyHeaders: tag => void leaky.add(tag),
    problems,
    close: async () => {
      await stopCollector()
      await new Promise(resolve => server.close(() => resolve(undefined)))
      const found = problems()
      if (found.length)
        throw new Error(`telemetry requests that leak or break the schema:\n${found.slice(0, 20).join('\n')}`)
    },
  }
}
