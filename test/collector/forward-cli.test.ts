/**
 * The command forwarding (collector/cli.ts `run`, in this process, on a real
 * port) to local servers that implement Segment's and PostHog's contracts:
 * keys from the environment or flags, never printed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'

import { run, usage } from '../../collector/cli.js'
import { fakePostHog, fakeSegment } from '../helpers/destinations.js'
import type { Fake } from '../helpers/destinations.js'
import { payload, stored, tempDir } from '../helpers/collector.js'

const SEGMENT_KEY = 'cliSegmentKey_ABCDEFGHIJ'
const POSTHOG_KEY = 'phc_cliPostHogKey_KLMNOPQRST'

const fakes: Fake[] = []
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
  for (const fake of fakes.splice(0)) await fake.close()
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})

/** Runs the command; what it printed, on its own printer and on the console. */
const start = async (args: string[]) => {
  const lines: string[] = []
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')))
  const stop = (await run(['--port', '0', ...args], line => lines.push(line)))!
  stops.push(stop)
  return { lines, endpoint: lines[0].split(' ')[3] }
}
const send = (endpoint: string, body: unknown) =>
  fetch(endpoint, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'text/plain', cookie: 'a=COOKIE' },
  })

describe('spa-telemetry-collector, forwarding', () => {
  it('forwards to Segment (the key from the environment) beside the ndjson store, and never prints the key', async () => {
    const fake = await fakeSegment(SEGMENT_KEY)
    fakes.push(fake)
    vi.stubEnv('SPA_TELEMETRY_SEGMENT_WRITE_KEY', SEGMENT_KEY)
    vi.stubEnv('SPA_TELEMETRY_SEGMENT_URL', 'http://127.0.0.1:9/v1/batch') // the flag wins
    const dir = tempDir()
    const { lines, endpoint } = await start(['--dir', dir, '--segment-url', `${fake.url}/v1/batch`])
    expect(lines).toEqual([
      `spa-telemetry collector on ${endpoint} storing in ${dir}/events-YYYY-MM-DD.ndjson, for pages on the same origin only (--origin allows others); dashboard on ${new URL(endpoint).origin}/dashboard/ (this machine only)`,
      `forwarding to Segment at ${fake.url}/v1/batch (key from SPA_TELEMETRY_SEGMENT_WRITE_KEY)`,
    ])
    const body = payload(3)
    expect((await send(endpoint, body)).status).toBe(204)
    expect(stored(dir).map(e => e.id)).toEqual(body.events.map(e => e.id))
    expect(fake.taken.map(item => item.messageId)).toEqual(body.events.map(e => e.id))
    expect(fake.requests[0].body).not.toContain('COOKIE')
    // the destination fails: 503, and the key in no line
    fake.script.push(
      ...Array.from({ length: 50 }, () => ({ status: 401, body: `{"msg":"Invalid Write Key ${SEGMENT_KEY}"}` })),
    )
    expect((await send(endpoint, payload(1))).status).toBe(503)
    expect(lines.join('\n')).toMatch(
      /segment: .* answered 401 \(\{"msg":"Invalid Write Key \[key\]"\}\): check the key/,
    )
    expect(lines.join('\n')).not.toContain(SEGMENT_KEY)
  })

  it('forwards to PostHog with keys given as flags, printing a note that flags show in ps, and the key nowhere', async () => {
    const fake = await fakePostHog(POSTHOG_KEY)
    fakes.push(fake)
    const { lines, endpoint } = await start([
      '--dir',
      tempDir(),
      '--no-fsync',
      '--posthog-key',
      POSTHOG_KEY,
      '--posthog-host',
      fake.url,
    ])
    expect(lines.slice(1)).toEqual([
      `forwarding to PostHog at ${fake.url}/ (key from --posthog-key)`,
      'note: --posthog-key shows in ps to every user of this machine; prefer SPA_TELEMETRY_POSTHOG_KEY',
    ])
    const body = payload(2)
    expect((await send(endpoint, body)).status).toBe(204)
    expect(fake.taken).toHaveLength(2)
    expect(lines.join('\n')).not.toContain(POSTHOG_KEY)
  })

  it('a URL without a key, or with credentials, is refused without showing the key; --help recommends the environment', async () => {
    vi.stubEnv('SPA_TELEMETRY_POSTHOG_HOST', 'https://eu.i.posthog.com')
    await expect(run(['--dir', tempDir()])).rejects.toThrow(
      /^\[spa-telemetry\] --posthog-host is "https:\/\/eu.i.posthog.com": expected a key too \(SPA_TELEMETRY_POSTHOG_KEY or --posthog-key\)$/,
    )
    vi.stubEnv('SPA_TELEMETRY_SEGMENT_WRITE_KEY', SEGMENT_KEY)
    vi.stubEnv('SPA_TELEMETRY_POSTHOG_HOST', '')
    const error = await run([
      '--dir',
      tempDir(),
      '--segment-url',
      `https://${SEGMENT_KEY}:@hosted.rudderlabs.com`,
    ]).catch((e: Error) => e)
    expect(String(error)).toMatch(/url is "https:\/\/…@hosted.rudderlabs.com\/": expected a URL without credentials/)
    expect(String(error)).not.toContain(SEGMENT_KEY)
    expect(usage('collect')).toMatch(/--segment-write-key .*SPA_TELEMETRY_SEGMENT_WRITE_KEY; flags show in ps/)
    expect(usage('collect')).toMatch(/--posthog-key .*SPA_TELEMETRY_POSTHOG_KEY; flags show in ps/)
  })
})
