/**
 * The collector on a real socket (listen, on srvx; toNodeListener on
 * node:http): request headers never reach the store, slow and oversized
 * bodies are cut off, and the process keeps serving.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createCollector, listen, ndjsonStore, toNodeListener } from '../../collector/index.js'
import type { Listener, Store, StoredEvent } from '../../collector/index.js'
import { payload, stored, storedText, tempDir } from '../helpers/collector.js'

let server: Listener
let endpoint = ''
let dir = ''
let store: Store
const live: StoredEvent[] = []

beforeAll(async () => {
  dir = tempDir()
  store = ndjsonStore({ dir })
  server = await listen(
    createCollector({ store, path: '/telemetry', bodyTimeoutMs: 2000, onStored: events => live.push(...events) }),
    { port: 0 },
  )
  endpoint = new URL('/telemetry', server.url).href
})
afterAll(async () => {
  await server?.close()
  await store?.close?.()
})

/** Sends raw bytes on a socket; resolves with everything the server answered once it closes the connection (or after `ms`). */
const raw = (chunks: (string | Buffer)[], delayMs = 0, ms = 3000): Promise<string> =>
  new Promise((resolve, reject) => {
    const { port, hostname } = new URL(server.url)
    const socket = connect(Number(port), hostname)
    let answer = ''
    const timer = setTimeout(() => socket.destroy(), ms)
    socket.on('data', data => (answer += data.toString('latin1')))
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(answer)
    })
    socket.on('error', error => (answer ? undefined : reject(error)))
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return
        socket.write(chunk)
        if (delayMs) await new Promise(r => setTimeout(r, delayMs))
      }
    })
  })

const send = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(endpoint, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers },
  })

describe('listen (srvx on node:http)', () => {
  it('prints a URL and stores a payload', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const body = payload(3)
    const response = await send(body)
    expect(response.status).toBe(204)
    expect(stored(dir).map(e => e.id)).toEqual(expect.arrayContaining(body.events.map(e => e.id)))
  })

  it('never stores the IP, User-Agent, Referer, Cookie or any other header', async () => {
    const canary = 'hdrcnry9b1f'
    const body = payload(2)
    const response = await send(body, {
      'user-agent': `Mozilla/5.0 ${canary}`,
      referer: `https://console.example/nc/${canary}?q=${canary}`,
      cookie: `session=${canary}`,
      authorization: `Bearer ${canary}`,
      'x-forwarded-for': `203.0.113.7, ${canary}`,
      'x-real-ip': '203.0.113.7',
      'accept-language': `fr-${canary}`,
      [`x-${canary}`]: canary,
    })
    expect(response.status).toBe(204)
    const text = storedText(dir)
    for (const leak of [canary, '203.0.113.7', '127.0.0.1', 'Mozilla', 'Bearer', 'session=', 'fr-'])
      expect(text).not.toContain(leak)
    const keys = new Set(stored(dir).flatMap(event => Object.keys(event)))
    expect([...keys].sort()).toEqual([
      'anonymousId',
      'app',
      'clientTs',
      'id',
      'library',
      'path',
      'receivedAt',
      'sentAt',
      'sessionId',
      'ts',
      'type',
    ])
    expect(JSON.stringify(live)).not.toContain(canary)
  })

  it('408 for a slow-loris body while other requests are served; the connection is closed', async () => {
    const before = stored(dir).length
    const head = `POST /telemetry HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 400\r\n\r\n`
    let answered = false
    const loris = raw([head, '{"schema":1,', '"sentAt"', ':'], 100, 5000).then(answer => ((answered = true), answer))
    // meanwhile, others are served: before the slow body's time (2 s) is over, not after it
    expect((await send(payload(1))).status).toBe(204)
    expect(answered).toBe(false)
    const answer = await loris
    expect(answer).toMatch(/^HTTP\/1\.1 408/)
    expect(answer.toLowerCase()).toContain('connection: close')
    expect(stored(dir)).toHaveLength(before + 1) // only the other request's event
  })

  it('413 for a chunked body past 64 KiB, without reading it all; the next request is served', async () => {
    const chunk = Buffer.alloc(16 * 1024, 0x20)
    const head = `POST /telemetry HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`
    const frames = Array.from({ length: 64 }, () =>
      Buffer.concat([Buffer.from(chunk.length.toString(16) + '\r\n'), chunk, Buffer.from('\r\n')]),
    )
    const answer = await raw([head, ...frames], 5, 5000)
    expect(answer).toMatch(/^HTTP\/1\.1 413/)
    expect((await send(payload(1))).status).toBe(204)
  })

  it('413 at once for a declared Content-Length over the limit', async () => {
    const answer = await raw(
      [`POST /telemetry HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10000000\r\n\r\n{`],
      0,
      2000,
    )
    expect(answer).toMatch(/^HTTP\/1\.1 413/)
  })

  it('a body with a UTF-8 byte order mark gets the same answer with Content-Length and chunked (204: leading BOMs are ignored)', async () => {
    const answers: string[] = []
    for (const boms of ['\ufeff', '\ufeff\ufeff', '']) {
      const body = Buffer.from(boms + JSON.stringify(payload(1)))
      const head = 'POST /telemetry HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nConnection: close\r\n'
      const declared = await raw([`${head}Content-Length: ${body.length}\r\n\r\n`, body])
      const chunked = await raw([
        `${head}Transfer-Encoding: chunked\r\n\r\n`,
        `${body.length.toString(16)}\r\n`,
        body,
        '\r\n0\r\n\r\n',
      ])
      answers.push(declared.slice(0, 12), chunked.slice(0, 12))
    }
    expect(answers).toEqual(Array(6).fill('HTTP/1.1 204'))
  })

  it('keeps serving after a burst of malformed requests, storing none of them', async () => {
    const before = storedText(dir)
    const bad: [unknown, Record<string, string>][] = [
      ['{"schema":1,', {}],
      [{ ...payload(1), extra: true }, {}],
      ['['.repeat(30_000) + ']'.repeat(30_000), {}],
      [payload(1), { 'content-type': 'application/xml' }],
      [`{"__proto__":{"x":1}}`, {}],
    ]
    const answers = await Promise.all(bad.map(([body, headers]) => send(body, headers)))
    expect(answers.map(r => r.status)).toEqual([400, 400, 400, 415, 400])
    expect(storedText(dir)).toBe(before)
    expect((await send(payload(1))).status).toBe(204)
  })
})

describe('toNodeListener (node:http, Express, Connect)', () => {
  it('serves the collector from an http.createServer listener', async () => {
    const own = tempDir()
    const ownStore = ndjsonStore({ dir: own })
    const http: Server = createServer(toNodeListener(createCollector({ store: ownStore })))
    await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve))
    const { port } = http.address() as { port: number }
    const body = payload(2)
    const response = await fetch(`http://127.0.0.1:${port}/anything`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(204)
    expect(stored(own).map(e => e.id)).toEqual(body.events.map(e => e.id))
    await new Promise(resolve => http.close(resolve))
    await ownStore.close?.()
  })
})
