/**
 * Real-browser harness: Debian's Chromium driven by playwright-core, a
 * local HTTP server for pages and the library bundle, and a collector that
 * records every body it receives. Assertions are made at the collector
 * (beacons sent on unload are invisible to Playwright's request events).
 */
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { build } from 'vite'

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** Launches headless Chromium with the flags this machine's closed network needs. */
export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })

/** Bundles an entry (TypeScript, with its dependencies) into one ES module for the page. */
export const bundle = async (entry: string, name: string): Promise<string> => {
  const outDir = mkdtempSync(join(tmpdir(), 'spa-telemetry-'))
  await build({
    configFile: false,
    logLevel: 'silent',
    resolve: { alias: { 'spa-telemetry': join(process.cwd(), 'src/index.ts') } },
    build: { outDir, minify: false, lib: { entry, formats: ['es'], fileName: () => name + '.js' } },
  })
  return readFileSync(join(outDir, name + '.js'), 'utf8')
}

export interface Received {
  tag: string
  body: string
  headers: IncomingHttpHeaders
  /** parsed JSON body, or undefined */
  json: { events?: { id: string; type: string; name?: string; path?: string; [key: string]: unknown }[]; [key: string]: unknown } | undefined
}

export interface TestServer {
  origin: string
  /** The same server under another origin (localhost vs 127.0.0.1). */
  otherOrigin: string
  /** Serves `body` at `path` with these headers. */
  route(path: string, body: string, headers?: Record<string, string>): void
  /** Answers POSTs to `/collect/<tag>` with this status (default 204). */
  answer(tag: string, status: number): void
  /** Bodies received at `/collect/<tag>`. */
  received(tag: string): Received[]
  /** Events received at `/collect/<tag>`, in order of arrival. */
  events(tag: string): NonNullable<Received['json']>['events'] & object
  /** Polls until `check` passes (up to `ms`), then returns its last result. */
  waitFor<T>(check: () => T, ms?: number): Promise<T>
  close(): Promise<void>
}

/** Starts the page server and collector on 127.0.0.1, a random port. */
export const startServer = async (): Promise<TestServer> => {
  const routes = new Map<string, [string, Record<string, string>]>()
  const statuses = new Map<string, number>()
  const inbox: Received[] = []
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url || '/', 'http://x')
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type' }
    if (url.pathname.startsWith('/collect/')) {
      const tag = url.pathname.slice('/collect/'.length)
      if (request.method === 'OPTIONS') return response.writeHead(204, cors).end()
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
        inbox.push({ tag, body, headers: request.headers, json })
        response.writeHead(statuses.get(tag) ?? 204, cors).end()
      })
      return
    }
    const page = routes.get(url.pathname)
    if (!page) {
      // any unknown path under /app/ serves the app shell, as an SPA host does
      const shell = url.pathname.startsWith('/app/') && routes.get('/app/')
      if (!shell) return response.writeHead(404).end('not found')
      return response.writeHead(200, { 'content-type': 'text/html', ...shell[1] }).end(shell[0])
    }
    const type = url.pathname.endsWith('.js') ? 'text/javascript' : 'text/html'
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...page[1] }).end(page[0])
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    origin: `http://127.0.0.1:${port}`,
    otherOrigin: `http://localhost:${port}`,
    route: (path, body, headers = {}) => void routes.set(path, [body, headers]),
    answer: (tag, status) => void statuses.set(tag, status),
    received: tag => inbox.filter(r => r.tag === tag),
    events: tag => inbox.filter(r => r.tag === tag).flatMap(r => r.json?.events ?? []),
    waitFor: async (check, ms = 2500) => {
      const until = Date.now() + ms
      let result = check()
      while (!result && Date.now() < until) {
        await new Promise(resolve => setTimeout(resolve, 50))
        result = check()
      }
      return result
    },
    close: () => new Promise(resolve => server.close(() => resolve())),
  }
}
