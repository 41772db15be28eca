/**
 * The Nuxt adapter on a real Nuxt 4 app (test/fixtures/nuxt), built here,
 * served by Nitro on 127.0.0.1 and driven in Debian's Chromium.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'

import { launch, startServer } from './harness.js'
import type { TestServer } from './harness.js'

const FIXTURE = 'test/fixtures/nuxt'
let browser: Browser
let collector: TestServer
const servers: ChildProcess[] = []

const run = (args: string[], env: Record<string, string> = {}): Promise<void> =>
  new Promise((resolve, reject) => {
    let output = ''
    const child = spawn(process.execPath, args, { env: { ...process.env, NUXT_TELEMETRY_DISABLED: '1', ...env } })
    child.stdout.on('data', chunk => (output += chunk))
    child.stderr.on('data', chunk => (output += chunk))
    child.on('exit', code => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}:\n${output.slice(-3000)}`))))
  })

const freePort = (): Promise<number> =>
  new Promise(resolve => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })

/** Starts the built app with these runtime-config variables; resolves to its origin once it answers. */
const serve = async (env: Record<string, string>): Promise<string> => {
  const port = await freePort()
  const server = spawn(process.execPath, [`${FIXTURE}/.output/server/index.mjs`], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: 'ignore',
  })
  servers.push(server)
  const origin = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(origin)).ok) return origin
    } catch {
      // not listening yet
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error('the Nuxt server did not start')
}

beforeAll(async () => {
  ;[browser, collector] = await Promise.all([launch(), startServer(), run(['node_modules/@nuxt/cli/bin/nuxi.mjs', 'build', FIXTURE])]).then(
    ([b, c]) => [b, c] as const,
  )
}, 120_000)
afterAll(async () => {
  for (const server of servers) server.kill()
  await browser?.close()
  await collector?.close()
})

describe('Nuxt 4', () => {
  it('renders on the server without touching the browser, with the real id in the HTML', async () => {
    const origin = await serve({ NUXT_PUBLIC_TELEMETRY_ENDPOINT: `${collector.origin}/collect/ssr` })
    const response = await fetch(`${origin}/projects/p_canary_8f2k`)
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain('Project p_canary_8f2k')
    expect(html).toContain('id="export"')
  })

  it('a dynamic route reaches the collector as /projects/:id, with v-track and from', async () => {
    const tag = 'nuxt-on'
    const origin = await serve({ NUXT_PUBLIC_TELEMETRY_ENDPOINT: `${collector.origin}/collect/${tag}` })
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', error => errors.push(error.message))
    await page.goto(`${origin}/projects/p_canary_8f2k?token=p_canary_query`)
    await page.waitForFunction(() => document.querySelector('#project')?.textContent?.includes('p_canary_8f2k'))
    await page.waitForTimeout(200) // hydration done: v-track is bound
    await page.click('#export')
    await page.click('#home')
    await page.waitForURL(`${origin}/`)
    await page.close()
    await collector.waitFor(() => collector.events(tag).length >= 3, 4000)
    expect(collector.events(tag).map(e => [e.type, e.path ?? e.name, e.from])).toEqual([
      ['page', '/projects/:id', undefined],
      ['track', 'export_clicked', undefined],
      ['page', '/', '/projects/:id'],
    ])
    expect(collector.received(tag).map(r => r.body).join('')).not.toContain('p_canary')
    expect(errors).toEqual([])
    await context.close()
  })

  it('NUXT_PUBLIC_TELEMETRY_DISABLED=true: nothing is sent or stored', async () => {
    const tag = 'nuxt-off'
    const origin = await serve({ NUXT_PUBLIC_TELEMETRY_ENDPOINT: `${collector.origin}/collect/${tag}`, NUXT_PUBLIC_TELEMETRY_DISABLED: 'true' })
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${origin}/projects/p_canary_8f2k`)
    await page.waitForSelector('#project')
    await page.waitForTimeout(200)
    await page.click('#export')
    expect(await page.evaluate(() => localStorage.length)).toBe(0)
    await page.close()
    await new Promise(resolve => setTimeout(resolve, 800))
    expect(collector.received(tag)).toHaveLength(0)
    await context.close()
  })
})
