/**
 * End to end: the built demo console, served by `vite preview` with its
 * collector and a strict CSP, driven in Debian's Chromium. Everything is
 * asserted at the collector, from what actually arrived.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { build, preview } from 'vite'
import type { PreviewServer } from 'vite'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { launch } from '../browser/harness.js'

interface Arrived {
  id: string
  type: string
  path?: string
  from?: string
  name?: string
  props?: Record<string, unknown>
}

const CONFIG = 'demo/vite.config.ts'
let browser: Browser
let server: PreviewServer
let origin = ''
let otherOrigin = ''

beforeAll(async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'spa-telemetry-demo-'))
  await build({ configFile: CONFIG, logLevel: 'silent', build: { outDir, emptyOutDir: true } })
  ;[browser, server] = await Promise.all([launch(), preview({ configFile: CONFIG, logLevel: 'silent', build: { outDir }, preview: { port: 0, strictPort: false } })])
  const { port } = server.httpServer.address() as { port: number }
  origin = `http://127.0.0.1:${port}`
  otherOrigin = `http://localhost:${port}`
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await new Promise(resolve => server?.httpServer.close(resolve))
})
beforeEach(async () => {
  await fetch(`${origin}/telemetry/events`, { method: 'DELETE' })
})

const arrived = async (): Promise<Arrived[]> => (await fetch(`${origin}/telemetry/events`)).json()
const bodies = async (): Promise<string[]> => (await fetch(`${origin}/telemetry/bodies`)).json()

/** Polls the collector until `count` events arrived (up to `ms`), then returns them. */
const waitForEvents = async (count: number, ms = 3000): Promise<Arrived[]> => {
  const until = Date.now() + ms
  let events = await arrived()
  while (events.length < count && Date.now() < until) {
    await new Promise(resolve => setTimeout(resolve, 100))
    events = await arrived()
  }
  return events
}

/** A fresh browser profile with the demo open; CSP violations and page errors are recorded. */
const open = async (path = '/', init?: () => void): Promise<{ page: Page; context: BrowserContext; problems: string[] }> => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 820 } })
  if (init) await context.addInitScript(init)
  await context.addInitScript(() => {
    const seen: string[] = ((window as unknown as { violations: string[] }).violations = [])
    document.addEventListener('securitypolicyviolation', event => seen.push(`${event.violatedDirective} ${event.blockedURI}`))
  })
  const page = await context.newPage()
  page.setDefaultTimeout(5000)
  const problems: string[] = []
  page.on('pageerror', error => problems.push(`pageerror: ${error.message}`))
  page.on('console', message => message.type() === 'error' && problems.push(`console: ${message.text()}`))
  await page.goto(origin + path)
  await page.waitForSelector('#real-url')
  return { page, context, problems }
}

const shape = (events: Arrived[]) => events.map(e => [e.type, e.path ?? null, e.name ?? null])

/** Clicks through the console the way a user does; returns what must arrive, in order. */
const tour = async (page: Page) => {
  await page.click('#open-p_8f2k')
  await page.click('#table-customers')
  await page.waitForSelector('.rows tbody tr')
  await page.click('#add-row')
  await page.click('#modify')
  await page.click('#save-schema')
  await page.click('#nav-projects')
  await page.fill('#project-name', 'Q4 layoffs plan')
  await page.click('#create')
  return [
    ['page', '/', null],
    ['page', '/nc/:project_id', null],
    ['page', '/nc/:project_id/table/:table_id?tab=rows', 'table'],
    ['action', '/nc/:project_id/table/:table_id?tab=rows', 'tables/loadRows/fulfilled'],
    ['action', '/nc/:project_id/table/:table_id?tab=rows', 'tables/rowAdded'],
    ['track', null, 'row_added'],
    ['page', '/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/modify', null],
    ['action', '/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/modify', 'tables/schemaSaved'],
    ['page', '/', null],
    ['action', '/', 'projects/created'],
    ['track', null, 'project_form_submitted'],
  ]
}

