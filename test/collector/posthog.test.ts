/**
 * posthogStore: our events as PostHog's documented batch capture events
 * (anonymous, no address, no GeoIP), a UUID per event id, props that cannot
 * pass for PostHog's own, and the collector forwarding through it to a local
 * server that implements PostHog's capture contract.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { createCollector, posthogStore } from '../../collector/index.js'
import type { StoredEvent } from '../../collector/index.js'
import { propName, toPostHog, uuidOf } from '../../collector/stores/posthog.js'
import { NO_IDENTITY } from '../../collector/stores/segment.js'
import { fakePostHog } from '../helpers/destinations.js'
import type { Fake } from '../helpers/destinations.js'
import { payload, post } from '../helpers/collector.js'

const URL_ = 'http://collector.test/telemetry'
const KEY = 'phc_ProjectKeyThatMustNotLeak0123456789'
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const fakes: Fake[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const fake of fakes.splice(0)) await fake.close()
})
const start = async (maxBody?: number) => {
  const fake = await fakePostHog(KEY, maxBody)
  fakes.push(fake)
  return fake
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
}
const own = {
  $app_name: 'console',
  $app_version: '2.1.0',
  app_env: 'production',
  instance_id: 'server-1',
  $lib: 'spa-telemetry',
  $lib_version: '0.1.0',
  $process_person_profile: false,
  $ip: '0.0.0.0',
  $geoip_disable: true,
}
const mapped = (event: Partial<StoredEvent>) => JSON.parse(JSON.stringify(toPostHog({ ...base, ...event })))

describe('toPostHog', () => {
  it('maps each kind of event to a PostHog event, a UUID from its id', () => {
    expect(
      mapped({ type: 'page', path: '/nc/:project_id', from: '/nc', referrer: 'external', name: 'project' }),
    ).toEqual({
      event: '$pageview',
      distinct_id: base.anonymousId,
      uuid: uuidOf(base.id),
      timestamp: '2026-11-24T10:00:00.000Z',
      properties: { from: '/nc', referrer: 'external', route_name: 'project', $pathname: '/nc/:project_id', ...own },
    })
    expect(mapped({ type: 'track', name: 'table_created', props: { kind: 'grid', rows: 3 } })).toMatchObject({
      event: 'table_created',
      properties: { kind: 'grid', rows: 3, ...own },
    })
    expect(mapped({ type: 'action', name: 'tables/create/fulfilled', path: '/nc/:project_id' })).toMatchObject({
      event: 'Action Dispatched',
      properties: { action: 'tables/create/fulfilled', $pathname: '/nc/:project_id' },
    })
    expect(mapped({ type: 'error', name: 'TypeError', path: '/p' })).toMatchObject({
      event: 'Error Occurred',
      properties: { error: 'TypeError', $pathname: '/p' },
    })
    expect(mapped({ type: 'heartbeat' })).toEqual({
      event: 'Heartbeat Sent',
      distinct_id: base.anonymousId,
      uuid: uuidOf(base.id),
      timestamp: '2026-11-24T10:00:00.000Z',
      properties: own,
    })
    expect(
      mapped({ type: 'heartbeat', anonymousId: undefined, sessionId: 'sess_AAAAAAAAAAAAAAAAAA' }).distinct_id,
    ).toBe('sess_AAAAAAAAAAAAAAAAAA')
    expect(mapped({ type: 'heartbeat', anonymousId: undefined }).distinct_id).toBe(NO_IDENTITY)
  })

  it("the app's props and names cannot pass for PostHog's own: $…, token and distinct_id get a leading _", () => {
    const hostile = {
      $ip: '203.0.113.9',
      $set: 'x',
      $geoip_disable: false,
      $process_person_profile: true,
      $cookieless_mode: 'yes',
      token: 'phc_other',
      distinct_id: 'victim',
      $pathname: '/spoof',
      kind: 'a',
    }
    const event = mapped({ type: 'track', name: '$identify', props: hostile })
    expect(event.event).toBe('_$identify')
    expect(event.distinct_id).toBe(base.anonymousId)
    expect(event.properties).toEqual({
      _$ip: '203.0.113.9',
      _$set: 'x',
      _$geoip_disable: false,
      _$process_person_profile: true,
      _$cookieless_mode: 'yes',
      _token: 'phc_other',
      _distinct_id: 'victim',
      _$pathname: '/spoof',
      kind: 'a',
      ...own,
    })
    expect(['$x', 'token', 'distinct_id', 'tokens', 'x$'].map(propName)).toEqual([
      '_$x',
      '_token',
      '_distinct_id',
      'tokens',
      'x$',
    ])
  })

  it('uuidOf: a version 4 UUID, the same for the same id, different for different ids, for ids of any form', () => {
    expect(uuidOf(base.id)).toMatch(UUID_V4)
    expect(uuidOf(base.id)).toBe(uuidOf(base.id))
    fc.assert(
      fc.property(
        fc.string({
          minLength: 21,
          maxLength: 21,
          unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'),
        }),
        id => UUID_V4.test(uuidOf(id)),
      ),
    )
    const ids = Array.from({ length: 5000 }, (_, i) => `t${i}`.padEnd(21, '_'))
    expect(new Set(ids.map(uuidOf)).size).toBe(ids.length)
    expect(uuidOf('evt-1')).toMatch(UUID_V4)
    expect(uuidOf('evt-1')).not.toBe(uuidOf('evt-2'))
  })
})

describe('the collector forwarding to PostHog', () => {
  it('forwards every event once, the key in the body only, a UUID per event id; nothing of the browser request', async () => {
    const fake = await start()
    const collector = createCollector({ store: posthogStore({ apiKey: KEY, host: fake.url }) })
    const body = payload([{ type: 'page' }, { type: 'track', name: 'table_created', props: { kind: 'grid' } }])
    const browser = {
      cookie: 'ph=COOKIEVALUE',
      referer: 'https://app.example.com/nc/p_8f2k?email=alice@example.com',
      'user-agent': 'BROWSERAGENT',
      'x-forwarded-for': '203.0.113.77',
    }
    expect((await collector(post(URL_, body, browser))).status).toBe(204)
    expect((await collector(post(URL_, body, browser))).status).toBe(204)
    expect(fake.taken.map(event => event.uuid)).toEqual(body.events.map(e => uuidOf(e.id)))
    expect(fake.requests).toHaveLength(1)
    const [request] = fake.requests
    expect(request.path).toBe('/batch/')
    expect(JSON.parse(request.body).api_key).toBe(KEY)
    expect(JSON.stringify(request.headers)).not.toContain(KEY)
    const everything = JSON.stringify(request.headers) + request.body
    for (const value of ['COOKIEVALUE', 'p_8f2k', 'alice', 'BROWSERAGENT', '203.0.113'])
      expect(everything).not.toContain(value)
    expect(
      fake.taken.map(event => [
        event.properties.$ip,
        event.properties.$geoip_disable,
        event.properties.$process_person_profile,
      ]),
    ).toEqual([
      ['0.0.0.0', true, false],
      ['0.0.0.0', true, false],
    ])
    expect(fake.violations).toEqual([])
  })

  it('takes the props PostHog would refuse or misread (its 401 for another token, its 400 for $cookieless_mode) without a refusal', async () => {
    const fake = await start()
    const reported: Error[] = []
    const collector = createCollector({
      store: posthogStore({ apiKey: KEY, host: fake.url, onError: error => reported.push(error) }),
    })
    const body = payload([
      {
        type: 'track',
        name: '$create_alias',
        props: { token: 'phc_someone_else', $cookieless_mode: 'yes', distinct_id: 'victim', $ip: '203.0.113.9' },
        path: undefined,
      },
    ])
    expect((await collector(post(URL_, body))).status).toBe(204)
    expect(fake.requests.map(r => r.status)).toEqual([200])
    expect(fake.taken[0]).toMatchObject({
      event: '_$create_alias',
      distinct_id: body.anonymousId,
      properties: { _token: 'phc_someone_else', $ip: '0.0.0.0' },
    })
    expect(reported).toEqual([])
  })

  it('a host with a trailing slash gets /batch/, one with a query is refused at setup; a 413 splits the call', async () => {
    const fake = await start(3000)
    const store = posthogStore({ apiKey: KEY, host: `${fake.url}/` })
    const events = Array.from({ length: 10 }, (_, i) => ({
      ...base,
      id: `ph${i}`.padEnd(21, '-'),
      type: 'track' as const,
      name: 'x',
    }))
    await store.write(events)
    expect(fake.taken.map(event => event.uuid).sort()).toEqual(events.map(e => uuidOf(e.id)).sort())
    expect(fake.requests.some(r => r.status === 413)).toBe(true)
    expect(() => posthogStore({ apiKey: KEY, host: `${fake.url}/ingest?token=x` })).toThrow(
      /^\[spa-telemetry\] host is "http:\/\/127\.0\.0\.1:\d+\/ingest\?…": expected a host without a query/,
    )
  })

  it('never prints the key: a 401 that echoes it, the default reporter, the thrown error', async () => {
    const fake = await start()
    const printed: string[] = []
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')))
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')))
    const collector = createCollector({ store: posthogStore({ apiKey: `${KEY}-wrong`, host: fake.url }) })
    expect((await collector(post(URL_, payload(1)))).status).toBe(503)
    expect(printed.join('\n')).toMatch(
      /\[spa-telemetry\] collector: \[spa-telemetry\] posthog: http:\/\/127\.0\.0\.1:\d+\/batch\/ answered 401 \("API key is not valid: \[key\]"\): check the key/,
    )
    expect(printed.join('\n')).not.toContain(KEY)
  })
})
