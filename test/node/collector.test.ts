/**
 * The demo's collector on a real port: what it accepts, refuses, keeps and
 * streams.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { createDemoCollector } from '../../demo/collector.js'

let server: Server
let url = ''

const payload = (ids: string[], extra: Record<string, unknown> = {}) => ({
  schema: 1,
  sentAt: '2026-11-24T10:00:00.000Z',
  library: { name: 'spa-telemetry', version: '0.1.0' },
  app: { name: 'acme-console' },
  events: ids.map((id, i) => ({ type: 'page', id, ts: 1764000000000 + i, path: '/nc/:project_id' })),
  dropped: 0,
  ...extra,
})
const id = (n: number): string => String(n).padStart(21, 'A')
const post = (body: string) => fetch(`${url}/telemetry`, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } })
const events = async () => (await fetch(`${url}/telemetry/events`)).json()

beforeAll(async () => {
  const { handle } = createDemoCollector()
  server = createServer((request, response) => handle(request, response, () => response.writeHead(404).end()))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise(resolve => server.close(resolve)))
beforeEach(async () => void (await fetch(`${url}/telemetry/events`, { method: 'DELETE' })))

describe('demo collector', () => {
  it('accepts a schema 1 payload as text/plain and keeps its events', async () => {
    const response = await post(JSON.stringify(payload([id(1), id(2)])))
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect((await events()).map((e: { id: string }) => e.id)).toEqual([id(1), id(2)])
  })

  it('keeps a retried event once', async () => {
    await post(JSON.stringify(payload([id(1)])))
    await post(JSON.stringify(payload([id(1), id(3)])))
    expect((await events()).map((e: { id: string }) => e.id)).toEqual([id(1), id(3)])
  })

  it.each([
    ['malformed JSON', '{"schema":1,', 'body is not JSON'],
    ['an unknown key', JSON.stringify(payload([id(1)], { userEmail: 'alice@example.com' })), 'does not match schema/v1.json'],
    ['a raw URL in an event', JSON.stringify({ ...payload([]), events: [{ type: 'page', id: id(1), ts: 1, path: '/nc/p_8f2k', url: 'https://x/nc/p_8f2k' }] }), 'does not match schema/v1.json'],
    ['no events', JSON.stringify(payload([])), 'does not match schema/v1.json'],
  ])('refuses %s with 400 and the reason', async (_, body, reason) => {
    const response = await post(body)
    expect(response.status).toBe(400)
    expect((await response.json()).error).toContain(reason)
    expect(await events()).toEqual([])
  })

  it('refuses a body over 64 KiB with 413', async () => {
    const response = await post(JSON.stringify(payload([id(1)], { instanceId: 'x'.repeat(70_000) })))
    expect(response.status).toBe(413)
  })

  it('streams events as they arrive, after those it kept', async () => {
    await post(JSON.stringify(payload([id(1)])))
    const controller = new AbortController()
    const stream = await fetch(`${url}/telemetry/stream`, { signal: controller.signal })
    expect(stream.headers.get('content-type')).toBe('text/event-stream')
    const reader = stream.body!.getReader()
    await post(JSON.stringify(payload([id(2)])))
    let text = ''
    while (!text.includes(id(2))) text += new TextDecoder().decode((await reader.read()).value)
    expect(text.indexOf(id(1))).toBeLessThan(text.indexOf(id(2)))
    controller.abort()
  })

  it('passes other paths on', async () => {
    expect((await fetch(`${url}/elsewhere`)).status).toBe(404)
  })
})
