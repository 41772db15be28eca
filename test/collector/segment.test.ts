/**
 * segmentStore: our events as Segment's documented calls, and the collector
 * forwarding through it to a local server that implements Segment's HTTP API
 * (and RudderStack's data plane): nothing of the browser's request reaches
 * it, nothing the door refused is forwarded.
 */
import { afterEach, describe, expect, it } from 'vitest'

import { createCollector, segmentStore } from '../../collector/index.js'
import type { StoredEvent } from '../../collector/index.js'
import { NO_IDENTITY, toSegment } from '../../collector/stores/segment.js'
import { fakeSegment } from '../helpers/destinations.js'
import type { Fake } from '../helpers/destinations.js'
import { payload, post } from '../helpers/collector.js'

const URL_ = 'http://collector.test/telemetry'
const KEY = 'SEGMENTwriteKEY1234567890'

const fakes: Fake[] = []
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close()
})
const start = async (flavour: 'segment' | 'rudderstack' = 'segment') => {
  const fake = await fakeSegment(KEY, flavour)
  fakes.push(fake)
  return {
    fake,
    store: segmentStore({ writeKey: KEY, url: flavour === 'segment' ? `${fake.url}/v1/batch` : fake.url }),
  }
}

const base: StoredEvent = {
  id: 'V1StGXR8_Z5jdHi6B-myT',
  type: 'page',
  ts: Date.parse('2026-11-24T10:00:00.000Z'),
  clientTs: Date.parse('2026-11-24T09:59:58.000Z'),
  receivedAt: '2026-11-24T10:00:01.000Z',
  sentAt: '2026-11-24T09:59:59.000Z',
  app: { name: 'console', version: '2.1.0', env: 'production' },
  library: { name: 'spa-telemetry', version: '0.1.0' },
  instanceId: 'server-1',
  anonymousId: 'anon_AAAAAAAAAAAAAAAAAA',
  sessionId: 'sess_AAAAAAAAAAAAAAAAAA',
}
const common = {
  messageId: base.id,
  anonymousId: base.anonymousId,
  timestamp: '2026-11-24T10:00:00.000Z',
  context: {
    app: { name: 'console', version: '2.1.0' },
    library: { name: 'spa-telemetry', version: '0.1.0' },
    ip: '0.0.0.0',
  },
}
const extra = { environment: 'production', instanceId: 'server-1' }
const mapped = (event: Partial<StoredEvent>) => JSON.parse(JSON.stringify(toSegment({ ...base, ...event })))

describe('toSegment', () => {
  it('maps each kind of event to a documented call, the id as messageId', () => {
    expect(
      mapped({ type: 'page', path: '/nc/:project_id', from: '/nc', referrer: 'external', name: 'project' }),
    ).toEqual({
      type: 'page',
      name: '/nc/:project_id',
      properties: { path: '/nc/:project_id', from: '/nc', referrer: 'external', routeName: 'project', ...extra },
      ...common,
      context: { ...common.context, page: { path: '/nc/:project_id' } },
    })
    expect(mapped({ type: 'track', name: 'table_created', props: { kind: 'grid', rows: 3, on: true } })).toEqual({
      type: 'track',
      event: 'table_created',
      properties: { kind: 'grid', rows: 3, on: true, ...extra },
      ...common,
    })
    expect(mapped({ type: 'action', name: 'tables/create/fulfilled', path: '/nc/:project_id' })).toEqual({
      type: 'track',
      event: 'Action Dispatched',
      properties: { action: 'tables/create/fulfilled', path: '/nc/:project_id', ...extra },
      ...common,
      context: { ...common.context, page: { path: '/nc/:project_id' } },
    })
    expect(mapped({ type: 'error', name: 'TypeError', path: '/nc/:project_id' }).event).toBe('Error Occurred')
    expect(mapped({ type: 'error', name: 'TypeError', path: '/nc/:project_id' }).properties).toEqual({
      error: 'TypeError',
      path: '/nc/:project_id',
      ...extra,
    })
    expect(mapped({ type: 'heartbeat' })).toEqual({
      type: 'track',
      event: 'Heartbeat Sent',
      properties: extra,
      ...common,
    })
  })

  it('anonymousId: ours, else the session id, else one shared non-personal value', () => {
    expect(mapped({ type: 'heartbeat' }).anonymousId).toBe(base.anonymousId)
    expect(mapped({ type: 'heartbeat', anonymousId: undefined }).anonymousId).toBe(base.sessionId)
    expect(mapped({ type: 'heartbeat', anonymousId: undefined, sessionId: undefined }).anonymousId).toBe(NO_IDENTITY)
  })

  it("the app's props never replace the environment or instance; a time no date holds becomes the arrival time", () => {
    expect(
      mapped({ type: 'track', name: 'x', props: { environment: 'spoofed', instanceId: 'spoofed', kind: 'a' } })
        .properties,
    ).toEqual({ kind: 'a', ...extra })
    expect(
      mapped({
        type: 'track',
        name: 'x',
        props: { environment: 'kept' },
        app: { name: 'console' },
        instanceId: undefined,
      }).properties,
    ).toEqual({ environment: 'kept' })
    expect(mapped({ type: 'heartbeat', ts: 1e300 }).timestamp).toBe(base.receivedAt)
  })

  it('carries no IP, header or raw URL: every key is one of the documented few', () => {
    for (const type of ['page', 'track', 'action', 'error', 'heartbeat'] as const) {
      const call = mapped({ type, name: 'n', path: '/p', props: type === 'track' ? { a: 1 } : undefined })
      expect(
        Object.keys(call).every(key =>
          ['type', 'name', 'event', 'properties', 'messageId', 'anonymousId', 'timestamp', 'context'].includes(key),
        ),
      ).toBe(true)
      expect(Object.keys(call.context).every(key => ['app', 'library', 'ip', 'page'].includes(key))).toBe(true)
      expect(call.context.ip).toBe('0.0.0.0')
      expect(Object.keys(call.context.page ?? {})).toEqual(call.context.page ? ['path'] : [])
    }
  })
})

