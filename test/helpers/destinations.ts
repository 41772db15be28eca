/**
 * Local HTTP servers that implement the documented contracts of the
 * destinations the forwarding stores send to, for the tests:
 *
 * - Segment's HTTP Tracking API, `POST /v1/batch`: `Content-Type:
 *   application/json`; the write key as Basic auth (`key:` in base64); a call
 *   is `{ batch: [...], sentAt?, context? }`; each item has a `type`, a
 *   `messageId` under 100 characters, an `anonymousId` or a `userId`, `event`
 *   for `track`; 400 over 500 KB a call or 32 KB an event, or for invalid JSON.
 *   (segmentio/segment-docs, src/connections/sources/catalog/libraries/server/http-api/index.md)
 * - RudderStack's data plane (rudder-server's gateway, the same API): 401 for a
 *   missing or wrong write key, 413 over its request limit (4 MB by default),
 *   400 for invalid JSON or an event with neither id, 429 when throttled.
 *   (rudderlabs/rudder-server, gateway/response/response.go)
 * - PostHog's batch capture, `POST /batch/`: `{ api_key, batch, sent_at? }`;
 *   401 without a key, or for a batch whose events name another key
 *   (`properties.token`); 400 for an event without a name or a `distinct_id`,
 *   an invalid `uuid`, a non-boolean `$cookieless_mode`, or over 1 MB; 413
 *   over the request limit (20 MB); 429 rate limited; 503 to retry.
 *   (PostHog/posthog, rust/capture/src/api.rs and common types' RawEvent)
 *
 * A test scripts answers ahead of the contract's (`script`), can leave calls
 * unanswered (`hang`), and reads every request as received (`requests`), the
 * events taken (`taken`) and what broke the contract (`violations`).
 */
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'

/** What JSON.parse gives: a test reads any field of a call it received. */
export type Parsed = ReturnType<typeof JSON.parse>

export interface Received {
  at: number
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** what the fake answered (0: never) */
  status: number
}

export interface Answer {
  /** -1: the connection drops without an answer */
  status: number
  headers?: Record<string, string>
  body?: string
  /** send `body` and keep the response open, never ending it */
  endless?: boolean
}

export interface Fake {
  url: string
  requests: Received[]
  /** the events (batch items) of the calls answered 2xx, in order */
  taken: Parsed[]
  /** what broke the documented contract (a test expects none) */
  violations: string[]
  /** answers given before the contract's own, one per request */
  script: Answer[]
  /** leave requests unanswered (until the client gives up) */
  hang: boolean
  close(): Promise<void>
}

interface Contract {
  path: string
  maxBody: number
  /** checks a call; returns the contract's answer and the events it takes */
  check(request: Received, json: Parsed): { status: number; body: string; events: Parsed[] }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

const start = async (contract: Contract): Promise<Fake> => {
  const sockets = new Set<import('node:net').Socket>()
  const fake: Fake = {
    url: '',
    requests: [],
    taken: [],
    violations: [],
    script: [],
    hang: false,
    close: async () => {},
  }
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= contract.maxBody + 1) chunks.push(chunk)
    })
    request.on('end', () => {
      const received: Received = {
        at: Date.now(),
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status: 0,
      }
      fake.requests.push(received)
      const answer = (status: number, body = '', headers: Record<string, string> = {}): void => {
        received.status = status
        response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body)
      }
      if (fake.hang) return
      const scripted = fake.script.shift()
      if (scripted && scripted.status < 0) return void request.socket.destroy() // the connection drops: no answer
      if (scripted?.endless) {
        received.status = scripted.status
        return void response.writeHead(scripted.status, scripted.headers).write(scripted.body ?? '')
      }
      if (scripted) return answer(scripted.status, scripted.body ?? '', scripted.headers)
      if (received.method !== 'POST' || received.path !== contract.path) return answer(404, '{"error":"not found"}')
      if (size > contract.maxBody) return answer(413, '{"msg":"Request size exceeds max limit"}')
      if (!/^application\/json/.test(String(request.headers['content-type']))) {
        fake.violations.push(`content-type ${request.headers['content-type']}`)
        return answer(400, '{"error":"content type"}')
      }
      let json: Parsed
      try {
        json = JSON.parse(received.body)
      } catch {
        fake.violations.push('invalid JSON')
        return answer(400, '{"error":"invalid JSON"}')
      }
      const { status, body, events } = contract.check(received, json)
      if (status >= 200 && status < 300) fake.taken.push(...events)
      answer(status, body)
    })
  })
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  fake.close = async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise(resolve => server.close(resolve))
  }
  return fake
}

/**
 * A fake Segment HTTP API (`flavour: 'segment'`, 500 KB a call, 400 over it) or
 * RudderStack data plane (`'rudderstack'`, 4 MB a call, 413 over it), both
 * with 32 KB an event and Basic auth with `writeKey`.
 */
