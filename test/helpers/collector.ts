/** Shared helpers of the collector tests: payloads, ids, temporary directories, what is on disk. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

import type { Payload, PayloadEvent, StoredEvent } from '../../collector/index.js'

let counter = 0
const run = Math.random().toString(36).slice(2, 8)
/** A fresh, valid event id (21 characters of the id alphabet). */
export const newId = (): string => `t${run}_${(counter++).toString(36)}`.padEnd(21, '-')

/** A schema 1 payload with `count` page events (or the given events). */
export const payload = (
  events: number | Partial<PayloadEvent>[] = 1,
  extra: Partial<Payload> & Record<string, unknown> = {},
): Payload =>
  ({
    schema: 1,
    sentAt: new Date().toISOString(),
    library: { name: 'spa-telemetry', version: '0.1.0' },
    app: { name: 'acme-console', version: '1.0.0' },
    anonymousId: 'anon_' + 'A'.repeat(16),
    sessionId: 'sess_' + 'A'.repeat(16),
    events: (typeof events === 'number' ? Array.from({ length: events }, () => ({})) : events).map(event => ({
      type: 'page',
      id: newId(),
      ts: Date.now() - 1000,
      path: '/nc/:project_id',
      ...event,
    })),
    dropped: 0,
    ...extra,
  }) as Payload

const dirs: string[] = []
/** A temporary directory, removed after the file's tests. */
export const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'spa-telemetry-collector-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Every line of the store's files, as text. */
export const storedText = (dir: string): string =>
  readdirSync(dir)
    .filter(name => name.endsWith('.ndjson'))
    .sort()
    .map(name => readFileSync(join(dir, name), 'utf8'))
    .join('')

/** Every event in the store's files, in order. */
export const stored = (dir: string): StoredEvent[] =>
  storedText(dir)
    .split('\n')
    .filter(Boolean)
    .map(line => JSON.parse(line) as StoredEvent)

/** A POST of a body to the handler's URL. */
export const post = (url: string, body: unknown, headers: Record<string, string> = {}): Request =>
  new Request(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers },
  })
