/**
 * What the forwarding stores share (collector/stores/forward.ts), against a
 * local server that implements Segment's documented contract: the status
 * table and the back-off as data, retries that honour Retry-After within the
 * write's deadline, calls split on 400 and 413, the ledger that gives the
 * destination each event once, and the key kept out of every message.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { createCollector, segmentStore } from '../../collector/index.js'
import type { StoredEvent } from '../../collector/index.js'
import { checkKey, checkUrl, utf8Length } from '../../collector/stores/destination.js'
import { classify, retryDelay } from '../../collector/stores/retry.js'
import { fakeSegment } from '../helpers/destinations.js'
import type { Fake } from '../helpers/destinations.js'
import { newId, payload, post } from '../helpers/collector.js'

const URL_ = 'http://collector.test/telemetry'
const KEY = 'wk_Sup3rSecretWriteKey_0123'
const BASIC = Buffer.from(`${KEY}:`).toString('base64')

const fakes: Fake[] = []
const segment = async (...args: Parameters<typeof fakeSegment> extends [string, ...infer R] ? R : never) => {
  const fake = await fakeSegment(KEY, ...args)
  fakes.push(fake)
  return fake
}
afterEach(async () => {
  vi.restoreAllMocks()
  for (const fake of fakes.splice(0)) await fake.close()
})

const event = (extra: Partial<StoredEvent> = {}): StoredEvent => ({
  id: newId(),
  type: 'track',
  name: 'table_created',
  ts: Date.now(),
  clientTs: Date.now(),
  receivedAt: new Date().toISOString(),
  sentAt: new Date().toISOString(),
  app: { name: 'acme-console' },
  library: { name: 'spa-telemetry', version: '0.1.0' },
  anonymousId: 'anon_' + 'A'.repeat(16),
  ...extra,
})

/** messageIds the fake took, and how often each. */
const counts = (fake: Fake): Map<string, number> => {
  const seen = new Map<string, number>()
  for (const item of fake.taken) seen.set(item.messageId, (seen.get(item.messageId) ?? 0) + 1)
  return seen
}

describe('the status table and the back-off', () => {
  it('classify: 2xx taken, 400/413 split, no answer/408/429/5xx retried, the rest fail at once', () => {
    const table: [number, string][] = [
      [200, 'sent'],
      [204, 'sent'],
      [400, 'split'],
      [413, 'split'],
      [0, 'retry'],
      [408, 'retry'],
      [429, 'retry'],
      [500, 'retry'],
      [502, 'retry'],
      [503, 'retry'],
      [301, 'fail'],
      [401, 'fail'],
      [403, 'fail'],
      [404, 'fail'],
      [422, 'fail'],
    ]
    expect(table.map(([status]) => [status, classify(status)])).toEqual(table)
  })

  it('retryDelay: 250 ms doubled per failure up to 4 s, ±25 %, or longer when Retry-After asks (seconds or a date)', () => {
    const now = Date.parse('2026-11-24T10:00:00Z')
    expect(retryDelay(0, '2', 0.5, now)).toBe(2000)
    expect(retryDelay(0, 'Tue, 24 Nov 2026 10:00:03 GMT', 0.5, now)).toBe(3000)
    // a minimum, never a reason to hurry: no tight loop on Retry-After: 0, nor on a date gone by
    expect(retryDelay(0, ' 0 ', 0.5, now)).toBe(250)
    expect(retryDelay(5, '1', 0.5, now)).toBe(4000)
    expect(retryDelay(1, 'Tue, 24 Nov 2026 09:00:00 GMT', 0.5, now)).toBe(500)
    expect([0, 1, 2, 3, 4, 10].map(failures => retryDelay(failures, null, 0.5, now))).toEqual([
      250, 500, 1000, 2000, 4000, 4000,
    ])
    expect(retryDelay(0, 'soon', 0, now)).toBe(187.5)
    expect(retryDelay(0, null, 0.999999, now)).toBeCloseTo(312.5, 3)
  })

  it('utf8Length is the byte length of any JSON text', () => {
    // any UTF-16 units (lone surrogates, controls) and astral characters
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map(c => String.fromCharCode(c)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map(c => String.fromCodePoint(c)),
    )
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 40 }),
        units => utf8Length(JSON.stringify(units.join(''))) === Buffer.byteLength(JSON.stringify(units.join(''))),
      ),
      { numRuns: 500 },
    )
  })
})

