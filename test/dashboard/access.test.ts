/**
 * Who may see the dashboard: this machine only without a token (a loopback
 * peer, a loopback Host, no proxy in between); with a token, whoever
 * presents it in a header or through the sign-in form, never in a URL. The
 * API is read-only and every response carries a strict CSP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { listen } from '../../collector/index.js'
import { createDashboard, ndjsonEngine } from '../../dashboard/index.js'
import type { Dashboard, Engine } from '../../dashboard/index.js'
import { tempDir } from '../helpers/collector.js'
import { dataset, writeStore } from './data.js'

const TOKEN = 'correct-horse-battery-staple-42'
let engine: Engine

beforeAll(async () => {
  const dir = tempDir()
  writeStore(dir, dataset().slice(0, 2000))
  engine = ndjsonEngine({ dir })
  await engine.open()
})
afterAll(() => engine?.close())

const make = (address: string | undefined, token?: string): Dashboard =>
  createDashboard({ store: engine, clientAddress: () => address, ...(token ? { token } : {}) })
const get = (dashboard: Dashboard, url: string, headers: Record<string, string> = {}): Promise<Response> =>
  dashboard(new Request(url, { headers }))

describe('without a token', () => {
  it('answers this machine: a loopback peer asking a loopback name', async () => {
    for (const [address, url] of [
      ['127.0.0.1', 'http://127.0.0.1:8787/dashboard/api/screens'],
      ['::1', 'http://[::1]:8787/dashboard/api/screens'],
      ['::ffff:127.0.0.1', 'http://localhost:8787/dashboard/'],
    ]) {
      expect((await get(make(address), url)).status, url).toBe(200)
    }
  })

  it('refuses other peers, unknown peers, other host names (DNS rebinding) and proxied requests', async () => {
    expect((await get(make('10.1.2.3'), 'http://127.0.0.1/dashboard/api/screens')).status).toBe(403)
    expect((await get(make('192.168.1.9'), 'http://127.0.0.1/dashboard/')).status).toBe(403)
    expect((await get(make(undefined), 'http://127.0.0.1/dashboard/api/screens')).status).toBe(403)
    expect((await get(make('127.0.0.1'), 'http://evil.example:8787/dashboard/api/screens')).status).toBe(403)
    expect(
      (await get(make('127.0.0.1'), 'http://127.0.0.1/dashboard/api/screens', { 'x-forwarded-for': '203.0.113.9' }))
        .status,
    ).toBe(403)
    expect(
      (await get(make('127.0.0.1'), 'http://127.0.0.1/dashboard/api/screens', { forwarded: 'for=203.0.113.9' })).status,
    ).toBe(403)
  })

  it('reads the peer from srvx (listen, the command): a real loopback request is answered', async () => {
    const server = await listen(createDashboard({ store: engine }), { port: 0 })
    try {
      const response = await fetch(new URL('dashboard/api/scopes', server.url))
      expect(response.status).toBe(200)
      // fetch() will not send another Host: node:http does, as a DNS-rebound browser would
      const { request } = await import('node:http')
      const status = await new Promise<number>((resolve, reject) => {
        request(new URL('dashboard/api/scopes', server.url), { headers: { host: 'attacker.example:80' } }, response => {
          response.resume()
          resolve(response.statusCode ?? 0)
        })
          .on('error', reject)
          .end()
      })
      expect(status).toBe(403)
    } finally {
      await server.close()
    }
  })
})

describe('with a token', () => {
  const dashboard = (): Dashboard => make('203.0.113.7', TOKEN)
  const url = 'https://telemetry.example.com/dashboard/api/screens'

  it('refuses without it, from anywhere, this machine included', async () => {
    expect((await get(dashboard(), url)).status).toBe(401)
    expect((await get(make('127.0.0.1', TOKEN), 'http://127.0.0.1/dashboard/api/screens')).status).toBe(401)
    expect((await get(dashboard(), 'https://telemetry.example.com/dashboard/')).status).toBe(401) // the sign-in page
    expect((await get(dashboard(), url, { authorization: 'Bearer wrong-token-of-some-length' })).status).toBe(401)
  })

  it('answers with it in an Authorization header', async () => {
    expect((await get(dashboard(), url, { authorization: `Bearer ${TOKEN}` })).status).toBe(200)
  })

  it('refuses any URL that holds the token, or a parameter named like one, even with a valid header', async () => {
    for (const bad of [
      `${url}?token=${TOKEN}`,
      `${url}?access_token=x`,
      `${url}?from=2026-01-01&x=${encodeURIComponent(TOKEN)}`,
      `https://telemetry.example.com/dashboard/${TOKEN}`,
    ]) {
      const response = await get(dashboard(), bad, { authorization: `Bearer ${TOKEN}` })
      expect(response.status, bad).toBe(400)
      expect(await response.text()).not.toContain(TOKEN)
    }
  })

  it('signs in through the form: a cookie that is HttpOnly, SameSite=Strict, Secure off loopback, and opens the API', async () => {
    const form = (
      body: string,
      base = 'https://telemetry.example.com',
      headers: Record<string, string> = {},
    ): Request =>
      new Request(`${base}/dashboard/login`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      })
    const response = await dashboard()(form(`token=${encodeURIComponent(TOKEN)}`))
    expect(response.status).toBe(303)
    const cookie = response.headers.get('set-cookie')!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).toMatch(/; Secure/)
    expect(cookie).not.toContain(TOKEN)
    const value = cookie.split(';')[0]
    expect((await get(dashboard(), url, { cookie: value })).status).toBe(200)
    // a forged or altered cookie does not
    expect((await get(dashboard(), url, { cookie: value.slice(0, -2) + 'xx' })).status).toBe(401)
    expect((await get(make('203.0.113.7', 'another-token-of-16-chars'), url, { cookie: value })).status).toBe(401)
    // on this machine, the cookie is not Secure (http://localhost has no TLS)
    const local = await make('127.0.0.1', TOKEN)(form(`token=${encodeURIComponent(TOKEN)}`, 'http://localhost:8787'))
    expect(local.headers.get('set-cookie')).not.toMatch(/Secure/)
    // a wrong token, a post from another site, and too many tries
    expect((await dashboard()(form('token=nope'))).status).toBe(401)
    expect(
      (await dashboard()(form(`token=${TOKEN}`, 'https://telemetry.example.com', { origin: 'https://evil.example' })))
        .status,
    ).toBe(403)
    const limited = dashboard()
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) statuses.push((await limited(form('token=guess' + i))).status)
    expect(statuses.slice(0, 10).every(status => status === 401)).toBe(true)
    expect(statuses.slice(10)).toEqual([429, 429])
  })

  it('refuses a token shorter than 16 characters at setup', () => {
    expect(() => createDashboard({ store: engine, token: 'short' })).toThrow(
      '[spa-telemetry] token is "(hidden)": expected a string of 16 characters or more, without spaces',
    )
  })
})

describe('every response', () => {
  it('is read-only: other methods get 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      expect(
        (await make('127.0.0.1')(new Request('http://127.0.0.1/dashboard/api/screens', { method }))).status,
        method,
      ).toBe(405)
    }
  })

  it('carries a strict CSP (own script, style and API only; no inline code; no framing) and no-referrer', async () => {
    for (const path of ['/dashboard/', '/dashboard/api/screens', '/dashboard/app.js']) {
      const response = await get(make('127.0.0.1'), `http://127.0.0.1${path}`)
      const csp = response.headers.get('content-security-policy')!
      expect(csp).toContain("default-src 'none'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toContain('unsafe')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })

  it('reaches nothing else: the page names no other origin', async () => {
    const page = await (await get(make('127.0.0.1'), 'http://127.0.0.1/dashboard/')).text()
    const script = await (await get(make('127.0.0.1'), 'http://127.0.0.1/dashboard/app.js')).text()
    const css = await (await get(make('127.0.0.1'), 'http://127.0.0.1/dashboard/app.css')).text()
    for (const text of [page, css]) expect(text).not.toMatch(/https?:\/\//)
    expect(script).not.toMatch(/fetch\(\s*["'`]https?:/)
    expect(script).not.toMatch(/@import|fonts\.googleapis|cdn\./)
  })
})