export const fakeSegment = (
  writeKey: string,
  flavour: 'segment' | 'rudderstack' = 'segment',
  maxBody = flavour === 'segment' ? 500_000 : 4_000 * 1024,
): Promise<Fake> => {
  const expected = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`
  let fake: Fake
  const promise = start({
    path: '/v1/batch',
    maxBody: flavour === 'segment' ? Infinity : maxBody,
    check: (request, json) => {
      if (request.headers.authorization !== expected)
        return { status: 401, body: '{"msg":"Invalid Write Key"}', events: [] }
      if (flavour === 'segment' && Buffer.byteLength(request.body) > maxBody) {
        fake.violations.push(`a call of ${Buffer.byteLength(request.body)} bytes`)
        return { status: 400, body: '{"error":"Exceed payload limit"}', events: [] }
      }
      if (!json || !Array.isArray(json.batch) || !json.batch.length) {
        fake.violations.push('no batch')
        return { status: 400, body: '{"error":"no batch"}', events: [] }
      }
      if (json.batch.length > 2500) fake.violations.push(`${json.batch.length} events in a call`)
      if (json.sentAt !== undefined && !ISO.test(json.sentAt)) fake.violations.push(`sentAt ${json.sentAt}`)
      for (const item of json.batch) {
        const bytes = Buffer.byteLength(JSON.stringify(item))
        if (bytes > 32_000) {
          fake.violations.push(`an event of ${bytes} bytes`)
          return { status: 400, body: '{"error":"Exceed payload limit"}', events: [] }
        }
        if (!['page', 'track'].includes(item.type)) fake.violations.push(`type ${item.type}`)
        if (typeof item.messageId !== 'string' || !item.messageId || item.messageId.length >= 100)
          fake.violations.push(`messageId ${item.messageId}`)
        if (typeof item.anonymousId !== 'string' || !item.anonymousId) {
          fake.violations.push('no anonymousId')
          if (flavour === 'rudderstack')
            return { status: 400, body: '{"msg":"Request neither has anonymousId nor userId"}', events: [] }
        }
        if (item.type === 'track' && (typeof item.event !== 'string' || !item.event))
          fake.violations.push('a track call without event')
        if (!ISO.test(item.timestamp)) fake.violations.push(`timestamp ${item.timestamp}`)
        if (item.writeKey !== undefined) fake.violations.push('a write key in the body')
      }
      return { status: 200, body: flavour === 'segment' ? '{"success":true}' : 'OK', events: json.batch }
    },
  })
  return promise.then(made => (fake = made))
}

/** A fake PostHog batch capture endpoint (20 MB a request, 1 MB an event) for the project key `apiKey`. */
export const fakePostHog = (apiKey: string, maxBody = 20 * 1024 * 1024): Promise<Fake> => {
  let fake: Fake
  const promise = start({
    path: '/batch/',
    maxBody,
    check: (_request, json) => {
      if (typeof json?.api_key !== 'string' || !json.api_key)
        return { status: 401, body: '"event submitted without an api_key"', events: [] }
      if (!Array.isArray(json.batch) || !json.batch.length)
        return { status: 400, body: '"request holds no event"', events: [] }
      for (const event of json.batch) {
        const token = event.properties?.token
        if (typeof token === 'string' && token !== json.api_key)
          return { status: 401, body: '"batch submitted with inconsistent api_key values"', events: [] }
      }
      // (the real capture checks only a key's form and drops events of unknown projects later; the fake answers 401)
      if (json.api_key !== apiKey) return { status: 401, body: `"API key is not valid: ${json.api_key}"`, events: [] }
      if (json.sent_at !== undefined && !ISO.test(json.sent_at)) fake.violations.push(`sent_at ${json.sent_at}`)
      for (const event of json.batch) {
        const refuse = (reason: string) => ({ status: 400, body: JSON.stringify(reason), events: [] })
        if (typeof event.event !== 'string' || !event.event) return refuse('event submitted with an empty event name')
        if (event.distinct_id === undefined || event.distinct_id === null || String(event.distinct_id).trim() === '')
          return refuse('event submitted without a distinct_id')
        if (event.uuid !== undefined && !(typeof event.uuid === 'string' && UUID.test(event.uuid))) {
          fake.violations.push(`uuid ${event.uuid}`)
          return refuse('failed to parse request: uuid')
        }
        const cookieless = event.properties?.$cookieless_mode
        if (cookieless !== undefined && typeof cookieless !== 'boolean') return refuse('invalid cookieless mode')
        if (Buffer.byteLength(JSON.stringify(event)) > 1_000_000) return refuse('maximum event size exceeded')
        if (event.timestamp !== undefined && !ISO.test(event.timestamp))
          fake.violations.push(`timestamp ${event.timestamp}`)
        if (!event.uuid) fake.violations.push('no uuid')
      }
      return { status: 200, body: '{"status":1}', events: json.batch }
    },
  })
  return promise.then(made => (fake = made))
}
