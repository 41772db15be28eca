/**
 * The core tracker in Debian's Chromium, for what jsdom cannot show:
 * keepalive requests on unload, the 64 KiB budget, offline, storage,
 * consent across tabs, privacy signals and a strict CSP. Delivery under
 * faults and request headers: test/browser/delivery.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'

import { bundle, launch, startServer } from './harness.js'
import type { TestServer } from './harness.js'

let browser: Browser
let server: TestServer
let tags = 0

const BOOT = `
import { createTracker } from '/lib/spa-telemetry.js'
const options = JSON.parse(new URLSearchParams(location.search).get('o') || '{}')
window.violations = []
document.addEventListener('securitypolicyviolation', event => window.violations.push(event.violatedDirective))
window.tracker = createTracker({
  app: { name: 'e2e' },
  routes: ['/app', '/app/nc/:project_id', '/app/nc/:project_id/table/:table_id'],
  batch: { size: 1000, intervalMs: 600000 },
  ...options,
})
if (!options.noPage) window.tracker.page()
`
const STRICT_CSP = "default-src 'self'; script-src 'self'; connect-src 'self'; style-src 'self'"

beforeAll(async () => {
  ;[browser, server] = await Promise.all([launch(), startServer()])
  server.route('/lib/spa-telemetry.js', await bundle('src/index.ts', 'spa-telemetry'))
  server.route('/boot.js', BOOT)
  server.route(
    '/app/',
    '<!doctype html><title>Alice’s private project</title><script type="module" src="/boot.js"></script>',
    {
      'content-security-policy': STRICT_CSP,
    },
  )
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** A fresh tag (so a late beacon can't count for another test) and the app URL that reports to it. */
const app = (options: Record<string, unknown> = {}, path = '/app/nc/p_8f2k'): [tag: string, url: string] => {
  const tag = `t${++tags}`
  return [
    tag,
    `${server.origin}${path}?o=${encodeURIComponent(JSON.stringify({ endpoint: `/collect/${tag}`, ...options }))}`,
  ]
}

const open = async (url: string, context?: BrowserContext): Promise<[Page, BrowserContext]> => {
  const ctx = context ?? (await browser.newContext())
  const page = await ctx.newPage()
  await page.goto(url)
  await page.waitForFunction(() => 'tracker' in window)
  return [page, ctx]
}

const ids = (server: TestServer, tag: string): string[] => server.events(tag).map(e => e.id)

describe('keepalive delivery', () => {
  it('arrives when the tab is closed, as text/plain with no preflight', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    await page.evaluate(() => {
      tracker.track('clicked')
      tracker.track('exported', { format: 'csv' })
    })
    expect(server.received(tag)).toHaveLength(0)
    await page.close()
    await server.waitFor(() => server.events(tag).length === 3)
    expect(server.events(tag).map(e => [e.type, e.name ?? e.path])).toEqual([
      ['page', '/app/nc/:project_id'],
      ['track', 'clicked'],
      ['track', 'exported'],
    ])
    const [request] = server.received(tag)
    expect(request.headers['content-type']).toBe('text/plain;charset=UTF-8')
    expect(request.headers['sec-fetch-mode']).toBe('cors')
    expect(request.headers).not.toHaveProperty('referer')
    expect(request.headers).not.toHaveProperty('cookie')
    expect(server.received(tag).every(r => !r.body.includes('p_8f2k') && !r.body.includes('Alice'))).toBe(true)
    await context.close()
  })

  it('arrives when the user navigates to another site, once', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    await page.evaluate(() => tracker.track('leaving'))
    await page.goto(`${server.otherOrigin}/elsewhere`)
    await server.waitFor(() => server.events(tag).length === 2)
    await page.close()
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(server.events(tag).map(e => e.type)).toEqual(['page', 'track'])
    await context.close()
  })

  it('arrives when the page becomes hidden, and closing it afterwards sends nothing twice', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    await page.evaluate(() => {
      tracker.track('switching_tabs')
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    await server.waitFor(() => server.events(tag).length === 2)
    await page.close()
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(new Set(ids(server, tag)).size).toBe(2)
    expect(ids(server, tag)).toHaveLength(2)
    await context.close()
  })
})

