/**
 * Views inside views (docs/privacy.md, "Dashboard"): answers whose atoms hold
 * one another's must not differ by a folded group. The Installs view's events
 * against the Screens, Actions and Errors totals, when one install alone fires
 * an action on a day; and a screen's row against its flows from every screen,
 * when one install alone reaches it from a rare screen. Shared by the ndjson
 * and ClickHouse tests.
 */
import { expect } from 'vitest'

import type { StoredEvent } from '../../collector/index.js'
import type { Dashboard } from '../../dashboard/index.js'
import { ask } from './answers.js'
import { date, event as stored } from './data.js'

/** The day of the scenarios. */
export const DAY_OF = Date.UTC(2026, 0, 12)
const TARGET = '/reports/:id'

/** One install's event on the day of the scenarios, `at` ms after its midnight. */
const event = (
  install: string,
  at: number,
  fields: Pick<StoredEvent, 'type'> & Partial<StoredEvent>,
  version = '1.0.0',
): StoredEvent =>
  stored({ ts: DAY_OF + at, ...fields }, install.padEnd(21, '_'), `S${install}`.padEnd(21, '_'), version)

const HOUR = 3_600_000

/** Six installs view `/` and click `save`; one of them alone fires `export`, and sends heartbeats. */
export const loneAction = (): StoredEvent[] => [
  ...Array.from({ length: 6 }, (_, i) => [
    event(`a${i}`, (8 + i) * HOUR, { type: 'page', path: '/' }),
    event(`a${i}`, (8 + i) * HOUR + 1000, { type: 'track', name: 'save' }),
  ]).flat(),
  event('a0', 15 * HOUR, { type: 'action', name: 'reports/export/fulfilled' }),
  event('a0', 15 * HOUR + 1000, { type: 'action', name: 'reports/export/fulfilled' }),
  event('a0', 15 * HOUR + 2000, { type: 'heartbeat' }),
]

/**
 * The screen TARGET, reached by six installs from `/` (once each), by five from
 * `/search` (twice each: more events), and by one install alone from `/rare`
 * (three times): that flow atom is folded, so the smallest released flow into
 * TARGET that day (from `/`) is folded with it. `/` and `/search` are viewed
 * by the same installs, so those screens are released.
 */
export const loneFlow = (): StoredEvent[] => [
  ...Array.from({ length: 6 }, (_, i) => [
    event(`f${i}`, (8 + i) * HOUR, { type: 'page', path: '/' }),
    event(`f${i}`, (8 + i) * HOUR + 1000, { type: 'page', path: TARGET, from: '/' }),
  ]).flat(),
  ...Array.from({ length: 5 }, (_, i) => [
    event(`g${i}`, (8 + i) * HOUR, { type: 'page', path: '/search' }),
    event(`g${i}`, (8 + i) * HOUR + 1000, { type: 'page', path: TARGET, from: '/search' }),
    event(`g${i}`, (8 + i) * HOUR + 2000, { type: 'page', path: TARGET, from: '/search' }),
  ]).flat(),
  event('r0', 16 * HOUR, { type: 'page', path: '/rare' }),
  ...[1, 2, 3].map(n => event('r0', 16 * HOUR + n * 1000, { type: 'page', path: TARGET, from: '/rare' })),
]

/** The same without the lone install: nothing is folded into TARGET, every flow shows. */
export const noLoneFlow = (): StoredEvent[] => loneFlow().filter(e => !e.anonymousId?.startsWith('r0'))

/** One day (by the hour) and three days around it (by the day). */
const periods = [
  `app=console&env=production&from=${date(DAY_OF)}&to=${date(DAY_OF)}`,
  `app=console&env=production&from=${date(DAY_OF - 86_400_000)}&to=${date(DAY_OF + 86_400_000)}`,
]
const versionParams = ['', '&version=1.0.0']

interface RankedJson {
  rows: { key: string[]; events: number; trend: number[] }[]
  other: { events: number } | null
  total: number
}
interface InstallsJson {
  events: number[]
  totals: { events: number }
}
interface VersionsJson {
  rows: { version: string; events: number; trend: number[] }[]
}

const json = async <T>(dashboard: Dashboard, path: string): Promise<T> => {
  const { status, json: body } = await ask(dashboard, path)
  expect(status, path).toBe(200)
  return body as T
}

