/**
 * The collector's handler, called with Web requests: every status, a table of
 * malformed requests (nothing stored, the next request still served), CORS,
 * duplicates, rate limits, store failures and clock-skew correction.
 */
import { afterAll, describe, expect, it, vi } from 'vitest'

import { createCollector, ndjsonStore } from '../../collector/index.js'
import type { CollectorOptions, Store, StoredEvent } from '../../collector/index.js'
import { newId, payload, post, stored, storedText, tempDir } from '../helpers/collector.js'

const URL_ = 'http://collector.test/telemetry'

const stores: Store[] = []
afterAll(() => Promise.all(stores.map(store => store.close?.())))

/** A collector on an ndjson store in a fresh directory. */
const setup = (options: Partial<CollectorOptions> = {}) => {
  const dir = tempDir()
  const errors: unknown[] = []
  const store = ndjsonStore({ dir })
  stores.push(store)
  const collector = createCollector({ store, path: '/telemetry', onError: error => errors.push(error), ...options })
  return { dir, errors, collector }
}

const json = async (response: Response): Promise<Record<string, unknown>> => JSON.parse(await response.text())

describe('createCollector: accepted payloads', () => {
  it('stores a text/plain payload and answers 204 once the events are on disk', async () => {
    const { dir, collector } = setup()
    const body = payload(2)
    const response = await collector(post(URL_, body))
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')
    expect(stored(dir).map(e => e.id)).toEqual(body.events.map(e => e.id))
  })

  it('accepts application/json with a charset', async () => {
    const { dir, collector } = setup()
    const response = await collector(post(URL_, payload(1), { 'content-type': 'Application/JSON; charset=utf-8' }))
    expect(response.status).toBe(204)
    expect(stored(dir)).toHaveLength(1)
  })

  it('stores each event as sent, with its payload context, receivedAt, and ts corrected by the clock skew', async () => {
    const { dir, collector } = setup()
    const clientNow = Date.now() - 3_600_000 // the client's clock is an hour behind
    const body = payload(
      [
        { type: 'page', path: '/nc/:project_id', from: '/nc', referrer: 'external', ts: clientNow - 5000 },
        {
          type: 'track',
          name: 'export_clicked',
          props: { format: 'csv', rows: 3, all: true },
          ts: clientNow - 1000,
          path: undefined,
        },
      ],
      {
        sentAt: new Date(clientNow).toISOString(),
        dropped: 4,
        instanceId: 'server-1',
        app: { name: 'acme-console', version: '1.0.0', env: 'production' },
      },
    )
    const before = Date.now()
    await collector(post(URL_, body))
    const [page, track] = stored(dir)
    expect(page).toEqual({
      id: body.events[0].id,
      type: 'page',
      ts: expect.any(Number),
      clientTs: clientNow - 5000,
      receivedAt: expect.any(String),
      sentAt: body.sentAt,
      path: '/nc/:project_id',
      from: '/nc',
      referrer: 'external',
      app: { name: 'acme-console', version: '1.0.0', env: 'production' },
      library: { name: 'spa-telemetry', version: '0.1.0' },
      instanceId: 'server-1',
      anonymousId: body.anonymousId,
      sessionId: body.sessionId,
      dropped: 4,
    })
    const receivedAt = Date.parse(page.receivedAt)
    expect(receivedAt).toBeGreaterThanOrEqual(before)
    expect(page.ts).toBe(receivedAt - 5000)
    expect(track.ts).toBe(receivedAt - 1000)
    expect(track).toMatchObject({
      type: 'track',
      name: 'export_clicked',
      props: { format: 'csv', rows: 3, all: true },
      clientTs: clientNow - 1000,
    })
    expect(track).not.toHaveProperty('dropped')
  })

  it('stores a retried event once: across payloads, within a payload, and for concurrent retries', async () => {
    const { dir, collector } = setup()
    const first = payload(2)
    expect((await collector(post(URL_, first))).status).toBe(204)
    const again = payload([first.events[1], { id: newId() }, first.events[1]])
    expect((await collector(post(URL_, again))).status).toBe(204)
    expect(stored(dir).map(e => e.id)).toEqual([...first.events.map(e => e.id), again.events[1].id])
    const twin = payload(3)
    const answers = await Promise.all([
      collector(post(URL_, twin)),
      collector(post(URL_, twin)),
      collector(post(URL_, twin)),
    ])
    expect(answers.map(r => r.status)).toEqual([204, 204, 204])
    const ids = stored(dir).map(e => e.id)
    expect(ids).toHaveLength(6)
    expect(new Set(ids).size).toBe(6)
  })

  it('calls onStored with the events stored, duplicates left out; its errors never reach the client', async () => {
    const seen: StoredEvent[][] = []
    const { collector } = setup({ onStored: events => seen.push(events) })
    const body = payload(2)
    await collector(post(URL_, body))
    await collector(post(URL_, body))
    expect(seen.map(events => events.map(e => e.id))).toEqual([body.events.map(e => e.id)])
    const failing = setup({
      onStored: () => {
        throw new Error('panel closed')
      },
    })
    expect((await failing.collector(post(URL_, payload(1)))).status).toBe(204)
    expect(failing.errors).toEqual([new Error('panel closed')])
  })

  it('a function store gets the events of concurrent requests in groups, one call at a time', async () => {
    const calls: number[] = []
    let running = 0
    let overlapped = false
    const collector = createCollector({
      store: async events => {
        overlapped ||= running > 0
        running++
        calls.push(events.length)
        await new Promise(resolve => setTimeout(resolve, 20))
        running--
      },
      limits: false,
    })
    const answers = await Promise.all(Array.from({ length: 20 }, () => collector(post(URL_, payload(5)))))
    expect(answers.every(r => r.status === 204)).toBe(true)
    expect(calls.reduce((a, b) => a + b)).toBe(100)
    expect(calls.length).toBeLessThan(20)
    expect(overlapped).toBe(false)
  })
})

