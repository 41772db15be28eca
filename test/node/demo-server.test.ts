/**
 * The demo's server side on a real port (demo/server.ts): the live stream of
 * stored events the panel shows, fed as spa-telemetry/vite's `onStored` is,
 * and readStored, which the e2e test reads the store's files with.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { StoredEvent } from '../../collector/index.js'
import { createLiveView, readStored } from '../../demo/server.js'
import type { LiveView } from '../../demo/server.js'

let server: Server
let live: LiveView
let url = ''
const dir = mkdtempSync(join(tmpdir(), 'spa-telemetry-demo-test-'))

let n = 0
/** A stored event made at `clientTs` (the page's clock). */
const stored = (event: Partial<StoredEvent>, clientTs = Date.now()): StoredEvent => ({
  id: `demo${process.pid}_${n++}`.padEnd(21, '-'),
  type: 'page',
  ts: clientTs,
  clientTs,
  receivedAt: new Date().toISOString(),
  sentAt: new Date().toISOString(),
  app: { name: 'acme-console' },
  library: { name: 'spa-telemetry', version: '0.1.0' },
  anonymousId: 'V1StGXR8_Z5jdHi6B-myT',
  sessionId: 'Uakgb_J5m9g-0JDMbcJqL',
  ...event,
})

/** Opens the stream and reads until `until` is in it (or the stream has been quiet for 300 ms): the text read. */
const readStream = async (query: string, until: string): Promise<string> => {
  const controller = new AbortController()
  const reader = (await fetch(`${url}/telemetry/stream${query}`, { signal: controller.signal })).body!.getReader()
  let text = ''
  for (;;) {
    const quiet = new Promise<null>(resolve => setTimeout(() => resolve(null), 300))
    const chunk = await Promise.race([reader.read(), quiet])
    if (!chunk || chunk.done) break
    text += new TextDecoder().decode(chunk.value)
    if (text.includes(until)) break
  }
  controller.abort()
  return text
}

beforeAll(async () => {
  live = createLiveView()
  server = createServer((request, response) => live.handle(request, response, () => response.writeHead(404).end()))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(async () => {
  live.close()
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe('demo server', () => {
  it('streams the events stored since the page opened, then each as it is stored', async () => {
    const opened = Date.now()
    const earlier = stored({ path: '/settings' }, opened - 60_000)
    const before = stored({ path: '/nc/:project_id' }, opened)
    live.onStored([earlier, before])
    const controller = new AbortController()
    const reader = (
      await fetch(`${url}/telemetry/stream?since=${opened}`, { signal: controller.signal })
    ).body!.getReader()
    const after = stored({ type: 'track', name: 'export_clicked', props: { format: 'csv' } })
    let text = ''
    while (!text.includes(before.id)) text += new TextDecoder().decode((await reader.read()).value)
    live.onStored([after, stored({ path: '/' }, opened - 1)])
    while (!text.includes(after.id)) text += new TextDecoder().decode((await reader.read()).value)
    controller.abort()
    expect(text.indexOf('/nc/:project_id')).toBeLessThan(text.indexOf('export_clicked'))
    expect(text).toContain('"props":{"format":"csv"}')
    // an earlier visit's events, stored before or after the stream opened, are not this page's
    expect(text).not.toContain(earlier.id)
    expect(text.match(/^data: /gm)).toHaveLength(2)
    // the events as sent: no install or session id, nothing the collector added
    expect(text).not.toMatch(/anonymousId|sessionId|receivedAt|"app"/)
  })

  it('without since, the stream replays the recent events', async () => {
    const old = stored({ path: '/projects' }, Date.now() - 3_600_000)
    live.onStored([old])
    expect(await readStream('', old.id)).toContain(old.id)
  })

  it('reads the stored files, oldest first', () => {
    const lines = [
      stored({ path: '/nc/:project_id' }),
      stored({ path: '/' }),
      stored({ type: 'track', name: 'export_clicked' }),
    ]
    writeFileSync(join(dir, 'events-2026-11-24.ndjson'), lines.map(line => JSON.stringify(line) + '\n').join(''))
    expect(readStored(dir).map(e => e.id)).toEqual(lines.map(e => e.id))
  })

  it('reads an empty store before the first event (the directory is made on the first write)', () => {
    expect(readStored(join(dir, 'not-yet'))).toEqual([])
  })

  it('passes other paths and the collector’s own requests on', async () => {
    expect((await fetch(`${url}/elsewhere`)).status).toBe(404)
    expect((await fetch(`${url}/telemetry`, { method: 'POST', body: '{}' })).status).toBe(404)
    expect((await fetch(`${url}/telemetry/summary`)).status).toBe(404)
  })
})
