/**
 * The threshold as an attacker would try it (docs/privacy.md, "Dashboard"):
 * no id in any answer or export, a group of 4 installs nowhere, and the
 * differences an attacker can take (versions against all versions, days
 * against periods, hours against days, funnels against shorter funnels,
 * flows from a rare screen, totals against rows) made only of groups of at
 * least k installs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createDashboard, ndjsonEngine } from '../../dashboard/index.js'
import type { Dashboard, Engine } from '../../dashboard/index.js'
import { tempDir } from '../helpers/collector.js'
import { ask, questions } from './answers.js'
import { dataset, date, DAY, END, FIRST, FIVE, FOUR, writeStore } from './data.js'

const events = dataset()
let engine: Engine
let dashboard: Dashboard

type Row = { key: string[]; events: number; installs: number | null; trend: number[] }
type Ranked = { rows: Row[]; other: { events: number } | null; total: number; buckets: number[] }

beforeAll(async () => {
  const dir = tempDir()
  writeStore(dir, events)
  engine = ndjsonEngine({ dir, refreshMs: 0 })
  await engine.open()
  dashboard = createDashboard({ store: engine, threshold: 5, clientAddress: () => '127.0.0.1' })
})
afterAll(() => engine?.close())

/** Every answer and export of every question (but those that name `skip`: an answer repeats its question), and the page itself. */
const everything = async (target: Dashboard, skip: string[] = []): Promise<{ path: string; body: string }[]> => {
  const paths = questions()
    .map(q => q.path)
    .filter(path => !skip.some(name => decodeURIComponent(path).includes(name)))
  const all = [
    ...paths,
    ...paths.map(path => path.replace('?', '.csv?')),
    `scopes?from=${date(FIRST)}&to=${date(END)}`,
    'scopes',
  ]
  const out: { path: string; body: string }[] = []
  for (const path of all) out.push({ path, body: (await ask(target, path)).body })
  const page = await target(new Request('http://127.0.0.1/dashboard/'))
  out.push({ path: '(page)', body: await page.text() })
  return out
}

const get = async (path: string): Promise<Ranked> => (await ask(dashboard, path)).json as Ranked
const params = (from: number, to: number, version?: string): string =>
  `app=console&env=production&from=${date(from)}&to=${date(to - DAY)}${version ? `&version=${version}` : ''}`
const row = (answer: Ranked, key: string): Row | undefined => answer.rows.find(r => r.key.join(' ') === key)

