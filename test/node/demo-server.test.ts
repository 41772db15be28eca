/**
 * The demo's server side on a real port: the real collector at /telemetry,
 * the live stream of stored events and the summary the "collected" view draws.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createDemoServer, readStored } from '../../demo/server.js'
import type { DemoServer } from '../../demo/server.js'

let server: Server
let demo: DemoServer
let url = ''
const dir = mkdtempSync(join(tmpdir(), 'spa-telemetry-demo-test-'))

let n = 0
const id = (): string => `demo${process.pid}_${n++}`.padEnd(21, '-')
const payload = (events: Record<string, unknown>[]) => ({
  schema: 1,
  sentAt: new Date().toISOString(),
  library: { name: 'spa-telemetry', version: '0.1.0' },
  app: { name: 'acme-console' },
  events: events.map(event => ({ id: id(), ts: Date.now(), ...event })),
  dropped: 0,
})
const post = (body: unknown) => fetch(`${url}/telemetry`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'text/plain;charset=UTF-8' } })

beforeAll(async () => {
  demo = createDemoServer(dir)
  server = createServer((request, response) => demo.handle(request, response, () => response.writeHead(404).end()))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
  await demo.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('demo server', () => {
  it('stores through the real collector, in its directory', async () => {
    const body = payload([{ type: 'page', path: '/nc/:project_id' }])
    expect((await post(body)).status).toBe(204)
    expect(demo.dir).toBe(dir)
    expect(readStored(dir).map(e => e.id)).toEqual([body.events[0].id])
    expect((await post({ ...body, extra: 1 })).status).toBe(400)
  })

  it('streams the last stored events, then each as it is stored', async () => {
    const controller = new AbortController()
    const stream = await fetch(`${url}/telemetry/stream`, { signal: controller.signal })
    expect(stream.headers.get('content-type')).toBe('text/event-stream')
    const reader = stream.body!.getReader()
    const body = payload([{ type: 'track', name: 'export_clicked', props: { format: 'csv' } }])
    await post(body)
    let text = ''
    while (!text.includes(body.events[0].id as string)) text += new TextDecoder().decode((await reader.read()).value)
    expect(text.indexOf('/nc/:project_id')).toBeLessThan(text.indexOf('export_clicked'))
    expect(text).toContain('"props":{"format":"csv"}')
    controller.abort()
  })

  it('summarizes the stored events: top screens and top actions', async () => {
    await post(payload([{ type: 'page', path: '/nc/:project_id' }, { type: 'page', path: '/' }, { type: 'action', name: 'tables/rowAdded', path: '/' }, { type: 'track', name: 'export_clicked' }]))
    const summary = await (await fetch(`${url}/telemetry/summary`)).json()
    expect(summary).toEqual({
      total: 6,
      screens: [
        { name: '/nc/:project_id', count: 2 },
        { name: '/', count: 1 },
      ],
      actions: [
        { name: 'export_clicked', count: 2 },
        { name: 'tables/rowAdded', count: 1 },
      ],
    })
  })

  it('passes other paths on', async () => {
    expect((await fetch(`${url}/elsewhere`)).status).toBe(404)
  })
})
