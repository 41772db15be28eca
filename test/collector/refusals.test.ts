/**
 * What the collector refuses at the door and how it says so: strings a store
 * cannot keep (lone surrogates, in every field), byte order marks (the same
 * answer whatever the framing), and `onRefused`, whose reasons never hold
 * anything of the request (the command's --verbose prints them).
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'

import { createCollector, ndjsonStore } from '../../collector/index.js'
import type { CollectorOptions, Refused, Store } from '../../collector/index.js'
import { contentFree } from '../../collector/refusal.js'
import { newId, payload, post, stored, storedText, tempDir } from '../helpers/collector.js'

const URL_ = 'http://collector.test/telemetry'
const stores: Store[] = []
afterAll(() => Promise.all(stores.map(store => store.close?.())))

const setup = (options: Partial<CollectorOptions> = {}) => {
  const dir = tempDir()
  const store = ndjsonStore({ dir })
  stores.push(store)
  const refusals: Refused[] = []
  const collector = createCollector({
    store,
    path: '/telemetry',
    onRefused: refused => refusals.push(refused),
    onError: () => {},
    ...options,
  })
  return { dir, collector, refusals }
}

/** A body as the JSON text a client could send, with `\ud800`-style escapes kept as escapes. */
const escaped = (value: unknown): string =>
  JSON.stringify(value).replace(/[\ud800-\udfff]/g, c => `\\u${c.charCodeAt(0).toString(16)}`)

describe('lone surrogates (ClickHouse refuses the whole insert that holds one)', () => {
  const cases: [string, (body: ReturnType<typeof payload>, lone: string) => void, string][] = [
    [
      'a props value',
      (b, s) =>
        Object.assign(b.events[0], { type: 'track', name: 'clicked', path: undefined, props: { label: `ok${s}` } }),
      '/events/0/props/label',
    ],
    ['app.version', (b, s) => (b.app.version = `1.0${s}`), '/app/version'],
    ['app.env', (b, s) => (b.app.env = `prod${s}`), '/app/env'],
    ['library.version', (b, s) => (b.library.version = `0.1${s}`), '/library/version'],
    ['instanceId', (b, s) => (b.instanceId = `server${s}`), '/instanceId'],
  ]

  it.each([
    ['path', (b: ReturnType<typeof payload>, s: string) => (b.events[0].path = `/x${s}`)],
    ['from', (b: ReturnType<typeof payload>, s: string) => (b.events[0].from = `/a${s}b`)],
    ['referrer', (b: ReturnType<typeof payload>, s: string) => (b.events[0].referrer = `external${s}`)],
  ] as const)(
    '400 for a lone surrogate in %s (outside the path grammar, as any character the tracker never writes); nothing stored',
    async (field, put) => {
      for (const lone of ['\ud800', '\udfff', '\udbff\udbff', '\ude00\ud83d']) {
        const { dir, collector } = setup()
        const body = payload(1)
        put(body, lone)
        const response = await collector(post(URL_, escaped(body)))
        expect(response.status, JSON.stringify(lone)).toBe(400)
        expect((await response.json()).error).toMatch(new RegExp(`/events/0/${field} is outside the path grammar`))
        expect(storedText(dir)).toBe('')
      }
    },
  )

  it.each(cases)('400 for a lone surrogate in %s, naming the field; nothing stored', async (_, put, where) => {
    for (const lone of ['\ud800', '\udfff', '\udbff\udbff', '\ude00\ud83d']) {
      const { dir, collector, refusals } = setup()
      const body = payload(1)
      put(body, lone)
      const response = await collector(post(URL_, escaped(body)))
      expect(response.status, JSON.stringify(lone)).toBe(400)
      expect((await response.json()).error).toBe(
        `body refused: ${where} holds a lone surrogate (half of a UTF-16 pair), which a store cannot keep`,
      )
      expect(refusals[0].reason).toBe(`body refused: ${where.replace('label', '*')} holds a lone surrogate`)
      expect(storedText(dir)).toBe('')
    }
  })

  it('accepts whole pairs, escaped or not, and other escapes', async () => {
    const { dir, collector } = setup()
    const body = payload([
      { path: '/caf\u00e9' },
      { type: 'track', name: 'x', path: undefined, props: { s: 'tab\there \ud83d\ude00 \\ud800' } },
    ])
    expect((await collector(post(URL_, escaped(body)))).status).toBe(204)
    expect(
      (
        await collector(
          post(
            URL_,
            JSON.stringify(payload([{ type: 'track', name: 'x', path: undefined, props: { s: '\ud83d\ude00' } }])),
          ),
        )
      ).status,
    ).toBe(204)
    expect(stored(dir).map(e => e.path ?? e.props?.s)).toEqual([
      '/caf\u00e9',
      'tab\there \ud83d\ude00 \\ud800',
      '\ud83d\ude00',
    ])
  })

  it('bytes of an encoded surrogate (not valid UTF-8) are replaced, as any invalid byte: never a lone surrogate in the store', async () => {
    const { dir, collector } = setup()
    const text = JSON.stringify(payload([{ type: 'track', name: 'x', path: undefined, props: { s: 'x__' } }]))
    const bytes = Buffer.from(text)
    const at = bytes.indexOf('__')
    const body = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xed, 0xa0, 0x80]), bytes.subarray(at + 2)])
    expect(
      (await collector(new Request(URL_, { method: 'POST', body, headers: { 'content-type': 'text/plain' } }))).status,
    ).toBe(204)
    expect(stored(dir)[0].props?.s).toBe('x\ufffd\ufffd\ufffd')
  })
})

