/**
 * The dashboard tests' data: a small generated set (bench/dashboard-data.mjs,
 * the bench's generator at a smaller size) plus events made to try the edges:
 * a group of exactly 4 installs and one of exactly 5, copies of one event,
 * events without an install or a session, a lone install on a version of its
 * own, and strings that need escaping in SQL.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import type { StoredEvent } from '../../collector/index.js'
import { generate } from '../../bench/dashboard-data.mjs'

export const DAY = 86_400_000
/** The last day of the set (UTC midnight). */
export const END = Date.UTC(2026, 0, 20)
export const DAYS = 10
export const FIRST = END - (DAYS - 1) * DAY
export const date = (at: number): string => new Date(at).toISOString().slice(0, 10)

let counter = 0
const id = (prefix: string): string => `${prefix}${(counter++).toString(36)}`.padEnd(21, 'x').slice(0, 21)

/** A stored event of the app "console" at `fields.ts`, with the install and session given (none when undefined). */
export const event = (
  fields: Partial<StoredEvent> & Pick<StoredEvent, 'type' | 'ts'>,
  install: string | undefined,
  session: string | undefined,
  version = '2.1.0',
  env = 'production',
): StoredEvent => ({
  id: id('Q'),
  clientTs: fields.ts,
  receivedAt: new Date(fields.ts + 50).toISOString(),
  sentAt: new Date(fields.ts + 50).toISOString(),
  app: { name: 'console', version, env },
  library: { name: 'spa-telemetry', version: '0.1.0' },
  ...(install ? { anonymousId: install } : {}),
  ...(session ? { sessionId: session } : {}),
  ...fields,
})

/** Installs whose ids the canary scan looks for (besides every generated id). */
export const CANARY_INSTALLS = Array.from({ length: 9 }, (_, i) => `CANARY${i}`.padEnd(21, '_'))

/** Names used by exactly 4 installs (must never appear) and exactly 5 (must appear, with k = 5). */
export const FOUR = {
  screen: '/four-installs/:id',
  action: 'four_installs_clicked',
  error: 'FourInstallsError',
  version: '9.9.4-four',
}
export const FIVE = { screen: '/five-installs/:id', action: 'five_installs_clicked' }

/** The edge events, on day 5 of the set. */
const edges = (): StoredEvent[] => {
  const at = FIRST + 4 * DAY + 15 * 3_600_000
  const out: StoredEvent[] = []
  CANARY_INSTALLS.forEach((install, i) => {
    const session = `CANARYSESSION${i}`.padEnd(21, '_')
    const many = i < 5 // installs 0..4 → the FIVE group; 0..3 → the FOUR group
    if (many)
      out.push(
        event({ type: 'page', ts: at + i * 1000, path: FIVE.screen, from: '/' }, install, session),
        event({ type: 'track', ts: at + i * 1000 + 10, name: FIVE.action }, install, session),
      )
    if (i < 4) {
      out.push(event({ type: 'page', ts: at + i * 1000 + 20, path: FOUR.screen, from: FIVE.screen }, install, session))
      out.push(
        event({ type: 'action', ts: at + i * 1000 + 30, name: FOUR.action, path: FOUR.screen }, install, session),
      )
      out.push(event({ type: 'error', ts: at + i * 1000 + 40, name: FOUR.error, path: FOUR.screen }, install, session))
      out.push(
        event({ type: 'page', ts: at + i * 1000 + 50, path: '/', from: FOUR.screen }, install, session, FOUR.version),
      )
    }
  })
  // a sixth install on the FIVE screen in another hour: the day has 6 installs, that hour 1 (its hours are then not drawn)
  out.push(
    event(
      { type: 'page', ts: at - 5 * 3_600_000, path: FIVE.screen, from: '/' },
      CANARY_INSTALLS[5],
      'CANARYSESSION5'.padEnd(21, '_'),
    ),
  )
  // one event twice (a retry that got past the collector's window); the store keeps both lines
  const twice = event(
    { type: 'page', ts: at + 99_000, path: '/' },
    CANARY_INSTALLS[8],
    'CANARYSESSION8'.padEnd(21, '_'),
  )
  out.push(twice, { ...twice })
  // no install, no session (identity 'none'); a session without an install
  out.push(event({ type: 'page', ts: at + 100_000, path: '/' }, undefined, undefined))
  out.push(event({ type: 'page', ts: at + 101_000, path: '/' }, undefined, 'CANARYSESSIONX'.padEnd(21, '_')))
  // strings that SQL must escape
  out.push(event({ type: 'track', ts: at + 102_000, name: "quote'and\\back" }, CANARY_INSTALLS[7], undefined))
  return out
}

/** The whole set, in the order a store received it. */
export const dataset = (): StoredEvent[] => {
  const events: StoredEvent[] = []
  for (const { events: day } of generate({
    events: 12_000,
    days: DAYS,
    installs: 160,
    screens: 14,
    actions: 30,
    versions: 3,
    seed: 7,
    end: END + 12 * 3_600_000,
  }))
    events.push(...day)
  events.push(...edges())
  return events.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0))
}

/** Writes events as an ndjson store's day files (by the UTC day of `receivedAt`). */
export const writeStore = (dir: string, events: readonly StoredEvent[]): void => {
  mkdirSync(dir, { recursive: true })
  const days = new Map<string, string[]>()
  for (const e of events) {
    const day = e.receivedAt.slice(0, 10)
    if (!days.has(day)) days.set(day, [])
    days.get(day)!.push(JSON.stringify(e) + '\n')
  }
  for (const [day, lines] of days) writeFileSync(join(dir, `events-${day}.ndjson`), lines.join(''))
}
