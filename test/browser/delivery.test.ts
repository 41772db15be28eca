/**
 * Delivery in Debian's Chromium, as issue 12 asked: what each request
 * carries in its headers (the page sets a session cookie, and some pages
 * send `Referrer-Policy: unsafe-url`), and that every event arrives when
 * the collector is down for a while, answers 5xx, 413 or 429, or the page
 * closes or navigates away right after the events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'

import { bundle, headerLeaks, launch, SESSION_COOKIE, startServer } from './harness.js'
import type { Answer, TestServer } from './harness.js'

let browser: Browser
let server: TestServer
let tags = 0

const BOOT = `
import { createTracker } from '/lib/spa-telemetry.js'
const options = JSON.parse(new URLSearchParams(location.search).get('o') || '{}')
window.logs = []
const info = console.info
console.info = (...args) => (window.logs.push(args.map(String).join(' ')), info(...args))
window.tracker = createTracker({
  app: { name: 'delivery' },
  routes: ['/app/nc/:project_id', '/open/nc/:project_id'],
  batch: { size: 1000, intervalMs: 600000 },
  ...options,
})
`

beforeAll(async () => {
  ;[browser, server] = await Promise.all([launch(), startServer()])
  const [production, development] = await Promise.all([
    bundle('src/index.ts', 'spa-telemetry'),
    bundle('src/index.ts', 'spa-telemetry', 'development'),
  ])
  server.route('/lib/spa-telemetry.js', production)
  server.route('/dev/spa-telemetry.js', development)
  server.route('/boot.js', BOOT)
  server.route('/dev/boot.js', BOOT.replace('/lib/', '/dev/'))
  const page = (script: string) =>
    `<!doctype html><title>Alice’s private project</title><script type="module" src="${script}"></script>`
  // the default referrer policy, a strict CSP that allows the second collector
  server.route('/app/', page('/boot.js'), {
    'content-security-policy': `default-src 'self'; script-src 'self'; connect-src 'self' ${server.collectorOrigin}`,
  })
  // a page that asks for its full URL in every Referer
  server.route('/open/nc/p_8f2k', page('/boot.js'), { 'referrer-policy': 'unsafe-url' })
  server.route('/dev/nc/p_8f2k', page('/dev/boot.js'), { 'referrer-policy': 'unsafe-url' })
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

type Options = Record<string, unknown>
/** A fresh tag, its endpoint (same origin, or the second collector) and the URL of a page reporting to it. */
const app = (options: Options = {}, { path = '/app/nc/p_8f2k', other = false } = {}): [tag: string, url: string] => {
  const tag = `d${++tags}`
  const endpoint = `${other ? server.collectorOrigin : ''}/collect/${tag}`
  return [
    tag,
    `${server.origin}${path}?q=alice%40corp.example&o=${encodeURIComponent(JSON.stringify({ endpoint, ...options }))}`,
  ]
}

const open = async (url: string, context?: BrowserContext): Promise<[Page, BrowserContext]> => {
  const ctx = context ?? (await browser.newContext())
  const page = await ctx.newPage()
  await page.goto(url)
  await page.waitForFunction(() => 'tracker' in window)
  return [page, ctx]
}

const track = (page: Page, count: number, name = 'clicked') =>
  page.evaluate(
    ([count, name]) => {
      for (let i = 0; i < count; i++) tracker.track(name, { i })
    },
    [count, name] as const,
  )

const distinct = (tag: string): number => new Set(server.acknowledged(tag)).size
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