describe('a byte order mark', () => {
  const chunked = (text: string) =>
    new Request(URL_, {
      method: 'POST',
      body: new ReadableStream<Uint8Array>({
        start: controller => {
          controller.enqueue(new TextEncoder().encode(text))
          controller.close()
        },
      }),
      headers: { 'content-type': 'text/plain' },
      duplex: 'half',
    } as RequestInit)

  it('leading BOMs are ignored with Content-Length and chunked alike; one elsewhere is not JSON', async () => {
    const { dir, collector } = setup()
    const answers: number[] = []
    for (const boms of ['\ufeff', '\ufeff\ufeff']) {
      answers.push((await collector(post(URL_, boms + JSON.stringify(payload(1))))).status)
      answers.push((await collector(chunked(boms + JSON.stringify(payload(1))))).status)
    }
    expect(answers).toEqual([204, 204, 204, 204])
    expect(stored(dir)).toHaveLength(4)
    const inside = JSON.stringify(payload(1)).replace('{', '{\ufeff')
    expect([(await collector(post(URL_, inside))).status, (await collector(chunked(inside))).status]).toEqual([
      400, 400,
    ])
  })
})

describe('onRefused', () => {
  it('is called for every refusal with its status and a content-free reason; a 403 names a plain origin (not one of 250 characters)', async () => {
    const { collector, refusals } = setup({
      origins: ['https://app.example.com'],
      limits: { client: { rate: 1, burst: 1 }, overall: false },
    })
    const sent = [
      new Request('http://collector.test/other', { method: 'POST' }),
      post(URL_, payload(1), { origin: 'https://evil.example:8443' }),
      post(URL_, payload(1), { origin: 'null' }),
      post(URL_, payload(1), { origin: `https://${'a'.repeat(250)}.example` }),
      new Request(URL_, { method: 'PUT' }),
      post(URL_, payload(1), { 'content-type': 'text/html' }),
      post(URL_, '{'),
      post(URL_, { ...payload(1), userEmail: 'alice@example.com' }),
      post(URL_, payload(1)),
      post(URL_, payload(1)),
    ]
    for (const request of sent) await collector(request)
    expect(refusals).toEqual([
      { status: 404, reason: 'not found' },
      { status: 403, reason: 'origin not allowed', origin: 'https://evil.example:8443' },
      { status: 403, reason: 'origin not allowed' },
      { status: 403, reason: 'origin not allowed' },
      { status: 405, reason: 'method not allowed: POST' },
      { status: 415, reason: 'content type is not text/plain or application/json' },
      { status: 400, reason: 'body is not JSON' },
      { status: 400, reason: 'body does not match schema/v1.json: / must NOT have additional properties' },
      { status: 429, reason: expect.stringMatching(/^rate limit: retry in \d+ s$/) },
    ])
  })

  it('the client still reads the full reason (its own content)', async () => {
    const { collector } = setup()
    const response = await collector(
      post(URL_, payload(1), { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }),
    )
    expect((await response.json()).error).toBe(
      'origin "https://evil.example" is not allowed: the collector accepts it once it is among its origins (the command\'s --origin)',
    )
  })

  it('a 503 and its reason; an onRefused that throws is reported, never to the client', async () => {
    const errors: unknown[] = []
    const collector = createCollector({
      store: () => Promise.reject(new Error('disk full')),
      onRefused: () => {
        throw new Error('log closed')
      },
      onError: error => errors.push(error),
    })
    expect((await collector(post(URL_, payload(1)))).status).toBe(503)
    expect(errors).toEqual([new Error('disk full'), new Error('log closed')])
  })

  it('never holds content of the request, nor a control character, whatever the client sends', async () => {
    const { collector, refusals } = setup({ limits: false })
    const secret = fc.stringMatching(/^[A-Za-z0-9_]{6,20}$/).map(s => `Q${s}`)
    const request = fc.oneof(
      secret.map(s => [s, post(URL_, payload(1), { 'content-type': `text/${s}` })] as const),
      secret.map(
        s => [s, post(URL_, payload(1), { origin: `https://${s}.example`, 'sec-fetch-site': 'cross-site' })] as const,
      ),
      secret.map(s => [s, post(URL_, { ...payload(1), [s]: 1 })] as const),
      secret.map(
        s =>
          [
            s,
            post(
              URL_,
              payload([{ type: 'track', name: 'x', path: undefined, props: { [s]: { nested: s } as never } }]),
            ),
          ] as const,
      ),
      secret.map(
        s =>
          [
            s,
            post(URL_, payload([{ type: 'track', name: 'x', path: undefined, props: { [`${s}@mail`]: 1 } }])),
          ] as const,
      ),
      secret.map(s => [s, post(URL_, payload([{ type: 'track', name: `${s}\u001b[31m`, path: undefined }]))] as const),
      secret.map(
        s =>
          [
            s,
            post(URL_, escaped(payload([{ type: 'track', name: 'x', path: undefined, props: { [s]: `\ud800${s}` } }]))),
          ] as const,
      ),
      secret.map(s => [s, post(URL_, payload([{ id: `${s}\n`.padEnd(21, 'x') }]))] as const),
      secret.map(s => [s, new Request(URL_, { method: s.toUpperCase() })] as const),
    )
    await fc.assert(
      fc.asyncProperty(request, async ([s, sent]) => {
        refusals.length = 0
        const response = await collector(sent)
        expect(response.status).toBeGreaterThanOrEqual(400)
        expect(refusals).toHaveLength(1)
        const { reason } = refusals[0]
        expect(reason).not.toContain(s)
        expect(reason.toLowerCase()).not.toContain(s.toLowerCase().slice(0, 6))
        expect(reason).toMatch(/^[\x20-\x7e]+$/)
      }),
      { numRuns: 300 },
    )
  })

  it('contentFree keeps what names the problem, cuts what came from the request', () => {
    expect(contentFree('body does not match schema/v1.json: /events/0/props/alice must be string')).toBe(
      'body does not match schema/v1.json: /events/0/props/* must be string',
    )
    expect(contentFree('body does not match schema/v1.json: /events/3/path must match pattern "^/"')).toBe(
      'body does not match schema/v1.json: /events/3/path must match pattern',
    )
    expect(contentFree('body refused: /events/0/path has a query (?email=alice@example.com)')).toBe(
      'body refused: /events/0/path has a query',
    )
    expect(contentFree('path /x?email=a@b.c has a query')).toBe('path /* has a query') // a reason that forgot the quotes
    expect(contentFree('body refused:\u001b[2J /events/0/referrer\r\n https://alice:hunter2@intranet.example/')).toBe(
      'body refused:[2J /events/0/referrer *',
    )
    expect(contentFree(`x ${'y'.repeat(400)}`).length).toBeLessThanOrEqual(160)
    expect(newId()).toHaveLength(21)
  })
})