describe('the demo console', () => {
  it('screens, actions and tracked buttons arrive anonymized, in order, once each; no CSP violation', async () => {
    const { page, context, problems } = await open()
    const expected = await tour(page)
    await page.click('#flush')
    const events = await waitForEvents(expected.length)
    expect(shape(events)).toEqual(expected)
    expect(new Set(events.map(e => e.id)).size).toBe(events.length)
    // the panel shows what arrived, next to the real URL
    await page.click('#open-p_8f2k')
    await page.click('#table-customers')
    await page.waitForSelector('.rows tbody tr')
    await page.click('#flush')
    // 11 + 2 page views (a second tables/loadRows/fulfilled within a second is held back by the flood guard)
    await page.waitForFunction(() => document.querySelectorAll('#sent tbody tr[data-type]').length >= 13)
    expect(await page.textContent('#real-url')).toContain('/nc/p_8f2k/table/customers?tab=rows')
    expect(await page.textContent('#sent')).toContain('/nc/:project_id/table/:table_id?tab=rows')
    // no focus ring, hover or transition: the same pixels every run, so the file changes only with the demo
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await page.mouse.move(0, 0)
    await page.screenshot({ path: 'docs/demo.png', animations: 'disabled', caret: 'hide' })
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  })

  it('the preview serves the strict Content-Security-Policy', async () => {
    const response = await fetch(origin)
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'; style-src 'self'/)
    expect(response.headers.get('content-security-policy')).not.toMatch(/unsafe/)
  })

  it('events are delivered when the tab is closed', async () => {
    const { page, context } = await open('/nc/p_8f2k')
    await page.click('#export')
    await page.click('#table-customers')
    await page.close()
    const events = await waitForEvents(3)
    expect(shape(events).slice(0, 3)).toEqual([
      ['page', '/nc/:project_id', null],
      ['track', null, 'export_clicked'],
      ['page', '/nc/:project_id/table/:table_id?tab=rows', 'table'],
    ])
    await context.close()
  })

  it('events are delivered when the user navigates to another site', async () => {
    const { page, context } = await open('/settings')
    await page.click('#nav-projects')
    await page.goto(`${otherOrigin}/telemetry/events`)
    const events = await waitForEvents(2)
    expect(shape(events)).toEqual([
      ['page', '/settings', null],
      ['page', '/', null],
    ])
    await context.close()
  })

  it('offline: events are kept, then delivered after reconnecting, without duplicates', async () => {
    const { page, context } = await open('/')
    await page.click('#flush')
    await waitForEvents(1)
    await context.setOffline(true)
    await page.click('#open-p_x7mm')
    await page.click('#export')
    await page.click('#flush')
    await page.waitForTimeout(500)
    expect(await arrived()).toHaveLength(1)
    expect(await page.evaluate(() => localStorage.getItem('spa-telemetry:acme-console:queue'))).toContain('export_clicked')
    await context.setOffline(false)
    const events = await waitForEvents(3)
    expect(shape(events)).toEqual([
      ['page', '/', null],
      ['page', '/nc/:project_id', null],
      ['track', null, 'export_clicked'],
    ])
    await context.close()
  })

  it('offline until the tab closes: delivered on the next load, once', async () => {
    const { page, context } = await open('/nc/p_3jq9')
    await context.setOffline(true)
    await page.click('#export')
    await page.close()
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(await arrived()).toHaveLength(0)
    await context.setOffline(false)
    const again = await context.newPage()
    await again.goto(`${origin}/settings`)
    const events = await waitForEvents(3, 4000)
    expect(events.map(e => e.name ?? e.path).sort()).toEqual(['/nc/:project_id', '/settings', 'export_clicked'])
    expect(new Set(events.map(e => e.id)).size).toBe(3)
    await context.close()
  })

  it('after opt-out nothing more arrives and storage holds no events', async () => {
    const { page, context } = await open('/')
    await page.click('#flush')
    await waitForEvents(1)
    await page.click('#toggle-consent')
    expect(await page.textContent('#toggle-consent')).toBe('Opt in')
    await page.click('#open-p_8f2k')
    await page.click('#export')
    await page.click('#flush')
    expect(await page.evaluate(() => Object.entries(localStorage))).toEqual([['spa-telemetry:acme-console:consent', 'out']])
    await page.reload()
    await page.click('#nav-projects')
    await page.close()
    await new Promise(resolve => setTimeout(resolve, 700))
    expect(shape(await arrived())).toEqual([['page', '/', null]])
    await context.close()
  })

  for (const [signal, script] of [
    ['Do Not Track', () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })],
    ['Global Privacy Control', () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })],
  ] as const) {
    it(`with ${signal} nothing is sent or stored`, async () => {
      const { page, context } = await open('/', script)
      expect(await page.textContent('#toggle-consent')).toBe('Opt in')
      await page.click('#open-p_8f2k')
      await page.click('#export')
      await page.click('#flush')
      expect(await page.evaluate(() => localStorage.length)).toBe(0)
      await page.close()
      await new Promise(resolve => setTimeout(resolve, 700))
      expect(await arrived()).toEqual([])
      await context.close()
    })
  }

  it('canaries in params, queries, hashes, titles, Redux payloads and state never reach the collector or storage', async () => {
    const canary = 'cnry7f3a9b2e51'
    const { page, context } = await open(`/nc/${canary}_project/table/${canary}_table?tab=${canary}&q=${canary}#${canary}`)
    await page.evaluate(c => (document.title = `Alice ${c}`), canary)
    await page.fill('#search', `${canary}@example.com`)
    await page.click('#add-row')
    await page.goto(`${origin}/data/schema/${canary}_schema/tables/${canary}_t/modify?token=${canary}`)
    await page.click('#save-schema')
    await page.click('#nav-projects')
    await page.fill('#project-name', `Project ${canary}`)
    await page.click('#create')
    await page.evaluate(c => history.pushState(null, '', `/nc/p/${c}/deep`), canary)
    const storage = await page.evaluate(() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]))
    await page.click('#flush')
    await page.close()
    await waitForEvents(8)
    const everything = (await bodies()).join('\n') + storage
    expect(everything.toLowerCase()).not.toContain(canary)
    expect((await bodies()).length).toBeGreaterThan(0)
    await context.close()
  })
})