describe('setup', () => {
  it('refuses a missing or unprintable key without printing it', () => {
    expect(() => checkKey('writeKey', undefined)).toThrow(/^\[spa-telemetry\] writeKey is undefined: expected the key/)
    expect(() => checkKey('writeKey', '  ')).toThrow(/writeKey is empty/)
    let message = ''
    try {
      checkKey('writeKey', 'sécret-key')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/writeKey is a string of 10 characters, not all printable ASCII/)
    expect(message).not.toContain('cret')
    expect(checkKey('writeKey', `${KEY}\n`)).toBe(KEY)
  })

  it('refuses a URL with credentials without printing them, and other schemes', () => {
    expect(() => checkUrl('url', `https://${KEY}:@hosted.rudderlabs.com/v1/batch`, 'x')).toThrow(
      /^\[spa-telemetry\] url is "https:\/\/…@hosted.rudderlabs.com\/v1\/batch": expected a URL without credentials/,
    )
    expect(() => checkUrl('url', `https://${KEY}:@hosted.rudderlabs.com/v1/batch`, 'x')).not.toThrow(new RegExp(KEY))
    expect(() => checkUrl('url', 'ftp://example.com', 'x')).toThrow(
      /^\[spa-telemetry\] url is "ftp:\/\/example.com\/": expected an http or https URL such as "x"$/,
    )
    expect(() => checkUrl('url', KEY, 'x')).toThrow(
      /^\[spa-telemetry\] url is not a URL \(a string of 27 characters\): expected an http or https URL/,
    )
    expect(() => segmentStore({ writeKey: KEY, timeoutMs: 0 })).toThrow(
      /timeoutMs is 0: expected a number from 1 to 600000/,
    )
  })

  it('a URL without a path gets /v1/batch (a RudderStack data plane)', async () => {
    const fake = await segment('rudderstack')
    const store = segmentStore({ writeKey: KEY, url: fake.url })
    await store.write([event()])
    expect(fake.requests.map(r => r.path)).toEqual(['/v1/batch'])
  })
})