describe('what a request carries in its headers', () => {
  for (const [policy, path, other] of [
    ['the default referrer policy, same origin', '/app/nc/p_8f2k', false],
    ['Referrer-Policy: unsafe-url, same origin', '/open/nc/p_8f2k', false],
    ['Referrer-Policy: unsafe-url, another origin', '/open/nc/p_8f2k', true],
  ] as const) {
    it(`${policy}: no Referer, no Cookie, text/plain, no preflight; in normal operation and at unload`, async () => {
      const [tag, url] = app({}, { path, other })
      const [page, context] = await open(url)
      expect(await page.evaluate(() => document.cookie)).toBe(SESSION_COOKIE)
      await page.evaluate(() => tracker.page())
      await track(page, 2)
      await page.evaluate(() => tracker.flush())
      await server.waitFor(() => distinct(tag) === 3)
      await track(page, 2, 'at_unload')
      await page.close()
      await server.waitFor(() => distinct(tag) === 5)
      const requests = server.received(tag)
      expect(requests.length).toBeGreaterThanOrEqual(2)
      for (const request of requests) {
        expect(headerLeaks(request.headers)).toEqual([])
        expect(request.headers).not.toHaveProperty('cookie')
        expect(request.headers).not.toHaveProperty('referer')
        expect(request.headers['content-type']).toBe('text/plain;charset=UTF-8')
        expect(JSON.stringify(request.headers)).not.toMatch(/p_8f2k|alice|s3cr3t/)
      }
      expect(server.events(tag)[0]).toMatchObject({ type: 'page', path: path.replace('p_8f2k', ':project_id') })
      await context.close()
    })
  }

  it("transport: 'beacon' sends the page's URL and cookies, as docs/privacy.md says (the reason it is not the default)", async () => {
    const [tag, url] = app({ transport: 'beacon' }, { path: '/open/nc/p_8f2k' })
    server.allowLeakyHeaders(tag)
    const [page, context] = await open(url)
    await track(page, 1)
    await page.close()
    await server.waitFor(() => server.received(tag).length === 1)
    const [request] = server.received(tag)
    expect(request.headers.cookie).toBe(SESSION_COOKIE)
    expect(request.headers.referer).toContain('/open/nc/p_8f2k?q=alice%40corp.example')
    await context.close()
  })

  it('where fetch has no keepalive, the batch sent at unload goes with sendBeacon; while the page lives, fetch', async () => {
    // no scheduled flush: the batch timer armed by 'switching' fired, under load, after 'unloading' was tracked and sent it by fetch
    const [tag, url] = app({ batch: { intervalMs: 3_600_000 } }, { path: '/open/nc/p_8f2k' })
    server.allowLeakyHeaders(tag)
    const context = await browser.newContext()
    await context.addInitScript(() => {
      delete (Request.prototype as { keepalive?: boolean }).keepalive
    })
    const [page] = await open(url, context)
    await track(page, 1, 'alive')
    await page.evaluate(() => tracker.flush())
    await server.waitFor(() => distinct(tag) === 1, 10_000)
    await track(page, 1, 'unloading')
    await page.close()
    await server.waitFor(() => distinct(tag) === 2, 10_000)
    // each by its event, not by when it arrived: on a loaded machine the fetch can arrive after the beacon
    const carrying = (name: string) => server.received(tag).filter(r => r.json?.events?.some(e => e.name === name))
    expect(carrying('alive').map(r => headerLeaks(r.headers))).toEqual([[]])
    expect(carrying('unloading').map(r => r.headers['sec-fetch-mode'])).toEqual(['no-cors'])
    await context.close()
  })

  it("an injected <base href> to another origin reroutes nothing: the relative endpoint is the page origin's", async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    await page.evaluate(other => {
      const base = document.createElement('base')
      base.href = other + '/'
      document.head.append(base)
      tracker.track('after_base')
      tracker.flush()
    }, server.collectorOrigin)
    expect(await page.evaluate(() => document.baseURI)).toBe(server.collectorOrigin + '/')
    await track(page, 1, 'at_unload')
    await page.close()
    await server.waitFor(() => distinct(tag) === 2, 5000)
    expect(server.received(tag).map(r => r.headers.host)).toEqual(
      server.received(tag).map(() => new URL(server.origin).host),
    )
    expect(distinct(tag)).toBe(2)
    await context.close()
  })

  it('where fetch has no keepalive, a tab switch sends with fetch: no Referer, no Cookie (Referrer-Policy: unsafe-url); only pagehide uses sendBeacon', async () => {
    // no scheduled flush: the batch timer armed by 'switching' fired, under load, after 'unloading' was tracked and sent it by fetch
    const [tag, url] = app({ batch: { intervalMs: 3_600_000 } }, { path: '/open/nc/p_8f2k' })
    server.allowLeakyHeaders(tag)
    const context = await browser.newContext()
    await context.addInitScript(() => {
      delete (Request.prototype as { keepalive?: boolean }).keepalive
    })
    const [page] = await open(url, context)
    await page.evaluate(() => {
      tracker.track('switching')
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    await server.waitFor(() => distinct(tag) === 1, 10_000)
    await track(page, 1, 'unloading')
    await page.close()
    await server.waitFor(() => distinct(tag) === 2, 10_000)
    const carrying = (name: string) => server.received(tag).filter(r => r.json?.events?.some(e => e.name === name))
    const [switching] = carrying('switching')
    expect(headerLeaks(switching.headers)).toEqual([])
    expect(switching.headers).not.toHaveProperty('cookie')
    expect(switching.headers).not.toHaveProperty('referer')
    expect(switching.headers['sec-fetch-mode']).toBe('cors')
    expect(carrying('unloading').map(r => r.headers['sec-fetch-mode'])).toEqual(['no-cors'])
    await context.close()
  })
})

describe('every event arrives', () => {
  it('the collector refuses connections for 10 s, then comes back: 20 of 20, in the same visit and after a reload during the outage', async () => {
    const options = { batch: { size: 5, intervalMs: 1000 } }
    const [stay, stayUrl] = app(options, { other: true })
    const [reload, reloadUrl] = app(options, { other: true })
    const [[stayPage, stayContext], [reloadPage, reloadContext]] = await Promise.all([open(stayUrl), open(reloadUrl)])
    await server.stopCollector()
    const outage = Date.now()
    await Promise.all([track(stayPage, 20), track(reloadPage, 20)])
    await sleep(3000)
    await reloadPage.reload()
    await reloadPage.waitForFunction(() => 'tracker' in window)
    await sleep(10_000 - (Date.now() - outage))
    expect(server.received(stay)).toHaveLength(0)
    expect(server.received(reload)).toHaveLength(0)
    await server.startCollector()
    await server.waitFor(() => distinct(stay) === 20 && distinct(reload) === 20, 40_000)
    expect(distinct(stay)).toBe(20)
    expect(server.acknowledged(stay)).toHaveLength(20) // no duplicate ids in the same visit
    expect(distinct(reload)).toBe(20)
    expect(await stayPage.evaluate(() => Object.keys(localStorage).filter(key => key.includes(':queue')))).toEqual([])
    await Promise.all([stayContext.close(), reloadContext.close()])
  }, 70_000)

  for (const [answers, name] of [
    [[500, 204], 'a 500, then 2xx'],
    [[413, 204], 'a 413'],
    [[[429, { 'retry-after': '1' }], 204], 'a 429 with Retry-After'],
  ] as [Answer[], string][]) {
    it(`${name}: all delivered, none twice`, async () => {
      const [tag, url] = app()
      server.answer(tag, ...answers)
      const [page, context] = await open(url)
      await track(page, 5)
      await page.evaluate(() => tracker.flush())
      await server.waitFor(() => distinct(tag) === 5, 8000)
      expect(distinct(tag)).toBe(5)
      expect(server.acknowledged(tag)).toHaveLength(5)
      expect(server.received(tag)[0].status).toBe(answers[0] instanceof Array ? answers[0][0] : answers[0])
      await context.close()
    })
  }

  it('hidden with a request in flight, seven events of ~12.5 KB: what does not fit the keepalive budget stays stored and goes next, none dropped', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    const storedIds = await page.evaluate(() => {
      tracker.page()
      tracker.flush() // in flight: its answer cannot arrive before this task ends
      for (let n = 0; n < 7; n++)
        tracker.track(
          'big',
          Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, String(n) + '€'.repeat(199)])),
        )
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
      document.dispatchEvent(new Event('visibilitychange'))
      const key = Object.keys(localStorage).find(k => k.includes(':queue'))
      return key ? (JSON.parse(localStorage.getItem(key)!).events as { id: string }[]).map(e => e.id) : []
    })
    // everything not yet acknowledged is stored: the page view and the seven
    expect(storedIds).toHaveLength(8)
    await server.waitFor(() => distinct(tag) === 8, 8000)
    expect(distinct(tag)).toBe(8)
    expect(server.received(tag).map(r => r.json?.dropped)).toEqual(server.received(tag).map(() => 0))
    // the first requests as the page was hidden stayed within the keepalive budget; the rest followed their answers
    expect(server.received(tag).length).toBeGreaterThan(4)
    await context.close()
  })

  it('tab closed 100 ms after 5 events: 5 of 5', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    await track(page, 5)
    await sleep(100)
    await page.close()
    await server.waitFor(() => distinct(tag) === 5)
    expect(distinct(tag)).toBe(5)
    await context.close()
  })

  it('navigation away to another site: all delivered', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    await track(page, 7)
    await page.goto(`${server.otherOrigin}/elsewhere`)
    await server.waitFor(() => distinct(tag) === 7)
    expect(distinct(tag)).toBe(7)
    await context.close()
  })
})

describe('a collector on another origin without CORS headers', () => {
  it('is named in debug output (development build), not left as a silent retry loop', async () => {
    const [tag, url] = app({ debug: true }, { path: '/dev/nc/p_8f2k', other: true })
    server.answer(tag, [204, { 'access-control-allow-origin': '' }])
    const [page, context] = await open(url)
    await track(page, 1)
    await page.evaluate(() => tracker.flush())
    await page.waitForFunction(
      () => (window as unknown as { logs: string[] }).logs.some(line => line.includes('Access-Control-Allow-Origin')),
      null,
      { timeout: 5000 },
    )
    const logs = await page.evaluate(() => (window as unknown as { logs: string[] }).logs)
    expect(logs.join('\n')).toContain(
      `${server.collectorOrigin} answers, but not with Access-Control-Allow-Origin for ${server.origin}`,
    )
    expect(logs.join('\n')).toContain(`start the collector with --origin ${server.origin}`)
    expect(logs.join('\n')).not.toMatch(/p_8f2k|alice/)
    await context.close()
  })
})
