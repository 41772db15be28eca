/**
 * The Nuxt module on a real Nuxt 4 app (test/fixtures/nuxt: one line in
 * `modules` and a `spaTelemetry` key), with the package as npm installs it
 * (package.json and dist/, from `npm run build`, copied to the fixture's
 * node_modules), built here (one build for the whole file), served by
 * Nitro on 127.0.0.1 with runtime config from environment variables, and
 * driven in Debian's Chromium. Everything is checked at a local collector.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'

import { launch, startServer } from './harness.js'
import type { TestServer } from './harness.js'

const FIXTURE = 'test/fixtures/nuxt'
let browser: Browser
let collector: TestServer
let buildOutput = ''
const servers: ChildProcess[] = []

/** Runs a Node script to its end; resolves to what it printed (at the log level of a build outside tests). */
const run = (args: string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    let output = ''
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|TEST$)/.test(key)))
    const child = spawn(process.execPath, args, {
      env: { ...env, NODE_ENV: 'production', NUXT_TELEMETRY_DISABLED: '1' },
    })
    child.stdout.on('data', chunk => (output += chunk))
    child.stderr.on('data', chunk => (output += chunk))
    child.on('exit', code =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${args.join(' ')} exited with ${code}:\n${output.slice(-3000)}`)),
    )
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

/** Opens `url` in a new page and waits until the app is hydrated (v-track bound, router hooked). */
const open = async (url: string): Promise<[Page, string[]]> => {
  const page = await (await browser.newContext()).newPage()
  const errors: string[] = []
  page.on('pageerror', error => errors.push(error.message))
  await page.goto(url)
  await page.waitForSelector('html[data-hydrated]')
  return [page, errors]
}

/** Installs the built package into the fixture as npm would: its package.json and dist/, no sources. */
const install = (): void => {
  const target = `${FIXTURE}/node_modules/spa-telemetry`
  rmSync(target, { recursive: true, force: true })
  mkdirSync(target, { recursive: true })
  cpSync('package.json', `${target}/package.json`)
  cpSync('dist', `${target}/dist`, { recursive: true })
}

beforeAll(async () => {
  install()
  ;[browser, collector, buildOutput] = await Promise.all([
    launch(),
    startServer(),
    run(['node_modules/@nuxt/cli/bin/nuxi.mjs', 'build', FIXTURE]),
  ])
}, 180_000)
afterAll(async () => {
  for (const server of servers) server.kill()
  await browser?.close()
  await collector?.close()
})

describe("Nuxt 4 with modules: ['spa-telemetry/nuxt']", () => {
  it('builds without warnings about the module or its plugin', () => {
    expect(buildOutput).toContain('You can preview this build')
    expect(buildOutput).not.toMatch(
      /not wrapped in `?defineNuxtPlugin|spa-telemetry.*(warn|error)|(warn|error).*spa-telemetry/i,
    )
  })

  it('renders on the server without touching the browser: pages with v-track and useTelemetry() come back whole', async () => {
    const origin = await serve({ NUXT_PUBLIC_TELEMETRY_ENDPOINT: `${collector.origin}/collect/ssr` })
    const response = await fetch(`${origin}/projects/p_canary_8f2k`)
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain('Project p_canary_8f2k')
    expect(html).toContain('id="export"')
    for (const path of ['/', '/private']) expect((await fetch(origin + path)).status).toBe(200)
    expect(collector.received('ssr')).toEqual([])
  })

  it('a dynamic route reaches the collector as /projects/:id, with v-track, errors, from, and no excluded page', async () => {
    const tag = 'nuxt-on'
    const origin = await serve({ NUXT_PUBLIC_TELEMETRY_ENDPOINT: `${collector.origin}/collect/${tag}` })
    const [page, errors] = await open(`${origin}/projects/p_canary_8f2k?token=p_canary_query`)
    await page.click('#export')
    await page.click('#crash')
    // the error is recorded, and the app goes on: no error page
    expect(await page.textContent('#project')).toBe('Project p_canary_8f2k')
    await page.click('#private')
    await page.waitForSelector('#private')
    await page.click('#home')
    await page.waitForURL(`${origin}/`)
    await page.close()
    await collector.waitFor(() => collector.events(tag).length >= 4, 4000)
    expect(collector.events(tag).map(e => [e.type, e.path ?? e.name, e.type === 'error' ? e.name : e.from])).toEqual([
      ['page', '/projects/:id', undefined],
      ['track', 'export_clicked', undefined],
      ['error', '/projects/:id', 'TypeError'],
      ['page', '/', '/projects/:id'],
    ])
    expect(
      collector
        .received(tag)
        .map(r => r.body)
        .join(''),
    ).not.toContain('p_canary')
    // Vue handled (logged) the click handler's error; nothing went uncaught
    expect(errors).toEqual([])
  })

  it('NUXT_PUBLIC_TELEMETRY_DISABLED=true: nothing is sent or stored', async () => {
    const tag = 'nuxt-off'
    const origin = await serve({
      NUXT_PUBLIC_TELEMETRY_ENDPOINT: `${collector.origin}/collect/${tag}`,
      NUXT_PUBLIC_TELEMETRY_DISABLED: 'true',
    })
    const [page] = await open(`${origin}/projects/p_canary_8f2k`)
    await page.click('#export')
    await page.click('#flush')
    expect(await page.evaluate(() => localStorage.length)).toBe(0)
    await page.close()
    await new Promise(resolve => setTimeout(resolve, 800))
    expect(collector.received(tag)).toHaveLength(0)
  })
})
