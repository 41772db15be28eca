// A generated data set for the dashboard's tests and bench: stored events as
// the collector writes them, day by day, from a seeded random source (the
// same options give the same events). Realistic skew: heavy and light
// installs (Pareto), screens and actions by Zipf's law, flows that mostly
// follow a few neighbours, versions released over the period and adopted with
// a delay, most activity in the afternoon (UTC), a small staging environment
// and a second small app.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const DAY = 86_400_000

/** A seeded random source (mulberry32): numbers in [0, 1). */
export const random = seed => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Cumulative Zipf weights for n items with exponent s. */
const zipf = (n, s) => {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s)
  let sum = 0
  return weights.map(w => (sum += w)).map(c => c / sum)
}

/** Index of the first cumulative weight above r. */
const pickFrom = (cumulative, r) => {
  let lo = 0
  let hi = cumulative.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cumulative[mid] < r) lo = mid + 1
    else hi = mid
  }
  return lo
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'
/** A 21-character id with a recognisable prefix (the canary tests look for every id in every answer). */
const idOf = (prefix, n) => {
  let text = ''
  for (let i = 0; i < 21 - prefix.length; i++) {
    text = ALPHABET[n % 64] + text
    n = Math.floor(n / 64)
  }
  return prefix + text
}

/** The screens: route templates. */
export const screenNames = n =>
  Array.from({ length: n }, (_, i) =>
    i === 0
      ? '/'
      : i % 3 === 0
        ? `/projects/:project_id/section-${i}`
        : i % 3 === 1
          ? `/section-${i}`
          : `/section-${i}/:item_id/edit`,
  )
/** The actions: Redux action types and track names. */
export const actionNames = n =>
  Array.from({ length: n }, (_, i) =>
    i % 10 < 7 ? { type: 'action', name: `feature${i}/run/fulfilled` } : { type: 'track', name: `feature${i}_used` },
  )
/** Screens where most errors happen (indices into the screens). */
const BUGGY = [1, 3, 4]
const ERRORS = ['TypeError', 'ChunkLoadError', 'RangeError', 'NetworkError', 'SyntaxError', 'AbortError']

/**
 * The events, day by day: `{ day: 'YYYY-MM-DD', events }`, each day's events
 * in the order they were received. Exactly `events` events over `days` days
 * ending on the day of `end`.
 */