describe('a forwarding store', () => {
  it('retries 5xx and no answer with back-off, and the destination takes each event once, under the same messageId', async () => {
    const fake = await segment()
    fake.script.push({ status: 503 }, { status: -1 }, { status: 502 })
    const events = [event(), event()]
    await segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch` }).write(events)
    expect(fake.requests.map(r => r.status)).toEqual([503, 0, 502, 200])
    expect(
      fake.requests.map(r => JSON.parse(r.body).batch.map((item: { messageId: string }) => item.messageId)),
    ).toEqual([0, 1, 2, 3].map(() => events.map(e => e.id)))
    expect([...counts(fake).values()]).toEqual([1, 1])
    expect(fake.violations).toEqual([])
  }, 15_000)

  it('waits what Retry-After asks on a 429', async () => {
    const fake = await segment()
    fake.script.push({ status: 429, headers: { 'retry-after': '1' } })
    await segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch` }).write([event()])
    expect(fake.requests.map(r => r.status)).toEqual([429, 200])
    expect(fake.requests[1].at - fake.requests[0].at).toBeGreaterThanOrEqual(950)
  }, 15_000)

  it('fails at once when Retry-After asks for longer than the write has left (the browser sends again later)', async () => {
    const fake = await segment()
    fake.script.push({ status: 429, headers: { 'retry-after': '30' } })
    const started = Date.now()
    await expect(
      segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch`, timeoutMs: 5000 }).write([event()]),
    ).rejects.toThrow(
      /^\[spa-telemetry\] segment: http:\/\/127\.0\.0\.1:\d+\/v1\/batch answered 429; asked to wait 30 s, past the write's deadline \(5000 ms\)$/,
    )
    expect(fake.requests).toHaveLength(1)
    expect(Date.now() - started).toBeLessThan(30_000)
  }, 15_000)

  it('holds a write to its deadline when the destination never answers: the collector answers 503 and nothing is acknowledged', async () => {
    const fake = await segment()
    fake.hang = true
    const errors: unknown[] = []
    const collector = createCollector({
      store: segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch`, timeoutMs: 300 }),
      onError: error => errors.push(error),
    })
    const started = Date.now()
    const response = await collector(post(URL_, payload(2)))
    expect(response.status).toBe(503)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(String(errors[0])).toMatch(
      /segment: http:\/\/127\.0\.0\.1:\d+\/v1\/batch no answer within the write's 300 ms/,
    )
    expect(fake.taken).toEqual([])
  }, 10_000)

  it('a write waiting behind a slow call is answered by its own deadline', async () => {
    const fake = await segment()
    fake.hang = true
    const store = segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch`, timeoutMs: 400 })
    const first = store.write([event()])
    await new Promise(resolve => setTimeout(resolve, 200))
    const second = store.write([event()]) // waits: the first call is out
    await expect(first).rejects.toThrow(/no answer within/)
    await expect(second).rejects.toThrow(
      /segment: .*(earlier calls took the write's 400 ms|no answer within the write's 400 ms)/,
    )
  }, 10_000)

  it('fails at once on 401 and says to check the key, with no key in the message even when the answer echoes it', async () => {
    const fake = await segment()
    fake.script.push({ status: 401, body: `{"msg":"Invalid Write Key ${KEY} (Basic ${BASIC})"}` })
    const error = await segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch` })
      .write([event()])
      .catch((e: Error) => e)
    expect(String(error)).toMatch(
      /answered 401 \(\{"msg":"Invalid Write Key \[key\] \(Basic \[key\]\)"\}\): check the key$/,
    )
    expect(fake.requests).toHaveLength(1)
  })

  it("reads no more than the start of an answer's body: one that never ends holds nothing up", async () => {
    const fake = await segment()
    fake.script.push({ status: 503, body: 'x'.repeat(4096), endless: true })
    await segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch`, timeoutMs: 3000 }).write([event()]) // not held until the deadline
    expect(fake.requests.map(r => r.status)).toEqual([503, 200])
  })

  it('does not follow a redirect (the key would go with it)', async () => {
    const fake = await segment()
    const elsewhere = await segment()
    fake.script.push({ status: 307, headers: { location: `${elsewhere.url}/v1/batch` } })
    await expect(segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch` }).write([event()])).rejects.toThrow(
      /answered 307: redirects are not followed, check the URL/,
    )
    expect(elsewhere.requests).toEqual([])
  })

  it('on a 400 for a call, sends its halves; an event refused alone is reported, not sent again, and the write succeeds', async () => {
    const fake = await segment()
    const events = [event(), event(), event(), event()]
    // the whole call, then the half with the first event, then that event alone
    fake.script.push(
      { status: 400, body: '{"error":"nope"}' },
      { status: 400 },
      { status: 400, body: '{"error":"this one"}' },
    )
    const reported: Error[] = []
    const store = segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch`, onError: error => reported.push(error) })
    await store.write(events)
    expect(fake.requests.map(r => JSON.parse(r.body).batch.length)).toEqual([4, 2, 1, 1, 2])
    expect(fake.taken.map(item => item.messageId)).toEqual(events.slice(1).map(e => e.id))
    expect(reported.map(String)).toEqual([
      `Error: [spa-telemetry] segment: ${fake.url}/v1/batch refused event ${events[0].id}: answered 400 ({"error":"this one"}); it is not sent there again`,
    ])
    await store.write(events) // the browser's retry: nothing left to send
    expect(fake.requests).toHaveLength(5)
  })

  it('on a 413, splits until each call fits the destination (RudderStack with a small request limit)', async () => {
    const fake = await segment('rudderstack', 2000)
    const events = Array.from({ length: 12 }, () => event())
    await segmentStore({ writeKey: KEY, url: fake.url }).write(events)
    expect([...counts(fake).keys()].sort()).toEqual(events.map(e => e.id).sort())
    expect([...counts(fake).values()].every(n => n === 1)).toBe(true)
    expect(fake.requests.some(r => r.status === 413)).toBe(true)
    expect(fake.requests.filter(r => r.status === 200).every(r => Buffer.byteLength(r.body) <= 2000)).toBe(true)
  }, 15_000)

  it('after a partial failure, the retry sends only what the destination did not take', async () => {
    const fake = await segment()
    const events = Array.from({ length: 700 }, () => event()) // two calls: 500 and 200
    fake.script.push({ status: 200 }, { status: 401 })
    const store = segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch` })
    await expect(store.write(events)).rejects.toThrow(/answered 401/)
    const firstCall: string[] = JSON.parse(fake.requests.find(r => r.status === 200)!.body).batch.map(
      (item: { messageId: string }) => item.messageId,
    )
    fake.taken.push(...JSON.parse(fake.requests.find(r => r.status === 200)!.body).batch) // the scripted 200 took them
    await store.write(events)
    const retried: string[] = JSON.parse(fake.requests[2].body).batch.map(
      (item: { messageId: string }) => item.messageId,
    )
    expect(retried.filter(id => firstCall.includes(id))).toEqual([])
    expect([...counts(fake).keys()].sort()).toEqual(events.map(e => e.id).sort())
    expect([...counts(fake).values()].every(n => n === 1)).toBe(true)
  }, 15_000)

  it('keeps calls within 500 events and 500 KB when many writes go together', async () => {
    const fake = await segment()
    const store = segmentStore({ writeKey: KEY, url: `${fake.url}/v1/batch` })
    const big = (): StoredEvent =>
      event({ props: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, 'é'.repeat(200)])) })
    const writes = Array.from({ length: 30 }, () => Array.from({ length: 20 }, big))
    await Promise.all(writes.map(events => store.write(events)))
    expect(fake.taken).toHaveLength(600)
    expect(fake.requests.length).toBeGreaterThan(1)
    for (const request of fake.requests) {
      expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(500_000)
      expect(JSON.parse(request.body).batch.length).toBeLessThanOrEqual(500)
    }
    expect(fake.violations).toEqual([])
  }, 15_000)
})