describe('fallbacks and limits', () => {
  it('splits more than 64 KiB into bodies well under it; what was not acknowledged is sent by the next load', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    await page.evaluate(() => {
      for (let i = 0; i < 400; i++) tracker.track('bulk', { i, text: 'x'.repeat(150) })
    })
    await page.close()
    await server.waitFor(() => server.events(tag).length > 0)
    await new Promise(resolve => setTimeout(resolve, 300))
    const first = server.events(tag).length
    expect(first).toBeGreaterThan(0)
    expect(first).toBeLessThan(401)
    const [again] = await open(url, context)
    await server.waitFor(() => new Set(ids(server, tag)).size >= 402, 5000)
    const all = ids(server, tag)
    // 401 + the second load's page view; those in flight as the first page closed may come twice (at least once)
    expect(new Set(all).size).toBe(402)
    expect(all.length - 402).toBeLessThanOrEqual(first)
    for (const request of server.received(tag)) expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(16 * 1024)
    expect(await again.evaluate(() => Object.keys(localStorage).filter(key => key.includes(':queue')))).toEqual([])
    await context.close()
  })

  it('offline: keeps events and delivers them after reconnecting, once', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    await context.setOffline(true)
    await page.evaluate(() => {
      tracker.track('offline_1')
      tracker.flush()
    })
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(server.received(tag)).toHaveLength(0)
    expect(
      await page.evaluate(
        tag => localStorage.getItem(`spa-telemetry:e2e:queue:${location.origin}/collect/${tag}`),
        tag,
      ),
    ).toContain('offline_1')
    await context.setOffline(false)
    await server.waitFor(() => server.events(tag).length === 2)
    expect(server.events(tag).map(e => e.name ?? e.type)).toEqual(['page', 'offline_1'])
    await context.close()
  })

  it('offline until the tab closes: delivered on the next load, once', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    await context.setOffline(true)
    await page.evaluate(() => tracker.track('offline_then_closed'))
    await page.close()
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(server.received(tag)).toHaveLength(0)
    await context.setOffline(false)
    await open(url, context)
    await server.waitFor(() => server.events(tag).length >= 3, 4000)
    const events = server.events(tag)
    expect(events.map(e => e.name ?? e.type).sort()).toEqual(['offline_then_closed', 'page', 'page'])
    expect(new Set(events.map(e => e.id)).size).toBe(3)
    await context.close()
  })
})

