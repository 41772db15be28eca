/**
 * The threshold, in one place. An atom (a key, a UTC day and an app version,
 * within one app and environment) is *released* when at least `k` distinct
 * installs are in it; every number an answer holds is a sum of released atoms
 * (events, sessions) or a distinct count over them (installs). So any two
 * answers, whatever their periods, versions or top-N cuts, differ by released
 * atoms only: never by a group of fewer than `k` installs. The rules per view
 * are in docs/privacy.md ("Dashboard").
 */
import type { Atom, FunnelAtom, HourRest, Union } from './engine.js'
import { keyId, UNIT_MS } from './engine.js'
import type { Unit } from './engine.js'

/** A ranked row: a key with its events, distinct installs and sessions, and its trend (events per bucket). */
export interface Row {
  key: string[]
  events: number
  installs: number
  sessions: number
  trend: number[]
}

/** A ranked list: the top rows, the rest summed as "other", and the total of both. */
export interface Ranked {
  rows: Row[]
  /** The released rows past the top N, summed; null when there are none. */
  other: { rows: number; events: number } | null
  /** Events in rows and other: everything released. */
  total: number
}

/** A share of a view's events that is folded, in bands: never an exact figure. */
export type Band = 'under 1%' | '1-10%' | '10-50%' | 'over 50%'

/**
 * How much of a view's events is folded (in atoms under the threshold). A band
 * only when the folded atoms together hold at least `k` distinct installs;
 * else {@link UNDER}, which says only that groups of fewer than `k` installs,
 * if there are any, are folded: "nothing folded" and "one install's events
 * folded" read alike, so the band never singles out a group under `k`.
 */
export type Folded = 'under threshold' | Band

/** The folded value that tells nothing: groups of fewer than `k` installs, if any, are folded. */
export const UNDER: Folded = 'under threshold'

/** Is the atom released? At least `k` installs (k = 0: every atom). */
export const released = (atom: { installs: number }, k: number): boolean => atom.installs >= k

/** The band of the share of events that is not released; undefined when nothing is folded. */
export const band = (all: number, shown: number): Band | undefined => {
  if (all <= shown) return undefined
  const share = (all - shown) / all
  return share < 0.01 ? 'under 1%' : share < 0.1 ? '1-10%' : share < 0.5 ? '10-50%' : 'over 50%'
}

/**
 * What an answer says is folded: the band when something is folded and
 * `installs()` (the distinct installs behind what is folded, asked of the
 * engine only then) reaches `k`; {@link UNDER} otherwise.
 */
export const foldedOf = async (share: Band | undefined, k: number, installs: () => Promise<number>): Promise<Folded> =>
  share !== undefined && (await installs()) >= k ? share : UNDER

/** The bucket starts of a period. */
export const bucketsOf = (from: number, to: number, unit: Unit): number[] => {
  const buckets: number[] = []
  for (let at = from; at < to; at += UNIT_MS[unit]) buckets.push(at)
  return buckets
}

/** Day atoms of one version (or all), split into released and all events. */
const pick = (atoms: readonly Atom[], k: number, version: string | undefined): { shown: Atom[]; all: number } => {
  let all = 0
  const shown: Atom[] = []
  for (const atom of atoms) {
    if (version !== undefined && atom.version !== version) continue
    all += atom.events
    if (released(atom, k)) shown.push(atom)
  }
  return { shown, all }
}

/**
 * Hour atoms that may be shown: at least `k` installs, in a day atom whose
 * hours under `k` together have no installs' events or at least `k` installs
 * (else that day atom's hours are not shown at all: its day total minus the
 * hours shown would be a group under `k`).
 */
export const releasedHours = (hours: readonly Atom[], rests: readonly HourRest[], k: number): Atom[] => {
  const blocked = new Set(
    rests.filter(rest => rest.installs < k).map(rest => `${keyId(rest.key)}\u0000${rest.day}\u0000${rest.version}`),
  )
  return hours.filter(
    atom =>
      released(atom, k) &&
      !blocked.has(`${keyId(atom.key)}\u0000${atom.bucket - (atom.bucket % UNIT_MS.day)}\u0000${atom.version}`),
  )
}

/** Options of {@link rank}. */
export interface RankOptions {
  k: number
  /** One version only (its atoms and its unions), or every version. */
  version?: string
  /** Rows shown; the rest is "other". */
  top: number
  /** The trend's buckets (day starts, or hour starts with `hours`). */
  buckets: readonly number[]
  /** Hour atoms already released by {@link releasedHours}: the trend is drawn from them. */
  hours?: readonly Atom[]
}