describe('createCollector: refusals', () => {
  it('405 for other methods, with Allow', async () => {
    const { collector } = setup()
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const response = await collector(new Request(URL_, { method }))
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST, OPTIONS')
    }
  })

  it('404 for another path when a path is set; a query string does not matter', async () => {
    const { collector } = setup()
    expect((await collector(post('http://collector.test/elsewhere', payload(1)))).status).toBe(404)
    expect((await collector(post('http://collector.test/telemetry/x', payload(1)))).status).toBe(404)
    expect((await collector(post('http://collector.test/telemetry?v=1', payload(1)))).status).toBe(204)
  })

  it('415 for a content type other than text/plain or application/json', async () => {
    const { dir, collector } = setup()
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/html', '']) {
      const response = await collector(post(URL_, payload(1), { 'content-type': type }))
      expect(response.status, type).toBe(415)
    }
    expect(storedText(dir)).toBe('')
  })

  const big = (bytes: number) => payload(1, { instanceId: 'x'.repeat(bytes) })

  it('413 for a body over 64 KiB, declared or streamed, without reading more than the limit', async () => {
    const { dir, collector } = setup()
    expect((await collector(post(URL_, big(70_000)))).status).toBe(413)
    // no Content-Length: counted while streaming; the stream is cancelled, not drained
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      pull: controller => {
        pulled++
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x20))
      },
    })
    const response = await collector(
      new Request(URL_, {
        method: 'POST',
        body: endless,
        headers: { 'content-type': 'text/plain' },
        duplex: 'half',
      } as RequestInit),
    )
    expect(response.status).toBe(413)
    expect(response.headers.get('connection')).toBe('close')
    expect(pulled).toBeLessThanOrEqual(6)
    expect(storedText(dir)).toBe('')
  })

  it('408 for a body that does not finish in time (slow loris)', async () => {
    const { dir, collector } = setup({ bodyTimeoutMs: 150 })
    const slow = new ReadableStream<Uint8Array>({
      start: controller => controller.enqueue(new TextEncoder().encode('{"schema":1,')),
      pull: () => new Promise(() => {}), // never more
    })
    const started = Date.now()
    const response = await collector(
      new Request(URL_, {
        method: 'POST',
        body: slow,
        headers: { 'content-type': 'text/plain' },
        duplex: 'half',
      } as RequestInit),
    )
    expect(response.status).toBe(408)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(storedText(dir)).toBe('')
  })

  const ok = payload(1)
  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
  const malformed: [string, string | Uint8Array, RegExp][] = [
    ['an empty body', '', /body is not JSON/],
    ['not JSON', '{"schema":1,', /body is not JSON/],
    ['JSON that is not an object', '[1,2,3]', /must be object/],
    ['null', 'null', /must be object/],
    ['another schema version', JSON.stringify({ ...ok, schema: 2 }), /\/schema must be equal to constant/],
    ['a missing field', JSON.stringify({ ...ok, sentAt: undefined }), /must have required property 'sentAt'/],
    [
      'an extra top-level key',
      JSON.stringify({ ...ok, userEmail: 'alice@example.com' }),
      /must NOT have additional properties \(userEmail\)/,
    ],
    [
      'an extra key in an event (a raw URL)',
      JSON.stringify({ ...ok, events: [{ ...ok.events[0], url: 'https://x/nc/p_8f2k' }] }),
      /\/events\/0 must NOT have additional properties \(url\)/,
    ],
    ['no events', JSON.stringify({ ...ok, events: [] }), /\/events must NOT have fewer than 1 items/],
    [
      'a huge array (1001 events)',
      JSON.stringify({
        ...ok,
        events: Array.from({ length: 1001 }, (_, i) => ({ type: 'heartbeat', id: String(i).padStart(21, 'h'), ts: 1 })),
      }),
      /\/events must NOT have more than 1000 items/,
    ],
    [
      'deep nesting at the top',
      `{"schema":1,"deep":${deep(20_000)}}`,
      /must NOT have additional properties|must have required/,
    ],
    [
      'deep nesting in props',
      JSON.stringify({
        ...ok,
        events: [{ type: 'track', id: newId(), ts: 1, name: 'x', props: { a: JSON.parse(deep(2000)) } }],
      }),
      /\/events\/0\/props\/a must be string/,
    ],
    [
      'an object as a prop value',
      JSON.stringify({
        ...ok,
        events: [{ type: 'track', id: newId(), ts: 1, name: 'x', props: { user: { email: 'a@b.c' } } }],
      }),
      /\/events\/0\/props\/user must be string/,
    ],
    [
      'a __proto__ key at the top',
      `{"__proto__":{"polluted":1},${JSON.stringify(ok).slice(1)}`,
      /must NOT have additional properties \(__proto__\)/,
    ],
    [
      'a __proto__ key in an event',
      JSON.stringify(ok).replace('"type":"page"', '"__proto__":{"x":1},"type":"page"'),
      /\/events\/0 must NOT have additional properties \(__proto__\)/,
    ],
    [
      'a __proto__ key in props',
      JSON.stringify({ ...ok, events: [{ type: 'track', id: newId(), ts: 1, name: 'x', props: {} }] }).replace(
        '"props":{}',
        '"props":{"__proto__":"x"}',
      ),
      /\/events\/0\/props has a __proto__ key/,
    ],
    [
      'an escaped __proto__ key in props',
      JSON.stringify({ ...ok, events: [{ type: 'track', id: newId(), ts: 1, name: 'x', props: {} }] }).replace(
        '"props":{}',
        '"props":{"\\u005f_proto__":"x"}',
      ),
      /__proto__ key/,
    ],
    [
      'a wrong id',
      JSON.stringify({ ...ok, events: [{ ...ok.events[0], id: 'short' }] }),
      /\/events\/0\/id must match pattern/,
    ],
    [
      'an invalid date',
      JSON.stringify({ ...ok, sentAt: '2026-13-45T10:00:00.000Z' }),
      /\/sentAt must match format "date-time"/,
    ],
    ['a non-finite number', JSON.stringify(ok).replace(/"ts":\d+/, '"ts":1e400'), /\/events\/0\/ts must be number/],
    [
      'a page without a path',
      JSON.stringify({ ...ok, events: [{ type: 'page', id: newId(), ts: 1 }] }),
      /must have required property 'path'/,
    ],
    ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /body is not JSON/],
  ]

  it.each(malformed)(
    '400 for %s, with the reason; nothing stored; the next request is served',
    async (_, body, reason) => {
      const { dir, collector } = setup()
      const response = await collector(
        new Request(URL_, { method: 'POST', body: body as BodyInit, headers: { 'content-type': 'text/plain' } }),
      )
      expect(response.status).toBe(400)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect((await json(response)).error as string).toMatch(reason)
      expect(storedText(dir)).toBe('')
      expect(Object.prototype).not.toHaveProperty('polluted')
      expect((await collector(post(URL_, payload(1)))).status).toBe(204)
    },
  )

  it("429 with Retry-After over a client's rate, counted in events per anonymousId, never by IP", async () => {
    const { dir, collector } = setup({ limits: { client: { rate: 1, burst: 5 }, overall: false } })
    const alice = 'alice' + 'A'.repeat(16)
    const bob = 'bob__' + 'B'.repeat(16)
    expect(
      (await collector(post(URL_, payload(4, { anonymousId: alice }), { 'x-forwarded-for': '10.0.0.1' }))).status,
    ).toBe(204)
    const refused = await collector(post(URL_, payload(4, { anonymousId: alice }), { 'x-forwarded-for': '10.0.0.2' }))
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBe(3)
    // another client behind the same address is not limited
    expect(
      (await collector(post(URL_, payload(4, { anonymousId: bob }), { 'x-forwarded-for': '10.0.0.1' }))).status,
    ).toBe(204)
    expect(stored(dir)).toHaveLength(8)
  })

  it('429 over the overall rate, for payloads without ids too', async () => {
    const { collector } = setup({ limits: { client: false, overall: { rate: 10, burst: 10 } } })
    expect((await collector(post(URL_, payload(8, { anonymousId: undefined, sessionId: undefined })))).status).toBe(204)
    const refused = await collector(post(URL_, payload(8, { anonymousId: undefined, sessionId: undefined })))
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('1')
  })

  it('503 when the store fails, never a 2xx; the events are written by the retry', async () => {
    let fail = true
    const written: string[] = []
    const errors: unknown[] = []
    const collector = createCollector({
      store: async events => {
        if (fail) throw new Error('disk full')
        written.push(...events.map(e => e.id))
      },
      onError: error => errors.push(error),
    })
    const body = payload(3)
    const response = await collector(post(URL_, body))
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect(errors).toEqual([new Error('disk full')])
    fail = false
    expect((await collector(post(URL_, body))).status).toBe(204)
    expect(written).toEqual(body.events.map(e => e.id))
  })

  it('a concurrent retry of events whose write fails gets 503 too', async () => {
    let release!: () => void
    const gate = new Promise<void>(resolve => (release = resolve))
    let calls = 0
    const collector = createCollector({
      store: async () => {
        calls++
        await gate
        throw new Error('connection reset')
      },
      onError: () => {},
    })
    const body = payload(2)
    const answers = Promise.all([collector(post(URL_, body)), collector(post(URL_, body))])
    await new Promise(resolve => setTimeout(resolve, 20))
    release()
    expect((await answers).map(r => r.status)).toEqual([503, 503])
    expect(calls).toBe(1)
  })

  it('reports the default store error on the console, without the request', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    const collector = createCollector({ store: () => Promise.reject(new Error('disk full')) })
    expect((await collector(post(URL_, payload(1), { cookie: 'session=secret' }))).status).toBe(503)
    expect(spy.mock.calls).toEqual([['[spa-telemetry] collector: disk full']])
    spy.mockRestore()
  })
})