describe('server-only', () => {
  it('the forwarding stores import nothing of Node at load time (the collector runs in workers)', () => {
    for (const file of ['forward', 'retry', 'destination', 'segment', 'posthog', 'fanout', 'from-flags']) {
      const source = readFileSync(`collector/stores/${file}.ts`, 'utf8')
      const imports = [...source.matchAll(/^import (?!type)[^\n]* from '([^']+)'/gm)].map(([, from]) => from)
      expect(
        imports.filter(from => !from.startsWith('.')),
        file,
      ).toEqual([])
    }
  })

  it('no browser entry reaches the collector: the core and the adapters never import it, and its browser stub holds none of it', () => {
    for (const dir of ['src', 'adapters']) {
      for (const name of readdirSync(dir).filter(name => /\.tsx?$/.test(name)))
        expect(readFileSync(`${dir}/${name}`, 'utf8'), `${dir}/${name}`).not.toMatch(/from '[^']*collector/)
    }
    const stub = 'dist/collector/browser.js'
    if (existsSync(stub)) expect(readFileSync(stub, 'utf8')).not.toMatch(/segment\.io|posthog\.com|Basic |api_key/)
    for (const file of [
      'dist/index.js',
      'dist/vue.js',
      'dist/nuxt.js',
      'dist/redux.js',
      'dist/history.js',
      'dist/react-router.js',
    ].filter(file => existsSync(file))) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/segmentStore|posthogStore|api\.segment\.io|i\.posthog\.com/)
    }
  })
})