/** Ranks keys by released events: rows with installs and trends, "other", the total, and the band of the share folded (see {@link foldedOf}). */
export const rank = (
  days: readonly Atom[],
  unions: readonly Union[],
  options: RankOptions,
): Ranked & { folded: Band | undefined } => {
  const { k, version, top, buckets } = options
  const { shown, all } = pick(days, k, version)
  const index = new Map(buckets.map((bucket, i) => [bucket, i]))
  const rows = new Map<string, Row>()
  const row = (key: string[]): Row => {
    const id = keyId(key)
    let found = rows.get(id)
    if (!found) rows.set(id, (found = { key, events: 0, installs: 0, sessions: 0, trend: buckets.map(() => 0) }))
    return found
  }
  for (const atom of shown) {
    const target = row(atom.key)
    target.events += atom.events
    if (!options.hours) {
      const at = index.get(atom.bucket)
      if (at !== undefined) target.trend[at] += atom.events
    }
  }
  if (options.hours) {
    for (const atom of options.hours) {
      if (version !== undefined && atom.version !== version) continue
      const target = rows.get(keyId(atom.key))
      const at = index.get(atom.bucket)
      if (target && at !== undefined) target.trend[at] += atom.events
    }
  }
  for (const union of unions) {
    if (version !== undefined ? union.version !== version : union.version !== undefined) continue
    const target = rows.get(keyId(union.key))
    if (target) {
      target.installs = union.installs
      target.sessions = union.sessions
    }
  }
  const ranked = [...rows.values()].sort((a, b) => b.events - a.events || compareKeys(a.key, b.key))
  const rest = ranked.slice(top)
  const total = ranked.reduce((sum, r) => sum + r.events, 0)
  return {
    rows: ranked.slice(0, top),
    other: rest.length ? { rows: rest.length, events: rest.reduce((sum, r) => sum + r.events, 0) } : null,
    total,
    folded: band(all, total),
  }
}

/** Key order for ties: by each column, as strings. */
export const compareKeys = (a: readonly string[], b: readonly string[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? ''
    const y = b[i] ?? ''
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

/** Per bucket, the sums over released atoms (of one version or all) of events, installs and sessions. */
export const series = (
  atoms: readonly Atom[],
  k: number,
  buckets: readonly number[],
  version?: string,
): { events: number[]; installs: number[]; sessions: number[] } => {
  const index = new Map(buckets.map((bucket, i) => [bucket, i]))
  const out = { events: buckets.map(() => 0), installs: buckets.map(() => 0), sessions: buckets.map(() => 0) }
  for (const atom of atoms) {
    if ((version !== undefined && atom.version !== version) || !released(atom, k)) continue
    const at = index.get(atom.bucket)
    if (at === undefined) continue
    out.events[at] += atom.events
    out.installs[at] += atom.installs
    out.sessions[at] += atom.sessions
  }
  return out
}

/** One funnel step's released figures. */
export interface FunnelStep {
  sessions: number
  installs: number
}

/**
 * Which steps of a funnel atom are released: step 1 with at least `k` installs;
 * each next step only if the previous one is, it has at least `k` installs, and
 * the sessions that stopped at the previous step (the drop-off a reader would
 * compute) are none or at least `k` installs.
 */
export const funnelReleased = (atom: FunnelAtom, k: number): boolean[] => {
  const out: boolean[] = []
  for (let i = 0; i < atom.sessions.length; i++) {
    const previous =
      i === 0
        ? true
        : out[i - 1] &&
          (atom.installsExactly[i - 1] === 0 && atom.sessions[i - 1] === 0 ? true : atom.installsExactly[i - 1] >= k)
    out.push(previous && atom.installsAtLeast[i] >= k && atLeast(atom, i) > 0)
  }
  return out
}

/** Sessions that reached at least step i + 1 in an atom. */
export const atLeast = (atom: FunnelAtom, i: number): number => atom.sessions.slice(i).reduce((a, b) => a + b, 0)

/** The released atoms of each step, as `"day version"` strings (what {@link Engine.funnelUnions} takes). */
export const funnelSets = (atoms: readonly FunnelAtom[], k: number, steps: number): string[][] => {
  const sets: string[][] = Array.from({ length: steps }, () => [])
  for (const atom of atoms)
    funnelReleased(atom, k).forEach((ok, i) => ok && sets[i].push(`${atom.day} ${atom.version}`))
  return sets
}

/** Sessions per step over released atoms, for one version or all. */
export const funnelSessions = (atoms: readonly FunnelAtom[], k: number, steps: number, version?: string): number[] => {
  const out = Array.from({ length: steps }, () => 0)
  for (const atom of atoms) {
    if (version !== undefined && atom.version !== version) continue
    funnelReleased(atom, k).forEach((ok, i) => ok && (out[i] += atLeast(atom, i)))
  }
  return out
}

/**
 * Share of funnel events folded: sessions per step over all atoms against
 * released ones; and which atoms hold the folded part, as `"day version"`
 * strings by their first folded step (the steps released in an atom are a
 * prefix, and every session past its first folded step reached that step):
 * the distinct installs of any one of these sets, a part of what is folded,
 * are what the engine's `funnelUnions` counts, to know they reach `k`.
 */
export const funnelFolded = (
  atoms: readonly FunnelAtom[],
  k: number,
  steps: number,
): { share: Band | undefined; sets: string[][] } => {
  let all = 0
  const sets: string[][] = Array.from({ length: steps }, () => [])
  for (const atom of atoms) {
    for (let i = 0; i < steps; i++) all += atLeast(atom, i)
    const first = funnelReleased(atom, k).indexOf(false)
    if (first >= 0 && atLeast(atom, first) > 0) sets[first].push(`${atom.day} ${atom.version}`)
  }
  const shown = funnelSessions(atoms, k, steps).reduce((a, b) => a + b, 0)
  return { share: band(all, shown), sets }
}