export function* generate({
  events = 1_000_000,
  days = 30,
  installs = 10_000,
  screens = 50,
  actions = 200,
  versions = 5,
  seed = 1,
  end = Date.now(),
} = {}) {
  const rand = random(seed)
  const firstDay = end - (end % DAY) - (days - 1) * DAY
  const screenList = screenNames(screens)
  const actionList = actionNames(actions)
  const screenWeights = zipf(screens, 1.1)
  const actionWeights = zipf(actions, 1.2)
  const errorWeights = zipf(ERRORS.length, 1.5)
  const neighbours = screenList.map((_, i) => [(i + 1) % screens, (i * 7 + 3) % screens, 0])
  const versionNames = Array.from({ length: versions }, (_, i) => `${2 + Math.floor(i / 3)}.${i % 3}.0`)
  const releaseDay = versionNames.map((_, i) => Math.floor((i * days) / versions))
  // installs: a weight (Pareto), a first day, an adoption delay, a scope
  const people = Array.from({ length: installs }, (_, i) => {
    const scope = rand()
    return {
      id: idOf('I', i),
      weight: 1 / (1 - rand() * 0.98) ** 0.8,
      start: rand() < 0.6 ? 0 : Math.floor(rand() * days),
      delay: -Math.log(1 - rand()) * 3,
      app:
        scope < 0.01
          ? { name: 'admin', env: 'production' }
          : scope < 0.05
            ? { name: 'console', env: 'staging' }
            : { name: 'console', env: 'production' },
    }
  })
  const library = { name: 'spa-telemetry', version: '0.1.0' }
  const appObjects = new Map()
  const appOf = (app, version) => {
    const key = `${app.name} ${app.env} ${version}`
    if (!appObjects.has(key)) appObjects.set(key, { name: app.name, version, env: app.env })
    return appObjects.get(key)
  }
  let sessionCounter = 0
  let eventCounter = 0
  const perDay = Math.floor(events / days)
  for (let d = 0; d < days; d++) {
    const dayStart = firstDay + d * DAY
    const budget = d === days - 1 ? events - perDay * (days - 1) : perDay
    const active = people.filter(p => p.start <= d)
    let sum = 0
    const cumulative = active.map(p => (sum += p.weight))
    const out = []
    while (out.length < budget) {
      const person = active[pickFrom(cumulative, rand() * sum)]
      // the newest version released at least `delay` days ago (new installs start on the newest)
      let v = 0
      for (let i = 0; i < versions; i++)
        if (releaseDay[i] <= d && (releaseDay[i] + person.delay <= d || person.start >= releaseDay[i])) v = i
      const app = appOf(person.app, versionNames[v])
      const sessionId = idOf('S', sessionCounter++)
      // afternoon-heavy start time
      const hour = Math.min(23, Math.max(0, Math.round(14 + (rand() + rand() + rand() - 1.5) * 8)))
      let ts = dayStart + hour * 3_600_000 + Math.floor(rand() * 3_600_000)
      const length = 1 + Math.floor(-Math.log(1 - rand()) * 11)
      let screen = pickFrom(screenWeights, rand())
      let previous
      for (let e = 0; e < length && out.length < budget && ts < dayStart + DAY; e++) {
        const r = e === 0 ? 0 : rand()
        const id = idOf('E', eventCounter++)
        const receivedAt = new Date(ts + 40).toISOString()
        // one object shape per type, keys in the collector's order
        if (r < 0.55) {
          if (e > 0)
            screen = rand() < 0.6 ? neighbours[screen][Math.floor(rand() * 3)] : pickFrom(screenWeights, rand())
          const path = screenList[screen]
          out.push(
            previous
              ? {
                  id,
                  type: 'page',
                  ts,
                  clientTs: ts,
                  receivedAt,
                  sentAt: receivedAt,
                  path,
                  from: previous,
                  app,
                  library,
                  anonymousId: person.id,
                  sessionId,
                }
              : {
                  id,
                  type: 'page',
                  ts,
                  clientTs: ts,
                  receivedAt,
                  sentAt: receivedAt,
                  path,
                  app,
                  library,
                  anonymousId: person.id,
                  sessionId,
                },
          )
          previous = path
        } else if (r < 0.93) {
          const action = actionList[pickFrom(actionWeights, rand())]
          out.push(
            action.type === 'track'
              ? {
                  id,
                  type: 'track',
                  ts,
                  clientTs: ts,
                  receivedAt,
                  sentAt: receivedAt,
                  name: action.name,
                  props: { kind: 'grid' },
                  app,
                  library,
                  anonymousId: person.id,
                  sessionId,
                }
              : {
                  id,
                  type: 'action',
                  ts,
                  clientTs: ts,
                  receivedAt,
                  sentAt: receivedAt,
                  path: screenList[screen],
                  name: action.name,
                  app,
                  library,
                  anonymousId: person.id,
                  sessionId,
                },
          )
        } else if (r < 0.985) {
          out.push({
            id,
            type: 'heartbeat',
            ts,
            clientTs: ts,
            receivedAt,
            sentAt: receivedAt,
            app,
            library,
            anonymousId: person.id,
            sessionId,
          })
        } else {
          // errors cluster on a few screens with bugs
          const where =
            rand() < 0.7 ? screenList[BUGGY[Math.floor(rand() * BUGGY.length) % screens]] : screenList[screen]
          out.push({
            id,
            type: 'error',
            ts,
            clientTs: ts,
            receivedAt,
            sentAt: receivedAt,
            path: where,
            name: ERRORS[pickFrom(errorWeights, rand())],
            app,
            library,
            anonymousId: person.id,
            sessionId,
          })
        }
        ts += 2000 + Math.floor(rand() * 60_000)
      }
    }
    out.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0))
    yield { day: new Date(dayStart).toISOString().slice(0, 10), events: out }
  }
}

/** Writes the days as an ndjson store's files (`events-YYYY-MM-DD.ndjson`); returns the number of events. */
export const writeNdjson = (dir, days) => {
  mkdirSync(dir, { recursive: true })
  let count = 0
  for (const { day, events } of days) {
    writeFileSync(join(dir, `events-${day}.ndjson`), events.map(event => JSON.stringify(event) + '\n').join(''))
    count += events.length
  }
  return count
}