describe('the collector forwarding to Segment', () => {
  it('forwards every event once with its id as messageId, the key as Basic auth and nothing of the browser request', async () => {
    const { fake, store } = await start()
    const collector = createCollector({ store })
    const body = payload([
      { type: 'page' },
      { type: 'track', name: 'table_created', props: { kind: 'grid' } },
      { type: 'heartbeat', path: undefined },
    ])
    const browser = {
      cookie: 'session=COOKIEVALUE',
      referer: 'https://app.example.com/nc/p_8f2k/table/customers?email=alice@example.com',
      'user-agent': 'Mozilla/5.0 BROWSERAGENT',
      'x-forwarded-for': '203.0.113.77',
      'x-real-ip': '203.0.113.78',
      'accept-language': 'de-CH',
    }
    expect((await collector(post(URL_, body, browser))).status).toBe(204)
    expect((await collector(post(URL_, body, browser))).status).toBe(204) // a retry: stored before, not forwarded again
    expect(fake.taken.map(item => item.messageId)).toEqual(body.events.map(e => e.id))
    expect(fake.requests).toHaveLength(1)
    const request = fake.requests[0]
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${KEY}:`).toString('base64')}`)
    expect(request.body).not.toContain(KEY)
    const everything = JSON.stringify(request.headers) + request.body
    for (const value of ['COOKIEVALUE', 'p_8f2k', 'alice', 'BROWSERAGENT', '203.0.113', 'de-CH'])
      expect(everything).not.toContain(value)
    expect(fake.taken.every(item => item.context.ip === '0.0.0.0')).toBe(true)
    expect(fake.violations).toEqual([])
  })

  it('forwards nothing the door refused', async () => {
    const { fake, store } = await start()
    const collector = createCollector({
      store,
      origins: ['https://app.example.com'],
      limits: { client: { rate: 1, burst: 2 }, overall: false },
    })
    expect((await collector(post(URL_, { ...payload(1), extra: true }))).status).toBe(400)
    expect((await collector(post(URL_, payload(1), { 'content-type': 'text/html' }))).status).toBe(415)
    expect((await collector(post(URL_, payload(1), { origin: 'https://evil.example' }))).status).toBe(403)
    expect((await collector(post(URL_, 'x'.repeat(70_000)))).status).toBe(413)
    expect(fake.requests).toEqual([])
    const accepted = payload(2)
    expect((await collector(post(URL_, accepted))).status).toBe(204)
    expect((await collector(post(URL_, payload(2)))).status).toBe(429) // the same anonymousId, over its burst
    expect(fake.taken.map(item => item.messageId)).toEqual(accepted.events.map(e => e.id))
  })

  it('forwards the largest event the door accepts whole, within 32 KB', async () => {
    const { fake } = await start()
    const reported: Error[] = []
    const collector = createCollector({
      store: segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch`, onError: error => reported.push(error) }),
    })
    const props = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`p${i}`.padEnd(64, 'x'), '\u0001'.repeat(200)]),
    )
    const body = payload([{ type: 'track', name: 'n'.repeat(64), props, path: undefined }], {
      instanceId: 'i'.repeat(128),
      app: { name: 'a'.repeat(64), version: 'v'.repeat(64), env: 'e'.repeat(64) },
    })
    expect((await collector(post(URL_, body))).status).toBe(204)
    expect(fake.taken).toHaveLength(1)
    expect(Object.keys(fake.taken[0].properties)).toHaveLength(22)
    expect(reported).toEqual([])
    expect(fake.violations).toEqual([])
  })

  it('forwards an event whose time no date can hold (the door takes any number), stamped with its arrival', async () => {
    const { fake, store } = await start()
    const collector = createCollector({ store })
    expect((await collector(post(URL_, payload([{ ts: 1e300 }])))).status).toBe(204)
    expect(fake.taken[0].timestamp).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it("speaks to RudderStack's data plane: the URL without a path, Basic auth, its 'OK'", async () => {
    const { fake, store } = await start('rudderstack')
    const collector = createCollector({ store })
    const body = payload(3)
    expect((await collector(post(URL_, body))).status).toBe(204)
    expect(fake.taken.map(item => item.messageId)).toEqual(body.events.map(e => e.id))
    expect(fake.requests.map(r => [r.path, r.status])).toEqual([['/v1/batch', 200]])
  })
})