describe('dashboard answers', () => {
  it(
    'never hold an install, session or event id, at any threshold (a canary scan of every answer and export)',
    { timeout: 120_000 },
    async () => {
      const ids = new Set(events.flatMap(e => [e.id, e.anonymousId, e.sessionId].filter((id): id is string => !!id)))
      expect(ids.size).toBeGreaterThan(10_000)
      for (const threshold of [5, 0]) {
        const target = createDashboard({ store: engine, threshold, clientAddress: () => '127.0.0.1' })
        for (const { path, body } of await everything(target)) {
          for (const match of body.match(/[A-Za-z0-9_-]{21}/g) ?? [])
            expect(ids.has(match), `${path} holds ${match}`).toBe(false)
        }
      }
    },
  )

  it('never show a group of 4 installs, in any view or export; a group of 5 shows', { timeout: 120_000 }, async () => {
    const bodies = await everything(dashboard, Object.values(FOUR))
    for (const { path, body } of bodies)
      for (const name of Object.values(FOUR)) expect(body.includes(name), `${path} shows ${name}`).toBe(false)
    expect(bodies.some(({ body }) => body.includes(FIVE.screen))).toBe(true)
    expect(bodies.some(({ body }) => body.includes(FIVE.action))).toBe(true)
    // with the threshold off (development), the 4 installs show
    const open = createDashboard({ store: engine, threshold: 0, clientAddress: () => '127.0.0.1' })
    expect((await ask(open, `screens?${params(FIRST, END + DAY)}`)).body).toContain(FOUR.screen)
  })

  it('all versions are the sum of the versions: subtracting versions from the whole leaves no lone install', async () => {
    const whole = await get(`screens?${params(FIRST, END + DAY)}`)
    const { versions } = (await ask(dashboard, `scopes?${params(FIRST, END + DAY)}`)).json as { versions: string[] }
    expect(versions).not.toContain(FOUR.version)
    const parts = await Promise.all(versions.map(v => get(`screens?${params(FIRST, END + DAY, v)}`)))
    for (const r of whole.rows)
      expect(
        parts.reduce((sum, part) => sum + (row(part, r.key[0])?.events ?? 0), 0),
        r.key[0],
      ).toBe(r.events)
    // the 4 installs of version 9.9.4-four viewed "/": none of it is in the all-versions figure
    expect(events.some(e => e.app.version === FOUR.version && e.path === '/')).toBe(true)
  })

  it('a period is the sum of its days: subtracting a day from a period leaves that day’s own (thresholded) answer', async () => {
    const whole = await get(`screens?${params(FIRST, END + DAY)}`)
    const days = await Promise.all(
      Array.from({ length: 10 }, (_, d) => get(`screens?${params(FIRST + d * DAY, FIRST + (d + 1) * DAY)}`)),
    )
    for (const r of whole.rows)
      expect(
        days.reduce((sum, day) => sum + (row(day, r.key[0])?.events ?? 0), 0),
        r.key[0],
      ).toBe(r.events)
    const total = await get(`actions?${params(FIRST, END + DAY)}`)
    const actionDays = await Promise.all(
      Array.from({ length: 10 }, (_, d) => get(`actions?${params(FIRST + d * DAY, FIRST + (d + 1) * DAY)}`)),
    )
    expect(actionDays.reduce((sum, day) => sum + day.total, 0)).toBe(total.total)
  })

  it('a day’s hours show only when the hours left out come from at least k installs: one install in an hour hides that day’s hours', async () => {
    const day = FIRST + 4 * DAY
    const answer = await get(`screens?${params(day, day + DAY)}`)
    const five = row(answer, FIVE.screen)!
    expect(five.events).toBe(6) // 6 installs that day: shown
    expect(five.trend.every(n => n === 0)).toBe(true) // 5 in one hour, 1 in another: no hours drawn
    const top = answer.rows[0]
    expect(top.trend.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
  })

  it('a funnel’s last step of 4 installs is folded, and a shorter funnel does not reveal it', async () => {
    const steps = (...list: string[]): string => list.map(s => `step=${encodeURIComponent(s)}`).join('&')
    type Funnel = { total: { sessions: number; installs: number | null }[] }
    const long = (
      await ask(
        dashboard,
        `funnel?${params(FIRST, END + DAY)}&${steps(`page:${FIVE.screen}`, `track:${FIVE.action}`, `page:${FOUR.screen}`)}`,
      )
    ).json as Funnel
    // 6 sessions saw the screen, 5 then the action (installs 0-4), 4 then the next screen (installs 0-3):
    // step 3 (4 installs) is folded; so is step 2, as step 1 minus step 2 would be the one install that stopped
    expect(long.total.map(s => s.sessions)).toEqual([6, 0, 0])
    const short = (
      await ask(dashboard, `funnel?${params(FIRST, END + DAY)}&${steps(`page:${FIVE.screen}`, `track:${FIVE.action}`)}`)
    ).json as Funnel
    expect(short.total.map(s => s.sessions)).toEqual([6, 0])
    // without the install that stopped at step 1 (a funnel that starts at the action), step 2 of 5 installs shows and step 3 of 4 does not
    const later = (
      await ask(dashboard, `funnel?${params(FIRST, END + DAY)}&${steps(`track:${FIVE.action}`, `page:${FOUR.screen}`)}`)
    ).json as Funnel
    expect(later.total.map(s => s.sessions)).toEqual([5, 0])
  })

  it('flows from a rare screen show nothing; flows from a screen of 5 installs hide the next screen of 4', async () => {
    const rare = await get(`flows?${params(FIRST, END + DAY)}&screen=${encodeURIComponent(FOUR.screen)}`)
    expect(rare.rows).toEqual([])
    expect(rare.total).toBe(0)
    const five = await get(`flows?${params(FIRST, END + DAY)}&screen=${encodeURIComponent(FIVE.screen)}`)
    expect(five.rows.map(r => r.key[0])).not.toContain(FOUR.screen)
  })

  it('totals are rows plus "other": the total never holds a folded group', async () => {
    for (const view of ['screens', 'actions', 'errors']) {
      for (const [from, to] of [
        [FIRST, END + DAY],
        [FIRST + 4 * DAY, FIRST + 5 * DAY],
      ]) {
        const answer = await get(`${view}?${params(from, to)}`)
        expect(answer.rows.reduce((sum, r) => sum + r.events, 0) + (answer.other?.events ?? 0)).toBe(answer.total)
      }
    }
    const errors = await get(`errors?${params(FIRST, END + DAY)}`)
    expect(errors.rows.map(r => r.key[0])).not.toContain(FOUR.error)
  })
})
