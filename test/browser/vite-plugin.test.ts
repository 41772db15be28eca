/**
 * The Quick start's promise, in Chromium: an app with `plugins: [telemetry()]`
 * and a tracker with `endpoint: '/telemetry'` (test/fixtures/vite, nothing else
 * set up) stores its first events in the ndjson directory, under `vite dev` and
 * under `vite preview` after `vite build`. No telemetry request carries the
 * page's cookie or its address.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser } from 'playwright-core'
import { build, createServer, preview } from 'vite'
import type { InlineConfig, PreviewServer, ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import telemetry from '../../vite/index.js'
import { headerLeaks, launch, SESSION_COOKIE } from './harness.js'

const FIXTURE = resolve('test/fixtures/vite')
const temp = mkdtempSync(join(tmpdir(), 'spa-telemetry-vite-browser-'))
let browser: Browser

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
  rmSync(temp, { recursive: true, force: true })
})

/** The fixture app with nothing but the plugin, storing in `dir`. */
const config = (dir: string, extra: InlineConfig = {}): InlineConfig => ({
  configFile: false,
  root: FIXTURE,
  cacheDir: join(temp, 'vite-cache'),
  logLevel: 'silent',
  plugins: [telemetry({ dir })],
  resolve: { alias: { 'spa-telemetry': resolve('src/index.ts') } },
  server: { port: 0, host: '127.0.0.1' },
  preview: { port: 0, host: '127.0.0.1' },
  build: { outDir: join(temp, 'dist'), emptyOutDir: true },
  ...extra,
})

/** The events in the directory's ndjson files, as [type, path or name]. */
const stored = (dir: string): [string, string][] => {
  let names: string[] = []
  try {
    names = readdirSync(dir).filter(name => name.endsWith('.ndjson'))
  } catch {
    return []
  }
  return names
    .flatMap(name => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean))
    .map(line => JSON.parse(line) as { type: string; path?: string; name?: string })
    .map(event => [event.type, event.path ?? event.name ?? ''])
}

/** Opens the app at a concrete address with the site's session cookie, leaves it, and waits for `count` stored events. */
const visit = async (
  server: ViteDevServer | PreviewServer,
  dir: string,
  count: number,
): Promise<{ events: [string, string][]; headers: IncomingHttpHeaders[] }> => {
  const headers: IncomingHttpHeaders[] = []
  server.httpServer!.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    response.setHeader('referrer-policy', 'unsafe-url')
    if (request.method === 'POST' && request.url?.startsWith('/telemetry')) headers.push(request.headers)
  })
  const { port } = server.httpServer!.address() as { port: number }
  const origin = `http://127.0.0.1:${port}`
  const context = await browser.newContext()
  await context.addCookies([{ name: SESSION_COOKIE.split('=')[0], value: SESSION_COOKIE.split('=')[1], url: origin }])
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', error => problems.push(error.message))
  page.on('console', message => message.type() === 'error' && problems.push(message.text()))
  await page.goto(`${origin}/nc/p_8f2k?q=alice`, { waitUntil: 'load' })
  await page.close()
  const until = Date.now() + 10_000
  while (stored(dir).length < count && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 100))
  await context.close()
  expect(problems).toEqual([])
  return { events: stored(dir), headers }
}

/** What the Quick start sends: its page view, anonymized, and its tracked event. */
const QUICK_START: [string, string][] = [
  ['page', '/nc/:project_id'],
  ['track', 'table_created'],
]

describe('spa-telemetry/vite in Chromium', () => {
  it("vite dev: the Quick start's events land in the ndjson directory", async () => {
    const dir = join(temp, 'dev-events')
    const server = await createServer(config(dir))
    await server.listen()
    try {
      const { events, headers } = await visit(server, dir, 2)
      expect(events).toEqual(QUICK_START)
      expect(headers.length).toBeGreaterThan(0)
      expect(headers.flatMap(headerLeaks)).toEqual([])
    } finally {
      await server.close()
    }
  })

  it("vite build, then vite preview: the Quick start's events land in the ndjson directory", async () => {
    const dir = join(temp, 'preview-events')
    await build(config(dir))
    const server = await preview(config(dir))
    try {
      const { events, headers } = await visit(server, dir, 2)
      expect(events).toEqual(QUICK_START)
      expect(headers.flatMap(headerLeaks)).toEqual([])
    } finally {
      await server.close()
    }
  })
})
