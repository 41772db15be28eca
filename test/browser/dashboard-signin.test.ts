/**
 * Signing in to the dashboard with its token, in Debian's Chromium (issue 21,
 * our own pass). The sign-in form refused every browser: under the dashboard's
 * `Referrer-Policy: no-referrer`, Chromium posts the form with `Origin: null`
 * (and `Sec-Fetch-Site: same-origin`), which the cross-site check took for
 * another site. A form of another origin is still refused, and a session
 * cookie is never sent to it.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { listen } from '../../collector/index.js'
import type { Listener } from '../../collector/index.js'
import { createDashboard, ndjsonEngine } from '../../dashboard/index.js'
import type { Engine } from '../../dashboard/index.js'

const TOKEN = 'a-token-of-some-length-4kq8'
const dir = mkdtempSync(join(tmpdir(), 'spa-telemetry-signin-'))
let browser: Browser
let engine: Engine
let dashboard: Listener
/** A page of another origin whose form posts the right token to the dashboard (a site that learned it cannot sign a reader in to its own session). */
let other: Server
let base: string

beforeAll(async () => {
  engine = ndjsonEngine({ dir })
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  })
  dashboard = await listen(createDashboard({ store: engine, token: TOKEN }), { port: 0 })
  base = new URL('dashboard/', dashboard.url).href.replace('127.0.0.1', 'localhost')
  other = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/html' })
    response.end(
      `<form method="post" action="${base}login"><input name="token" value="${TOKEN}"></form><script>document.forms[0].submit()</script>`,
    )
  })
  await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve))
}, 30_000)
afterAll(async () => {
  await browser?.close()
  await dashboard?.close()
  other?.close()
  await engine?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the sign-in form in Chromium', () => {
  it('signs in from the dashboard page: the page and its API answer, with an HttpOnly, SameSite=Strict cookie', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(base)
    expect(await page.title()).toBe('spa-telemetry dashboard: sign in')
    await page.fill('#token', TOKEN)
    await Promise.all([page.waitForURL(base), page.click('button[type=submit]')])
    expect(await page.title()).toBe('spa-telemetry dashboard')
    expect(await page.evaluate(async () => (await fetch('api/scopes')).status)).toBe(200)
    const [cookie] = await context.cookies()
    expect([cookie.httpOnly, cookie.sameSite, cookie.path]).toEqual([true, 'Strict', '/dashboard/'])
    await context.close()
  })

  it("another origin's form is refused, even with the right token: no cookie is set", async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const { port } = other.address() as { port: number }
    await Promise.all([page.waitForURL(`${base}login`), page.goto(`http://127.0.0.1:${port}/`)])
    expect(await page.title()).toBe('Refused')
    expect(await context.cookies()).toEqual([])
    await context.close()
  })
})
