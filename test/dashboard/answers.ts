/**
 * The questions every engine test asks, and a way to ask them of a dashboard
 * handler and of the naive reference alike.
 */
import type { StoredEvent } from '../../collector/index.js'
import type { Dashboard } from '../../dashboard/index.js'
import { date, DAY, END, FIRST, FIVE, FOUR } from './data.js'
import { naive } from './naive.js'

/** A GET of the dashboard's API, as from this machine. */
export const ask = async (
  dashboard: Dashboard,
  path: string,
): Promise<{ status: number; body: string; json: unknown }> => {
  const response = await dashboard(new Request(`http://127.0.0.1/dashboard/api/${path}`))
  const body = await response.text()
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    json = undefined
  }
  return { status: response.status, body, json }
}

type Step = { type: 'page' | 'track' | 'action'; value: string }
const step = (text: string): Step => ({
  type: text.slice(0, text.indexOf(':')) as Step['type'],
  value: text.slice(text.indexOf(':') + 1),
})

/** A question: its API path, and the reference answer. */
export interface Question {
  path: string
  expected: (reference: ReturnType<typeof naive>) => unknown
}

/** Every view over several periods, versions, screens and funnels (`short`: two periods and two versions). */
export const questions = (short = false): Question[] => {
  const periods = [
    { from: FIRST, to: END + DAY }, // the whole set
    { from: FIRST + 4 * DAY, to: FIRST + 5 * DAY }, // one day: by the hour
    { from: FIRST + 3 * DAY, to: FIRST + 5 * DAY }, // two days: by the hour
    { from: FIRST + 2 * DAY, to: FIRST + 8 * DAY },
  ].slice(0, short ? 2 : 4)
  const out: Question[] = []
  for (const period of periods) {
    for (const version of [undefined, '2.1.0', '2.0.0'].slice(0, short ? 2 : 3)) {
      const q = { ...period, app: 'console', env: 'production', ...(version ? { version } : {}) }
      const params = `app=console&env=production&from=${date(period.from)}&to=${date(period.to - DAY)}${version ? `&version=${version}` : ''}`
      out.push({ path: `screens?${params}`, expected: r => r.screens(q) })
      out.push({ path: `actions?${params}`, expected: r => r.actions(q) })
      out.push({ path: `errors?${params}`, expected: r => r.errors(q) })
      out.push({ path: `installs?${params}`, expected: r => r.installs(q) })
      out.push({ path: `versions?${params}`, expected: r => r.versions(q) })
      for (const of of ['page:/', `track:${FIVE.action}`, 'action:feature0/run/fulfilled']) {
        out.push({ path: `versions?${params}&of=${encodeURIComponent(of)}`, expected: r => r.versions(q, step(of)) })
      }
      for (const screen of ['/', '/section-1', FIVE.screen, FOUR.screen]) {
        out.push({ path: `flows?${params}&screen=${encodeURIComponent(screen)}`, expected: r => r.flows(q, screen) })
      }
      const funnels = [
        ['page:/', 'page:/section-1'],
        ['page:/', 'page:/section-1', 'page:/section-2/:item_id/edit', 'action:feature0/run/fulfilled', 'page:/'],
        [`page:${FIVE.screen}`, `track:${FIVE.action}`, `page:${FOUR.screen}`],
        ['page:/', 'track:feature7_used', 'page:/'],
      ]
      for (const steps of funnels)
        out.push({
          path: `funnel?${params}&${steps.map(s => `step=${encodeURIComponent(s)}`).join('&')}`,
          expected: r => r.funnel(q, steps.map(step)),
        })
    }
  }
  // the staging environment and the other app
  for (const [app, env] of [
    ['console', 'staging'],
    ['admin', 'production'],
  ]) {
    const q = { from: FIRST, to: END + DAY, app, env }
    out.push({ path: `screens?app=${app}&env=${env}&from=${date(FIRST)}&to=${date(END)}`, expected: r => r.screens(q) })
  }
  return out
}

/** The reference answers of a data set. */
export const reference = (
  events: readonly StoredEvent[],
  k: number,
  identity?: 'persistent' | 'session' | 'none',
): ReturnType<typeof naive> => naive(events, k, identity)