describe('createCollector: CORS', () => {
  const origin = 'https://app.example.com'

  it('answers a preflight from a configured origin; never allows credentials', async () => {
    const { collector } = setup({ origins: [origin] })
    const response = await collector(
      new Request(URL_, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      }),
    )
    expect(response.status).toBe(204)
    expect(Object.fromEntries(response.headers)).toEqual({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-expose-headers': 'Retry-After',
      'access-control-max-age': '86400',
      allow: 'POST, OPTIONS',
      vary: 'Origin',
    })
  })

  it('a POST from a configured origin gets Access-Control-Allow-Origin (the tracker reads the status and Retry-After)', async () => {
    const { collector } = setup({ origins: [origin], limits: { client: { rate: 1, burst: 1 }, overall: false } })
    const accepted = await collector(post(URL_, payload(1), { origin }))
    expect(accepted.status).toBe(204)
    expect(accepted.headers.get('access-control-allow-origin')).toBe(origin)
    expect(accepted.headers.has('access-control-allow-credentials')).toBe(false)
    const limited = await collector(post(URL_, payload(1), { origin }))
    expect(limited.status).toBe(429)
    expect(limited.headers.get('access-control-allow-origin')).toBe(origin)
    expect(limited.headers.get('access-control-expose-headers')).toBe('Retry-After')
  })

  it('403 for a browser on another origin, preflight or not; nothing stored', async () => {
    const { dir, collector } = setup({ origins: [origin] })
    const other = 'https://evil.example'
    expect((await collector(new Request(URL_, { method: 'OPTIONS', headers: { origin: other } }))).status).toBe(403)
    const response = await collector(post(URL_, payload(1), { origin: other, 'sec-fetch-site': 'cross-site' }))
    expect(response.status).toBe(403)
    expect(response.headers.has('access-control-allow-origin')).toBe(false)
    expect(storedText(dir)).toBe('')
  })

  it('accepts same-origin requests and requests without Origin, with no CORS headers', async () => {
    const { collector } = setup()
    for (const headers of [
      {},
      { origin: 'http://collector.test' },
      { origin: 'https://console.example', 'sec-fetch-site': 'same-origin' },
    ] as Record<string, string>[]) {
      const response = await collector(post(URL_, payload(1), headers))
      expect(response.status).toBe(204)
      expect(response.headers.has('access-control-allow-origin')).toBe(false)
    }
  })

  it("origins: '*' allows any origin, still without credentials", async () => {
    const { collector } = setup({ origins: '*' })
    const response = await collector(post(URL_, payload(1), { origin: 'https://anywhere.example' }))
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.has('access-control-allow-credentials')).toBe(false)
  })
})