describe('consent and privacy signals', () => {
  it('opt-out clears storage at once and stops requests', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    await context.setOffline(true)
    await page.evaluate(() => {
      tracker.track('before')
      tracker.flush()
    })
    expect(
      await page.evaluate(
        tag => localStorage.getItem(`spa-telemetry:e2e:queue:${location.origin}/collect/${tag}`),
        tag,
      ),
    ).toContain('before')
    await page.evaluate(() => tracker.optOut())
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual(['spa-telemetry:e2e:consent'])
    await context.setOffline(false)
    await page.evaluate(() => {
      tracker.track('after')
      tracker.page('/app/nc/p2')
      tracker.flush()
    })
    await page.close()
    await open(url, context)
    await new Promise(resolve => setTimeout(resolve, 1500))
    expect(server.received(tag)).toHaveLength(0)
    await context.close()
  })

  it('an opt-out in one tab reaches the other open tab within a second: it sends and stores nothing more', async () => {
    const [tag, url] = app()
    const [a, context] = await open(url)
    const [b] = await open(url, context)
    await b.evaluate(() => tracker.track('queued_in_b'))
    const before = Date.now()
    await a.evaluate(() => tracker.optOut())
    await b.waitForFunction(() => tracker.status() === 'opted-out', null, { timeout: 1000 })
    expect(Date.now() - before).toBeLessThan(1000)
    await b.evaluate(() => {
      tracker.track('after')
      tracker.flush()
    })
    await b.close()
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(server.received(tag)).toHaveLength(0)
    expect(await a.evaluate(() => Object.keys(localStorage))).toEqual(['spa-telemetry:e2e:consent'])
    await context.close()
  })

  it("storage full, the tracker's queue holding the last room (collector answering 503): optOut() makes room first, and a reload says opted-out and sends nothing", async () => {
    const [tag, url] = app()
    server.answer(tag, 503)
    const [page, context] = await open(url)
    await page.evaluate(() => {
      for (let i = 0; i < 20; i++) tracker.track('clicked', { i, text: 'x'.repeat(150) })
      tracker.flush()
    })
    await server.waitFor(() => server.received(tag).length === 1)
    // this load's events, which retries may still carry until the opt-out
    const before = new Set(server.events(tag).map(e => e.id))
    const room = await page.evaluate(() => {
      // the app's own data fills what is left, to the last character: pieces of halving sizes (each
      // written once: rewriting one growing value costs seconds a write), then one small value grown
      let n = 0
      for (let size = 1 << 22; size >= 1; size >>= 1) {
        try {
          localStorage.setItem(`app-data-${n}`, 'x'.repeat(size))
          n++
        } catch {
          // a smaller piece may still fit
        }
      }
      let small = ''
      for (let size = 64; size >= 1; size >>= 1) {
        try {
          localStorage.setItem('app', small + 'x'.repeat(size))
          small += 'x'.repeat(size)
        } catch {
          // a smaller piece may still fit
        }
      }
      const queued = Object.keys(localStorage).some(
        key => key.includes(':queue:') && localStorage.getItem(key)!.includes('clicked'),
      )
      let full = false
      try {
        localStorage.setItem('spa-telemetry:e2e:consent', 'out')
        localStorage.removeItem('spa-telemetry:e2e:consent')
      } catch {
        full = true
      }
      tracker.optOut()
      return { queued, full, consent: localStorage.getItem('spa-telemetry:e2e:consent'), status: tracker.status(true) }
    })
    expect(room).toEqual({
      queued: true,
      full: true,
      consent: 'out',
      status: { status: 'opted-out', choice: 'out', stored: true },
    })
    const [again] = await open(url, context)
    expect(await again.evaluate(() => tracker.status())).toBe('opted-out')
    await again.evaluate(() => tracker.track('after_reload'))
    await again.close()
    await page.close()
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(server.events(tag).filter(e => !before.has(e.id))).toEqual([])
    await context.close()
  })

  it('localStorage.clear() in one tab after an opt-out: the other tab writes the choice back, and a new tab says opted-out and sends nothing', async () => {
    const [tag, url] = app()
    const [a, context] = await open(url)
    const [b] = await open(url, context)
    await a.evaluate(() => tracker.optOut())
    await b.waitForFunction(() => tracker.status() === 'opted-out', null, { timeout: 2000 })
    await a.evaluate(() => localStorage.clear())
    // b received the storage event (key null) and wrote the opt-out back
    await a.waitForFunction(() => localStorage.getItem('spa-telemetry:e2e:consent') === 'out', null, { timeout: 2000 })
    const [c] = await open(url, context)
    expect(await c.evaluate(() => tracker.status())).toBe('opted-out')
    await c.evaluate(() => {
      tracker.track('in_the_new_tab')
      tracker.flush()
    })
    for (const page of [c, b, a]) await page.close()
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(server.received(tag)).toHaveLength(0)
    await context.close()
  })

  it('opt-in mode touches no storage and sends nothing before optIn()', async () => {
    const [tag, url] = app({ consent: 'opt-in' })
    const [page, context] = await open(url)
    await page.evaluate(() => {
      tracker.track('before_consent')
      tracker.flush()
    })
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0])
    await page.evaluate(() => {
      tracker.optIn()
      tracker.track('after_consent')
    })
    await page.close()
    await server.waitFor(() => server.events(tag).length === 1)
    expect(server.events(tag).map(e => e.name)).toEqual(['after_consent'])
    await context.close()
  })

  for (const [signal, script] of [
    ['Do Not Track', () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })],
    [
      'Global Privacy Control',
      () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
    ],
  ] as const) {
    it(`${signal} is honoured: nothing is stored or sent`, async () => {
      const [tag, url] = app()
      const context = await browser.newContext()
      await context.addInitScript(script)
      const [page] = await open(url, context)
      await page.evaluate(() => tracker.track('x'))
      expect(await page.evaluate(() => [tracker.isEnabled(), localStorage.length])).toEqual([false, 0])
      await page.close()
      await new Promise(resolve => setTimeout(resolve, 500))
      expect(server.received(tag)).toHaveLength(0)
      await context.close()
    })
  }
})

describe('strict Content-Security-Policy', () => {
  it('runs and sends under default-src self with no unsafe-eval or unsafe-inline', async () => {
    const [tag, url] = app()
    const [page, context] = await open(url)
    const errors: string[] = []
    page.on('console', message => message.type() === 'error' && errors.push(message.text()))
    await page.evaluate(() => tracker.track('under_csp'))
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([])
    await page.close()
    await server.waitFor(() => server.events(tag).length === 2)
    expect(errors).toEqual([])
    await context.close()
  })
})
