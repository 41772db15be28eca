/**
 * The dashboard's access as an attacker tries it (issue 21, our own pass):
 * through nginx's default reverse proxy, which speaks HTTP/1.0 to the
 * dashboard, names the upstream (`127.0.0.1:port`) as the `Host` and adds no
 * forwarding header, so it looked like this machine; and guessing the token
 * in `Authorization: Bearer` headers, which the sign-in form's limit did not
 * count. Real servers (`listen`) and raw sockets, so the bytes are nginx's own.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { listen } from '../../collector/index.js'
import type { Listener } from '../../collector/index.js'
import { createDashboard, ndjsonEngine } from '../../dashboard/index.js'
import type { Dashboard, Engine } from '../../dashboard/index.js'

const TOKEN = 'a-token-of-some-length-7f3k'
const dir = mkdtempSync(join(tmpdir(), 'spa-telemetry-access-'))
let engine: Engine
beforeAll(async () => {
  engine = ndjsonEngine({ dir })
  await engine.open()
})
afterAll(async () => {
  await engine?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** One raw HTTP request; its status line and headers (lower-cased names). */
const raw = (server: Listener, head: string, body = ''): Promise<{ status: number; headers: Record<string, string> }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server.url)
    // written, not ended: a half-closed socket may be closed by the server before it answers
    const socket = connect(Number(port), hostname, () => socket.write(head.replace(/\n/g, '\r\n') + '\r\n' + body))
    let text = ''
    socket.on('data', chunk => (text += chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const [status, ...lines] = text.split('\r\n\r\n')[0].split('\r\n')
      resolve({
        status: Number(status.split(' ')[1]),
        headers: Object.fromEntries(
          lines.map(line => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
        ),
      })
    })
  })

const serve = async (dashboard: Dashboard, run: (server: Listener, port: string) => Promise<void>): Promise<void> => {
  const server = await listen(dashboard, { port: 0 })
  try {
    await run(server, new URL(server.url).port)
  } finally {
    await server.close()
  }
}

describe('behind a reverse proxy on this machine', () => {
  // what nginx 1.22 sent for `location / { proxy_pass http://127.0.0.1:PORT; }` (captured): HTTP/1.0, the upstream as Host, no X-Forwarded-*; the browser's own headers passed on (a sign-in form posts same-origin)
  const nginx = (port: string, path: string, method = 'GET', extra = ''): string =>
    `${method} ${path} HTTP/1.0\nHost: 127.0.0.1:${port}\nConnection: close\n${extra}Accept: */*\nUser-Agent: Mozilla/5.0\nSec-Fetch-Site: ${method === 'POST' ? 'same-origin' : 'none'}\n`

  it("without a token, a request through nginx's default proxy_pass is refused; this machine's browser is answered", async () => {
    await serve(createDashboard({ store: engine }), async (server, port) => {
      expect((await raw(server, nginx(port, '/dashboard/api/scopes'))).status).toBe(403)
      expect((await raw(server, nginx(port, '/dashboard/'))).status).toBe(403)
      // the same request from a browser on this machine (HTTP/1.1)
      expect(
        (
          await raw(
            server,
            `GET /dashboard/api/scopes HTTP/1.1\nHost: 127.0.0.1:${port}\nConnection: close\nAccept: */*\n`,
          )
        ).status,
      ).toBe(200)
    })
  })

  it("with a token, signing in through nginx's default proxy sets a Secure cookie (its clients use HTTPS, though it names 127.0.0.1)", async () => {
    await serve(createDashboard({ store: engine, token: TOKEN }), async (server, port) => {
      const form = `token=${encodeURIComponent(TOKEN)}`
      const proxied = await raw(
        server,
        nginx(
          port,
          '/dashboard/login',
          'POST',
          `Content-Type: application/x-www-form-urlencoded\nContent-Length: ${form.length}\n`,
        ),
        form,
      )
      expect(proxied.status).toBe(303)
      expect(proxied.headers['set-cookie']).toMatch(/; Secure/)
      // this machine's own browser on http://127.0.0.1 (no TLS) gets a cookie it can keep
      const local = await raw(
        server,
        `POST /dashboard/login HTTP/1.1\nHost: 127.0.0.1:${port}\nConnection: close\nContent-Type: application/x-www-form-urlencoded\nContent-Length: ${form.length}\n`,
        form,
      )
      expect(local.status).toBe(303)
      expect(local.headers['set-cookie']).not.toMatch(/Secure/)
    })
  })
})

describe('guessing the token', () => {
  const url = 'https://telemetry.example.com/dashboard/api/scopes'
  const bearer = (value: string): Request => new Request(url, { headers: { authorization: `Bearer ${value}` } })

  it('in Bearer headers: 10 wrong tokens a minute, then no token is checked, the right one included (no oracle)', async () => {
    const dashboard = createDashboard({ store: engine, token: TOKEN, clientAddress: () => '203.0.113.7' })
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) statuses.push((await dashboard(bearer(`guess-number-${i}-of-many`))).status)
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429])
    const locked = await dashboard(bearer(TOKEN))
    expect([locked.status, locked.headers.get('retry-after')]).toEqual([429, '60'])
    expect(await locked.text()).not.toContain(TOKEN)
  })

  it('Bearer guesses and sign-in guesses count together; a session signed in before goes on', async () => {
    const dashboard = createDashboard({ store: engine, token: TOKEN, clientAddress: () => '203.0.113.7' })
    const signIn = (token: string): Request =>
      new Request('https://telemetry.example.com/dashboard/login', {
        method: 'POST',
        body: `token=${encodeURIComponent(token)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
    const session = (await dashboard(signIn(TOKEN))).headers.get('set-cookie')!.split(';')[0]
    for (let i = 0; i < 10; i++) expect((await dashboard(bearer(`guess-number-${i}-of-many`))).status).toBe(401)
    expect((await dashboard(signIn(TOKEN))).status).toBe(429)
    expect((await dashboard(new Request(url, { headers: { cookie: session } }))).status).toBe(200)
  })
})
