/**
 * The dashboard page in Debian's Chromium, over a generated data set: every
 * view draws with no CSP violation and no request to any other origin, by
 * keyboard alone, at 1280 px and at a phone's width, light and dark. With
 * UPDATE_SCREENSHOTS=1 it also writes the screenshots docs/dashboard.md shows
 * (test runs leave git clean).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'

import { listen } from '../../collector/index.js'
import type { Listener } from '../../collector/index.js'
import { createDashboard, ndjsonEngine } from '../../dashboard/index.js'
import type { Engine } from '../../dashboard/index.js'
import { generate, writeNdjson } from '../../bench/dashboard-data.mjs'
import { tempDir } from '../helpers/collector.js'
import { launch } from './harness.js'

const VIEWS = ['screens', 'actions', 'versions', 'flows', 'funnel', 'errors', 'installs']
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1'
let browser: Browser
let server: Listener
let engine: Engine
let base: string

beforeAll(async () => {
  const dir = tempDir()
  writeNdjson(
    dir,
    generate({
      events: 100_000,
      days: 30,
      installs: 2000,
      screens: 50,
      actions: 200,
      versions: 5,
      seed: 3,
      end: Date.now(),
    }),
  )
  engine = ndjsonEngine({ dir })
  await engine.open()
  ;[browser, server] = await Promise.all([launch(), listen(createDashboard({ store: engine }), { port: 0 })])
  base = new URL('dashboard/', server.url).href
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await engine?.close()
})

/** A page that records CSP violations and every request it makes. */
const open = async (
  options: { width?: number; height?: number; dark?: boolean } = {},
): Promise<{ page: Page; violations: () => Promise<string[]>; requests: string[] }> => {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: options.dark ? 'dark' : 'light',
  })
  const page = await context.newPage()
  const requests: string[] = []
  page.on('request', request => requests.push(request.url()))
  await page.addInitScript(() => {
    const list: string[] = []
    ;(window as unknown as { violations: string[] }).violations = list
    document.addEventListener('securitypolicyviolation', event =>
      list.push(`${event.violatedDirective} ${event.blockedURI}`),
    )
  })
  return {
    page,
    requests,
    violations: () => page.evaluate(() => (window as unknown as { violations: string[] }).violations),
  }
}

const showView = async (page: Page, view: string): Promise<void> => {
  await page.goto(`${base}#${view}`)
  await page.waitForSelector(`main[data-view="${view}"]:not([aria-busy])`, { timeout: 20_000 })
  await page.waitForTimeout(300) // the charts draw in the next frame
}

describe('the dashboard page', () => {
  it('draws every view with no CSP violation and no request to another origin', async () => {
    const { page, violations, requests } = await open()
    for (const view of VIEWS) {
      await showView(page, view)
      expect(await page.locator('main').innerText(), view).not.toContain('Nothing to show')
      if (SCREENSHOTS) await page.screenshot({ path: `docs/dashboard/${view}.png`, fullPage: true })
    }
    expect(await violations()).toEqual([])
    const origin = new URL(base).origin
    expect(requests.filter(url => new URL(url).origin !== origin)).toEqual([])
    await page.context().close()
  })

  it('is usable by keyboard: the views, the period, and each chart’s table', async () => {
    const { page } = await open()
    await showView(page, 'screens')
    // Tab from the top reaches the "Actions" link; Enter opens it
    await page.keyboard.press('Tab') // skip link
    let reached = false
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab')
      reached = (await page.evaluate(() => document.activeElement?.textContent)) === 'Actions'
    }
    expect(reached).toBe(true)
    await page.keyboard.press('Enter')
    await page.waitForSelector('main[data-view="actions"]:not([aria-busy])')
    // the chart's Table button, by keyboard: the table of the same numbers shows
    await page.focus('figure.chart button.toggle')
    await page.keyboard.press('Space')
    expect(await page.locator('figure.chart .scroll table').isVisible()).toBe(true)
    expect(await page.locator('figure.chart .plot').isVisible()).toBe(false)
    // the period: a select changed by keyboard
    await page.focus('#period')
    await page.keyboard.press('ArrowUp')
    await page.waitForFunction(() => location.hash.includes('from='))
    await page.context().close()
  })

  it('fits a phone’s width and follows a dark system theme', async () => {
    const { page, violations } = await open({ width: 390, height: 844, dark: true })
    for (const view of ['screens', 'funnel']) {
      await showView(page, view)
      const { scroll, width } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        width: window.innerWidth,
      }))
      expect(scroll, view).toBeLessThanOrEqual(width)
      if (SCREENSHOTS) await page.screenshot({ path: `docs/dashboard/${view}-phone-dark.png`, fullPage: false })
    }
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(background).toBe('rgb(18, 21, 28)')
    expect(await violations()).toEqual([])
    await page.context().close()
  })
})