describe('createCollector: setup errors', () => {
  it.each([
    [{}, /^\[spa-telemetry\] store is undefined: expected a store/],
    [
      { store: () => {}, origins: ['https://app.example.com/'] },
      /^\[spa-telemetry\] origins\[0\] is "https:\/\/app.example.com\/": expected an origin/,
    ],
    [
      { store: () => {}, origins: 'https://app.example.com' },
      /^\[spa-telemetry\] origins is "https:\/\/app.example.com": expected an array of origins/,
    ],
    [
      { store: () => {}, maxBodyBytes: 0 },
      /^\[spa-telemetry\] maxBodyBytes is 0: expected a whole number from 1 to 16777216$/,
    ],
    [
      { store: () => {}, path: 'telemetry' },
      /^\[spa-telemetry\] path is "telemetry": expected a path such as "\/telemetry"$/,
    ],
    [
      { store: () => {}, limits: { client: { rate: 0, burst: 10 } } },
      /^\[spa-telemetry\] limits.client.rate is 0: expected a number from/,
    ],
    [
      { store: () => {}, limits: { overall: { rate: 10, burst: -1 } } },
      /^\[spa-telemetry\] limits.overall.burst is -1: expected a number from 1 to Infinity$/,
    ],
  ])('%j', (options, message) => {
    expect(() => createCollector(options as CollectorOptions)).toThrow(message)
  })

  it('ndjsonStore without a directory', () => {
    expect(() => ndjsonStore({} as { dir: string })).toThrow(
      /^\[spa-telemetry\] dir is undefined: expected the path of a directory$/,
    )
  })
})
