/**
 * The folded band of a narrow question (docs/privacy.md, "Dashboard"): one
 * install alone opening a screen on one day, against nobody opening it, must
 * read alike in every view's `folded` (and the narrow question's whole answer
 * and export); five installs, each alone on a version of its own, fold
 * enough to show a band. Shared by the ndjson and ClickHouse tests.
 */
import { expect } from 'vitest'

import type { StoredEvent } from '../../collector/index.js'
import type { Dashboard } from '../../dashboard/index.js'
import { ask } from './answers.js'
import { date, event as stored } from './data.js'

/** The day of the scenarios. */
export const DAY_OF = Date.UTC(2026, 0, 10)
const SCREEN = '/admin/export'

/** One install's event on the day of the scenarios, `at` ms after its midnight. */
const event = (
  install: string,
  version: string,
  at: number,
  fields: Pick<StoredEvent, 'type'> & Partial<StoredEvent>,
): StoredEvent =>
  stored({ ts: DAY_OF + at, ...fields }, install.padEnd(21, '_'), `S${install}`.padEnd(21, '_'), version)

/** A visit: `/`, then (when `screen`) the screen, from `/`, in the same session. */
const visit = (install: string, version: string, hour: number, screen: boolean): StoredEvent[] => [
  event(install, version, hour * 3_600_000, { type: 'page', path: '/' }),
  ...(screen ? [event(install, version, hour * 3_600_000 + 60_000, { type: 'page', path: SCREEN, from: '/' })] : []),
]

/** Six installs on version 1.0.0 view `/` (so the scope and `/` are released); nobody opens the screen. */
const base = (): StoredEvent[] => Array.from({ length: 6 }, (_, i) => visit(`base${i}`, '1.0.0', 8 + i, false)).flat()

/** The scenarios: nobody opens the screen; one install (of the six) does; five installs, each alone on its own version, do. */
export const scenarios = (): Record<'nobody' | 'one' | 'five', StoredEvent[]> => ({
  nobody: base(),
  one: [...base(), ...visit('base0', '1.0.0', 16, true).slice(1)],
  five: [...base(), ...Array.from({ length: 5 }, (_, i) => visit(`alone${i}`, `3.0.${i}`, 9 + i, true)).flat()],
})

const day = date(DAY_OF)
const params = `app=console&env=production&from=${day}&to=${day}`
const funnelSteps = `step=${encodeURIComponent('page:/')}&step=${encodeURIComponent(`page:${SCREEN}`)}`
const narrow = `versions?${params}&of=${encodeURIComponent(`page:${SCREEN}`)}`
/** Every view over that day, for all versions and for version 1.0.0. */
const paths = (): string[] =>
  ['', '&version=1.0.0'].flatMap(version =>
    [
      'screens',
      'actions',
      'errors',
      'installs',
      'versions',
      narrow.slice(0, narrow.indexOf('?')) + `?of=${encodeURIComponent(`page:${SCREEN}`)}`,
      `flows?screen=${encodeURIComponent('/')}`,
      `funnel?${funnelSteps}`,
    ].map(path => `${path}${path.includes('?') ? '&' : '?'}${params}${version}`),
  )

const folded = async (dashboard: Dashboard): Promise<Record<string, string>> => {
  const out: Record<string, string> = {}
  for (const path of paths()) {
    const { status, json } = await ask(dashboard, path)
    expect(status, path).toBe(200)
    out[path] = (json as { folded: string }).folded
  }
  return out
}

/** One install alone against nobody: the same `folded` everywhere, and the same narrow answer and export. */
export const expectOneReadsAsNobody = async (nobody: Dashboard, one: Dashboard): Promise<void> => {
  const [a, b] = [await folded(nobody), await folded(one)]
  expect(b).toEqual(a)
  expect(Object.values(a).every(value => value === 'under threshold')).toBe(true)
  for (const path of [narrow, `${narrow}&version=1.0.0`]) {
    expect((await ask(one, path)).body, path).toBe((await ask(nobody, path)).body)
    const csv = path.replace('?', '.csv?')
    expect((await ask(one, csv)).body, csv).toBe((await ask(nobody, csv)).body)
  }
}

/** Five installs in folded atoms (one each, on five versions): the band shows, in the narrow question, Screens, Flows and the funnel. */
export const expectFiveShowBand = async (five: Dashboard): Promise<void> => {
  const answers = await folded(five)
  const of = (view: string): string => answers[paths().find(path => path.startsWith(view))!]
  expect(of('versions?of=')).toBe('over 50%')
  expect(of('screens')).toBe('over 50%') // 10 page views of 16 (the five's `/` and screen)
  expect(of('flows')).toBe('over 50%')
  expect(of('funnel')).toBe('over 50%') // 10 steps reached of 16
  // version 1.0.0 alone holds none of them: nothing to tell
  for (const path of paths().filter(p => p.endsWith('version=1.0.0')))
    expect(answers[path], path).toBe('under threshold')
}
