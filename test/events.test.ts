/**
 * The event front alone (src/events.ts): a real anonymizer, a recorder
 * and a drop counter of the test's own. Through createTracker, with
 * consent and delivery: test/tracker.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest'

import { createAnonymizer } from '../src/anonymize.js'
import { createEvents } from '../src/events.js'
import type { TelemetryEvent } from '../src/types.js'

const routes = ['/nc/:project_id', '/nc/:project_id/table/:table_id']

const front = (accept = () => true) => {
  const recorded: TelemetryEvent[] = []
  const dropped: (string | false)[] = []
  const verbatim = new Set<string>()
  let active = true
  const events = createEvents({
    anonymizer: createAnonymizer({ routes }),
    active: () => active,
    record: event => (accept() ? (recorded.push(event), true) : false),
    drop: why => void dropped.push(why),
    verbatim,
  })
  return { events, recorded, dropped, verbatim, stop: () => void (active = false) }
}

beforeEach(() => {
  history.replaceState(null, '', '/nc/p_8f2k/table/t_1?email=alice%40corp.example')
  Object.defineProperty(document, 'referrer', { value: 'https://search.example/?q=alice', configurable: true })
})

describe('createEvents', () => {
  it('page views: anonymized paths, the previous one as from, the referrer on the first only', () => {
    const { events, recorded } = front()
    events.page()
    events.page('/nc/p_9/table/t_2?x=1')
    expect(recorded).toEqual([
      { type: 'page', id: '', ts: 0, path: '/nc/:project_id/table/:table_id', referrer: 'external' },
      { type: 'page', id: '', ts: 0, path: '/nc/:project_id/table/:table_id', from: '/nc/:project_id/table/:table_id' },
    ])
    expect(JSON.stringify(recorded)).not.toMatch(/alice|p_8f2k|t_1|p_9/)
  })

  it('a page view consent refused is not the next one’s from; forget() clears from', () => {
    let allowed = false
    const { events, recorded } = front(() => allowed)
    events.page('/nc/p_1')
    allowed = true
    events.page('/nc/p_2/table/t_2')
    expect(recorded[0]).not.toHaveProperty('from')
    events.forget()
    events.page('/nc/p_3')
    expect(recorded[1]).not.toHaveProperty('from')
  })

  it('track: names of the grammar and clean props, in one object per event; the rest dropped with a reason', () => {
    const { events, recorded, dropped } = front()
    events.track('table_created', { kind: 'grid', rows: 3 })
    events.track('opened')
    events.track('alice@corp.example')
    events.track('ok', { user: {} as never })
    expect(recorded).toEqual([
      { type: 'track', id: '', ts: 0, name: 'table_created', props: { kind: 'grid', rows: 3 } },
      { type: 'track', id: '', ts: 0, name: 'opened' },
    ])
    expect(dropped).toEqual([
      'a track event: its name does not follow the name grammar',
      'track "ok": prop "user" is not a string, a finite number or a boolean',
    ])
  })

  it('actions carry the current template; a vouched type is remembered; errors carry the class name only', () => {
    const { events, recorded, verbatim } = front()
    events.action('tables/create/fulfilled')
    events.action('users.list/loaded', { verbatim: true })
    events.error(new TypeError('alice@corp.example'))
    expect(recorded.map(({ type, name, path }) => [type, name, path])).toEqual([
      ['action', 'tables/create/fulfilled', '/nc/:project_id/table/:table_id'],
      ['action', 'users.list/loaded', '/nc/:project_id/table/:table_id'],
      ['error', 'TypeError', '/nc/:project_id/table/:table_id'],
    ])
    expect([...verbatim]).toEqual(['users.list/loaded'])
  })

  it('an inactive front makes nothing and reads no location', () => {
    const { events, recorded, stop } = front()
    stop()
    events.page()
    events.action('opened')
    events.error(new Error())
    expect(recorded).toEqual([])
  })
})