/** The Installs (and Versions) view's events minus the Screens, Actions and Errors totals: 0, per bucket and in all. */
export const expectInstallsAreRankedSums = async (dashboard: Dashboard): Promise<void> => {
  for (const params of periods.flatMap(p => versionParams.map(v => p + v))) {
    const ranked = await Promise.all(
      ['screens', 'actions', 'errors'].map(view => json<RankedJson>(dashboard, `${view}?${params}`)),
    )
    const installs = await json<InstallsJson>(dashboard, `installs?${params}`)
    const total = ranked.reduce((sum, answer) => sum + answer.total, 0)
    expect(installs.totals.events, params).toBe(total)
    const trend = installs.events.map((_, i) =>
      ranked.reduce((sum, answer) => sum + answer.rows.reduce((s, row) => s + row.trend[i], 0), 0),
    )
    expect(installs.events, params).toEqual(trend)
    const versions = await json<VersionsJson>(dashboard, `versions?${params}`)
    expect(
      versions.rows.reduce((sum, row) => sum + row.events, 0),
      params,
    ).toBe(total)
  }
  // and the action the lone install fired shows nowhere
  const actions = await json<RankedJson>(dashboard, `actions?${periods[0]}`)
  expect(actions.rows.map(row => row.key[1])).toEqual(['save'])
}

/** TARGET's events in the Screens view and in flows from each screen (of one period and version). */
const targetFigures = async (dashboard: Dashboard, params: string) => {
  const screens = await json<RankedJson>(dashboard, `screens?${params}`)
  const row = screens.rows.find(r => r.key[0] === TARGET)
  const flows: Record<string, number> = {}
  for (const from of ['/', '/search', '/rare', TARGET]) {
    const answer = await json<RankedJson>(dashboard, `flows?${params}&screen=${encodeURIComponent(from)}`)
    flows[from] = answer.rows.find(r => r.key[0] === TARGET)?.events ?? 0
  }
  return { row: row?.events ?? 0, flows }
}

/**
 * The screen's row minus its flows from every screen never leaves the lone
 * install's page views alone: the smallest released flow into it (from `/`,
 * six installs) is folded too, so the difference is 9 page views of seven installs.
 * Without the lone install, nothing is folded and every flow shows.
 */
export const expectFlowsLeaveNoLoneInstall = async (lone: Dashboard, none: Dashboard): Promise<void> => {
  for (const params of periods.flatMap(p => versionParams.map(v => p + v))) {
    const figures = await targetFigures(lone, params)
    expect(figures, params).toEqual({ row: 19, flows: { '/': 0, '/search': 10, '/rare': 0, [TARGET]: 0 } })
    const flowsOf = await json<RankedJson>(lone, `flows?${params}&screen=${encodeURIComponent('/')}`)
    expect(flowsOf.rows, params).toEqual([])
    expect(await targetFigures(none, params), params).toEqual({
      row: 16,
      flows: { '/': 6, '/search': 10, '/rare': 0, [TARGET]: 0 },
    })
  }
}

/**
 * By the hour: six installs reach TARGET from `/` at 9:00, and one alone from
 * `/rare` in the same hour; five more, each alone from a screen of its own,
 * later that day (so the day's residual has k installs and no day atom is
 * folded with it). The hour's residual is the lone install: the flow from `/`
 * is not drawn in that hour.
 */
export const loneFlowInHour = (): StoredEvent[] => [
  ...Array.from({ length: 6 }, (_, i) => [
    event(`h${i}`, 9 * HOUR + i * 60_000, { type: 'page', path: '/' }),
    event(`h${i}`, 9 * HOUR + i * 60_000 + 1000, { type: 'page', path: TARGET, from: '/' }),
  ]).flat(),
  event('r0', 9 * HOUR + 30 * 60_000, { type: 'page', path: '/rare' }),
  event('r0', 9 * HOUR + 30 * 60_000 + 1000, { type: 'page', path: TARGET, from: '/rare' }),
  ...Array.from({ length: 5 }, (_, i) => [
    event(`q${i}`, (14 + i) * HOUR, { type: 'page', path: `/rare-${i}` }),
    event(`q${i}`, (14 + i) * HOUR + 1000, { type: 'page', path: TARGET, from: `/rare-${i}` }),
  ]).flat(),
]

/** TARGET's hour 9 in the Screens view (7 page views) minus the flows from `/` in that hour: all 7, not the lone install's 1. */
export const expectHourFlowsLeaveNoLoneInstall = async (dashboard: Dashboard): Promise<void> => {
  for (const params of versionParams.map(v => periods[0] + v)) {
    const screens = await json<RankedJson>(dashboard, `screens?${params}`)
    const row = screens.rows.find(r => r.key[0] === TARGET)!
    expect([row.events, row.trend[9]], params).toEqual([12, 7])
    const flows = await json<RankedJson>(dashboard, `flows?${params}&screen=${encodeURIComponent('/')}`)
    const flow = flows.rows.find(r => r.key[0] === TARGET)!
    expect([flow.events, flow.trend[9]], params).toEqual([6, 0])
  }
}
