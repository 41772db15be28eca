/**
 * `spa-telemetry/history` in Debian's Chromium: real pushState, the Back and
 * Forward buttons, hash navigation and link clicks, with the real tracker
 * sending to a local collector. jsdom covers the rest (test/adapters).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'

import { bundle, launch, startServer } from './harness.js'
import type { TestServer } from './harness.js'

let browser: Browser
let server: TestServer
let tags = 0

/** The page's library: the core and the adapter, as an app bundles them. */
const ENTRY = `
export { createTracker } from 'spa-telemetry'
export { trackHistory } from ${JSON.stringify(join(process.cwd(), 'adapters/history.ts'))}
`

/**
 * Boots nothing until the test calls `start`: a real tracker, wrapped so the
 * page keeps where the browser was at each page() call, tracked by trackHistory.
 */
const BOOT = `
import { createTracker, trackHistory } from '/lib/history.js'
window.pages = []
window.trackHistory = trackHistory
window.start = ({ endpoint, hash }) => {
  const tracker = createTracker({
    endpoint,
    app: { name: 'e2e' },
    hash,
    routes: hash ? ['/', '/nc/:project_id', '/nc/:project_id/table/:table_id'] : ['/app', '/app/nc/:project_id', '/app/nc/:project_id/table/:table_id'],
    batch: { size: 1000, intervalMs: 600000 },
  })
  const recording = { ...tracker, page: (...args) => (window.pages.push(location.pathname + location.search + location.hash), tracker.page(...args)) }
  window.stop = trackHistory(recording, window)
}
`

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spa-telemetry-history-'))
  writeFileSync(join(dir, 'entry.ts'), ENTRY)
  const [launched, started, library] = await Promise.all([
    launch(),
    startServer(),
    bundle(join(dir, 'entry.ts'), 'history'),
  ])
  ;[browser, server] = [launched, started]
  server.route('/lib/history.js', library)
  server.route('/boot.js', BOOT)
  server.route(
    '/app/',
    '<!doctype html><title>Alice’s projects</title><a id="link" href="#/nc/p_1/table/t_2">table</a><script type="module" src="/boot.js"></script>',
  )
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** Opens the app at /app/, starts tracking with a fresh collector tag. */
const open = async (hash = false): Promise<[Page, string]> => {
  const tag = `history${++tags}`
  const page = await (await browser.newContext()).newPage()
  await page.goto(`${server.origin}/app/`)
  await page.waitForFunction(() => 'start' in window)
  await page.evaluate(options => window.start(options), { endpoint: `/collect/${tag}`, hash })
  return [page, tag]
}

/** Waits until the page has recorded `count` page views, then returns them. */
const pages = async (page: Page, count: number): Promise<string[]> => {
  await page.waitForFunction(n => window.pages.length >= n, count, { timeout: 2000 }).catch(() => undefined)
  return page.evaluate(() => window.pages)
}

/** Closes the page (its pagehide flushes the queue) and returns the events the collector got. */
const sent = async (page: Page, tag: string, count: number) => {
  const context = page.context()
  await page.close()
  await server.waitFor(() => server.events(tag).length >= count)
  await context.close()
  return server.events(tag)
}

declare global {
  interface Window {
    pages: string[]
    start(options: { endpoint: string; hash: boolean }): void
    stop(): void
    trackHistory(tracker: unknown): () => void
  }
}

describe('trackHistory in Chromium', () => {
  it('pushState, Back and Forward are page views; replaceState and an anchor on the same page are not', async () => {
    const [page, tag] = await open()
    await page.evaluate(() => {
      history.pushState({ owner: 'alice@example.com' }, '', '/app/nc/p_8f2k')
      history.replaceState({ scroll: 120 }, '', '/app/nc/p_8f2k?q=alice')
      history.pushState(null, '', '/app/nc/p_8f2k/table/customers')
    })
    await page.goBack()
    expect(await pages(page, 4)).toHaveLength(4)
    await page.goForward()
    expect(await pages(page, 5)).toHaveLength(5)
    // an in-page anchor: Chromium fires popstate and hashchange, the path is unchanged
    await page.evaluate(() => new Promise(resolve => ((window.onhashchange = resolve), (location.hash = '#row-7'))))
    // popstate fires before hashchange, so a page view would be in by now
    expect(await pages(page, 5)).toEqual([
      '/app/',
      '/app/nc/p_8f2k',
      '/app/nc/p_8f2k/table/customers',
      '/app/nc/p_8f2k?q=alice',
      '/app/nc/p_8f2k/table/customers',
    ])
    const events = await sent(page, tag, 5)
    expect(events.map(({ type, path, from }) => [type, path, from])).toEqual([
      ['page', '/app', undefined],
      ['page', '/app/nc/:project_id', '/app'],
      ['page', '/app/nc/:project_id/table/:table_id', '/app/nc/:project_id'],
      ['page', '/app/nc/:project_id', '/app/nc/:project_id/table/:table_id'],
      ['page', '/app/nc/:project_id/table/:table_id', '/app/nc/:project_id'],
    ])
    const bodies = server
      .received(tag)
      .map(r => r.body)
      .join('\n')
    for (const secret of ['p_8f2k', 'customers', 'alice', 'Alice', 'row-7']) expect(bodies).not.toContain(secret)
  })

  it('a tracker with hash: true: each hash navigation counts once, though popstate and hashchange both fire', async () => {
    const [page, tag] = await open(true)
    const fired = await page.evaluate(
      () =>
        new Promise<string[]>(resolve => {
          const seen: string[] = []
          addEventListener('popstate', () => seen.push('popstate'))
          addEventListener('hashchange', () => (seen.push('hashchange'), resolve(seen)))
          location.hash = '#/nc/p_1'
        }),
    )
    expect(fired).toEqual(['popstate', 'hashchange'])
    await page.click('#link')
    await pages(page, 3)
    await page.goBack()
    await pages(page, 4)
    await page.evaluate(() => history.pushState(null, '', '#/nc/p_3'))
    expect(await pages(page, 5)).toEqual([
      '/app/',
      '/app/#/nc/p_1',
      '/app/#/nc/p_1/table/t_2',
      '/app/#/nc/p_1',
      '/app/#/nc/p_3',
    ])
    const events = await sent(page, tag, 5)
    expect(events.map(event => event.path)).toEqual([
      '/',
      '/nc/:project_id',
      '/nc/:project_id/table/:table_id',
      '/nc/:project_id',
      '/nc/:project_id',
    ])
  })

  it('stop() restores the native methods; a throwing tracker never breaks navigation', async () => {
    const [page] = await open()
    const result = await page.evaluate(() => {
      window.stop()
      const restored = history.pushState === History.prototype.pushState && !Object.hasOwn(history, 'pushState')
      history.pushState(null, '', '/app/after-stop')
      const broken = {
        page: () => {
          throw new Error('tracker failed')
        },
        anonymize: () => {
          throw new Error('tracker failed')
        },
      }
      const stop = window.trackHistory(broken)
      const returned = history.pushState({ big: 'x'.repeat(1000) }, '', '/app/still-works')
      const where = location.pathname
      stop()
      return { restored, returned, where, pages: window.pages }
    })
    expect(result).toEqual({ restored: true, returned: undefined, where: '/app/still-works', pages: ['/app/'] })
    await page.context().close()
  })
})
