/**
 * No password or key in a setup message, however its URL is written (issue 21,
 * our own pass). The messages showed a URL's host and path, or the whole text
 * when it did not parse, with a pattern that cut credentials only up to the
 * first "/": a ClickHouse URL without a scheme (`writer:PASSWORD@host:8123`
 * printed `nullPASSWORD@host:8123`), a password holding "/" in a URL that did
 * not parse, a RudderStack write key as a scheme-less URL's user, or a
 * `--segment-url` given without a key, were printed as typed.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { clickhouseStore, posthogStore, segmentStore } from '../../collector/index.js'
import { run } from '../../collector/cli.js'
import { forwardingStores } from '../../collector/stores/from-flags.js'

/** The message a call throws, or undefined when it does not throw. */
const thrown = (call: () => unknown): string | undefined => {
  try {
    call()
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
  return undefined
}

/** Does a message show the secret, whole, percent-encoded, or its first 8 characters? */
const shows = (message: string, secret: string): boolean =>
  [secret, encodeURIComponent(secret), secret.slice(0, 8)].some(part => message.includes(part))

/** A secret with a recognizable start, of any printable ASCII: "/", "?", "#", "@" and ":" included. */
const secret = fc.stringMatching(/^[\x21-\x7e]{6,14}$/).map(rest => `Zq${rest}`)

/** Ways to write a URL with a secret in it, right and wrong. */
const shapes: ((secret: string) => string)[] = [
  s => `http://writer:${s}@127.0.0.1:8123/analytics`,
  s => `writer:${s}@127.0.0.1:8123`,
  s => `writer:${s}@127.0.0.1:8123/analytics`,
  s => `//writer:${s}@127.0.0.1:8123/analytics`,
  s => `http://writer:${s}@127.0.0.1:99999/analytics`,
  s => `https://${s}:@hosted.rudderlabs.com/v1/batch`,
  s => `${s}:@hosted.rudderlabs.com/v1/batch`,
  s => `http://127.0.0.1:99999/analytics?password=${s}`,
  s => `https://writer:${s}@eu.i.posthog.com`,
]
const written = fc.tuple(secret, fc.nat(shapes.length - 1)).map(([s, i]) => ({ secret: s, url: shapes[i](s) }))

describe('setup messages never show a password or key, however the URL is written', () => {
  it('the examples found: a ClickHouse URL without a scheme, a "/" in a password, a write key as a scheme-less user, a URL given without a key', async () => {
    const messages = [
      thrown(() => clickhouseStore({ url: 'writer:S3CRETPW@127.0.0.1:8123' })),
      thrown(() => clickhouseStore({ url: 'http://writer:S3CRET/PW@127.0.0.1:8123/analytics' })),
      thrown(() => clickhouseStore({ url: 'http://writer:12/S3CRETPW@127.0.0.1:8123/analytics' })),
      thrown(() => segmentStore({ writeKey: 'k', url: 'S3CRETPW:@hosted.rudderlabs.com/v1/batch' })),
      thrown(() => posthogStore({ apiKey: 'k', host: 'user:S3CRETPW@ph.example' })),
      thrown(() => forwardingStores({ 'segment-url': 'https://S3CRETPW:@hosted.rudderlabs.com/v1/batch' }, {})),
      await run(['--port', '0', '--clickhouse', 'writer:S3CRETPW@127.0.0.1:8123']).then(
        () => undefined,
        (error: Error) => error.message,
      ),
    ]
    for (const message of messages) {
      expect(message).toMatch(/^\[spa-telemetry\] /)
      expect(message).not.toContain('S3CRET')
    }
    // what is shown still says where: the host, after the "…@" that stands for the credentials
    expect(messages[0]).toContain('"…@127.0.0.1:8123"')
    expect(messages[1]).toContain('"http://…@127.0.0.1:8123/analytics"')
    // a URL the parser reads otherwise than meant is refused, saying how to write it
    expect(messages[2]).toMatch(/percent-encoded \(%2F, %3F, %23, %40\)$/)
    expect(messages[5]).toContain('--segment-url is "https://…@hosted.rudderlabs.com/v1/batch": expected a key too')
  })

  it('generated: ClickHouse, Segment, PostHog and the command without a key', () => {
    fc.assert(
      fc.property(written, ({ secret: s, url }) => {
        const messages = [
          thrown(() => clickhouseStore({ url })),
          thrown(() => segmentStore({ writeKey: 'a-write-key', url })),
          thrown(() => posthogStore({ apiKey: 'phc_key', host: url })),
          thrown(() => forwardingStores({ 'posthog-host': url }, {})),
        ]
        for (const message of messages)
          if (message !== undefined && shows(message, s)) throw new Error(`${url} → ${message}`)
      }),
      { numRuns: 500 },
    )
  })
})
