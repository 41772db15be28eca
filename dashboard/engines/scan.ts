/**
 * The engine's questions answered by scanning a {@link Table} in its order
 * (install, session, time). Each scan first picks the selected events and
 * numbers their keys, versions and buckets densely, then counts in flat
 * typed arrays: "installs" grows when an atom sees an install other than the
 * last it saw, which the order makes exact.
 */
import type { Atom, FunnelAtom, FunnelUnion, HourRest, KeyColumn, Scope, Selection, Step, Union, Unit } from '../engine.js'
import { TYPES, UNIT_MS } from '../engine.js'
import type { Snapshot, Table } from './table.js'

/** The selected events of a scan, with their dense key, version and bucket numbers. */
interface Picked {
  events: Snapshot
  n: number
  /** positions in the snapshot */
  at: Int32Array
  key: Int32Array
  version: Int32Array
  bucket: Int32Array
  keys: string[][]
  versions: string[]
  buckets: number
}

/** Reused between scans (scans never interleave: each runs to its end synchronously). */
let scratch = { at: new Int32Array(0), key: new Int32Array(0), version: new Int32Array(0), bucket: new Int32Array(0) }

const NONE = -2

/** A key's code for an event: one column's string id, or the pair's (type and name: dense; name and path: sparse). */
const coder = (events: Snapshot, columns: readonly KeyColumn[], strings: number): { code: (p: number) => number; size: number } => {
  const [first, second] = columns
  const column = (name: KeyColumn): Int32Array | Uint8Array => (name === 'type' ? events.type : name === 'path' ? events.path : events.name)
  if (!first) return { code: () => 0, size: 1 }
  if (!second) {
    const only = column(first)
    return { code: p => only[p], size: first === 'type' ? TYPES.length : strings }
  }
  if (first === 'type') {
    const names = column(second)
    return { code: p => names[p] * TYPES.length + events.type[p], size: strings * TYPES.length }
  }
  const a = column(first)
  const b = column(second)
  return { code: p => a[p] * strings + b[p], size: -1 }
}

/** Picks the events of a selection, numbering keys (by these columns), versions and buckets of this unit. */
export const pick = (table: Table, selection: Selection, columns: readonly KeyColumn[], unit: Unit): Picked => {
  const events = table.inOrder()
  if (scratch.at.length < events.n) {
    const size = events.n
    scratch = { at: new Int32Array(size), key: new Int32Array(size), version: new Int32Array(size), bucket: new Int32Array(size) }
  }
  const { at, key, version, bucket } = scratch
  const scope = table.scopes.find(`${selection.app}\u0000${selection.env}`)
  const picked: Picked = { events, n: 0, at, key, version, bucket, keys: [], versions: [], buckets: Math.ceil((selection.to - selection.from) / UNIT_MS[unit]) }
  if (scope === undefined) return picked
  let typeMask = 0
  for (const type of selection.types) typeMask |= 1 << TYPES.indexOf(type)
  const where = selection.where ?? {}
  const wanted = (value: string | undefined): number => (value === undefined ? -1 : (table.strings.find(value) ?? NONE))
  const wherePath = wanted(where.path)
  const whereName = wanted(where.name)
  const whereFrom = wanted(where.from)
  if (wherePath === NONE || whereName === NONE || whereFrom === NONE) return picked
  const { ts, type, path, from, name } = events
  const strings = table.strings.values
  const { code, size } = coder(events, columns, strings.length)
  const denseKeys = size >= 0 ? new Int32Array(size).fill(-1) : null
  const sparseKeys = new Map<number, number>()
  const versionOf = new Int32Array(strings.length).fill(-1)
  const unitMs = UNIT_MS[unit]
  const { from: start, to: end } = selection
  const scopes = events.scope
  let n = 0
  for (let p = 0; p < events.n; p++) {
    const t = ts[p]
    if (t < start || t >= end || scopes[p] !== scope || !((typeMask >> type[p]) & 1)) continue
    if ((wherePath >= 0 && path[p] !== wherePath) || (whereName >= 0 && name[p] !== whereName) || (whereFrom >= 0 && from[p] !== whereFrom)) continue
    const c = code(p)
    let k = denseKeys ? denseKeys[c] : (sparseKeys.get(c) ?? -1)
    if (k < 0) {
      k = picked.keys.length
      picked.keys.push(columns.map(column => (column === 'type' ? TYPES[type[p]] : strings[column === 'path' ? path[p] : name[p]])))
      if (denseKeys) denseKeys[c] = k
      else sparseKeys.set(c, k)
    }
    const versionId = events.version[p]
    let v = versionOf[versionId]
    if (v < 0) {
      v = versionOf[versionId] = picked.versions.length
      picked.versions.push(strings[versionId])
    }
    at[n] = p
    key[n] = k
    version[n] = v
    bucket[n] = Math.floor((t - start) / unitMs)
    n++
  }
  picked.n = n
  return picked
}

/** Per atom of a pick: events, installs, sessions. */
interface Counts {
  events: Int32Array
  installs: Int32Array
  sessions: Int32Array
  /** atom number of each picked event */
  atomOf: Int32Array
}

const count = (picked: Picked, withSessions = true): Counts => {
  const size = picked.keys.length * picked.versions.length * picked.buckets
  const events = new Int32Array(size)
  const installs = new Int32Array(size)
  const sessions = new Int32Array(size)
  const lastInstall = new Int32Array(size).fill(-1)
  const lastRun = new Int32Array(size).fill(-1)
  const atomOf = new Int32Array(picked.n)
  const V = picked.versions.length
  const B = picked.buckets
  const { install: installOf, session: sessionOf, runs } = picked.events
  for (let j = 0; j < picked.n; j++) {
    const p = picked.at[j]
    const atom = (picked.key[j] * V + picked.version[j]) * B + picked.bucket[j]
    atomOf[j] = atom
    events[atom]++
    const install = installOf[p]
    if (install >= 0 && lastInstall[atom] !== install) {
      lastInstall[atom] = install
      installs[atom]++
    }
    if (withSessions && sessionOf[p] >= 0 && lastRun[atom] !== runs[p]) {
      lastRun[atom] = runs[p]
      sessions[atom]++
    }
  }
  return { events, installs, sessions, atomOf }
}

/** The engine's `atoms`. */
export const atoms = (table: Table, selection: Selection, columns: readonly KeyColumn[], unit: Unit, withSessions = true): Atom[] => {
  const picked = pick(table, selection, columns, unit)
  const counts = count(picked, withSessions)
  const out: Atom[] = []
  const V = picked.versions.length
  const B = picked.buckets
  for (let atom = 0; atom < counts.events.length; atom++) {
    if (!counts.events[atom]) continue
    const b = atom % B
    const v = Math.floor(atom / B) % V
    const k = Math.floor(atom / B / V)
    out.push({ key: picked.keys[k], bucket: selection.from + b * UNIT_MS[unit], version: picked.versions[v], events: counts.events[atom], installs: counts.installs[atom], sessions: counts.sessions[atom] })
  }
  return out
}

/** The engine's `unions`: distinct installs and sessions per key (and version) over day atoms with at least `k` installs. */
export const unions = (table: Table, selection: Selection, columns: readonly KeyColumn[], k: number, byVersion: boolean, withSessions = true): Union[] => {
  const picked = pick(table, selection, columns, 'day')
  const counts = count(picked, false)
  const V = picked.versions.length
  const groups = picked.keys.length * (byVersion ? V : 1)
  const installs = new Int32Array(groups)
  const sessions = new Int32Array(groups)
  const seen = new Uint8Array(groups)
  const lastInstall = new Int32Array(groups).fill(-1)
  const lastRun = new Int32Array(groups).fill(-1)
  for (let j = 0; j < picked.n; j++) {
    if (counts.installs[counts.atomOf[j]] < k) continue
    const group = byVersion ? picked.key[j] * V + picked.version[j] : picked.key[j]
    const p = picked.at[j]
    seen[group] = 1
    const install = picked.events.install[p]
    if (install >= 0 && lastInstall[group] !== install) {
      lastInstall[group] = install
      installs[group]++
    }
    if (withSessions && picked.events.session[p] >= 0 && lastRun[group] !== picked.events.runs[p]) {
      lastRun[group] = picked.events.runs[p]
      sessions[group]++
    }
  }
  const out: Union[] = []
  for (let group = 0; group < groups; group++) {
    if (!seen[group]) continue
    const key = picked.keys[byVersion ? Math.floor(group / V) : group]
    out.push(byVersion ? { key, version: picked.versions[group % V], installs: installs[group], sessions: sessions[group] } : { key, installs: installs[group], sessions: sessions[group] })
  }
  return out
}

/** The engine's `hourRests`. */
export const hourRests = (table: Table, selection: Selection, columns: readonly KeyColumn[], k: number): HourRest[] => {
  const picked = pick(table, selection, columns, 'hour')
  const counts = count(picked, false)
  const V = picked.versions.length
  const days = Math.ceil(picked.buckets / 24)
  const groups = picked.keys.length * V * days
  const installs = new Int32Array(groups)
  const small = new Uint8Array(groups)
  const lastInstall = new Int32Array(groups).fill(-1)
  for (let j = 0; j < picked.n; j++) {
    if (counts.installs[counts.atomOf[j]] >= k) continue
    const group = (picked.key[j] * V + picked.version[j]) * days + Math.floor(picked.bucket[j] / 24)
    small[group] = 1
    const install = picked.events.install[picked.at[j]]
    if (install >= 0 && lastInstall[group] !== install) {
      lastInstall[group] = install
      installs[group]++
    }
  }
  const out: HourRest[] = []
  for (let group = 0; group < groups; group++) {
    if (!small[group]) continue
    const d = group % days
    const v = Math.floor(group / days) % V
    out.push({ key: picked.keys[Math.floor(group / days / V)], day: selection.from + d * UNIT_MS.day, version: picked.versions[v], installs: installs[group] })
  }
  return out
}

/** One funnel session's outcome. */
interface Reached {
  install: number
  version: string
  day: number
  level: number
}

/** Every funnel session (an install's session on one version) of the selection that reached step 1, with its level. */
export const reach = (table: Table, selection: Selection, steps: readonly Step[]): Reached[] => {
  const types = [...new Set(steps.map(step => step.type))]
  const picked = pick(table, { ...selection, types }, [], 'day')
  const ids = steps.map(step => table.strings.find(step.value) ?? NONE)
  const stepTypes = steps.map(step => TYPES.indexOf(step.type))
  const out: Reached[] = []
  // the sessions of the current run, by version: level, last step time, day of step 1
  let run = -1
  let state = new Map<number, { level: number; last: number; day: number }>()
  const flush = (install: number): void => {
    for (const [v, s] of state) if (s.level > 0) out.push({ install, version: picked.versions[v], day: s.day, level: s.level })
    state = new Map()
  }
  let install = -1
  const events = picked.events
  for (let j = 0; j < picked.n; j++) {
    const p = picked.at[j]
    if (events.session[p] < 0) continue
    if (events.runs[p] !== run) {
      flush(install)
      run = events.runs[p]
      install = events.install[p]
    }
    let s = state.get(picked.version[j])
    if (!s) state.set(picked.version[j], (s = { level: 0, last: 0, day: 0 }))
    if (s.level >= steps.length) continue
    const step = s.level
    if (events.type[p] !== stepTypes[step] || (steps[step].type === 'page' ? events.path[p] : events.name[p]) !== ids[step]) continue
    if (step > 0 && events.ts[p] <= s.last) continue
    s.level++
    s.last = events.ts[p]
    if (step === 0) s.day = events.ts[p] - (events.ts[p] % UNIT_MS.day)
  }
  flush(install)
  return out
}

/** The engine's `funnel`. */
export const funnel = (reached: readonly Reached[], steps: number): FunnelAtom[] => {
  const atoms = new Map<string, FunnelAtom & { lastExactly: number[]; lastAtLeast: number[] }>()
  for (const r of reached) {
    const id = `${r.day} ${r.version}`
    let atom = atoms.get(id)
    if (!atom) {
      const zeros = (): number[] => Array.from({ length: steps }, () => 0)
      atoms.set(id, (atom = { day: r.day, version: r.version, sessions: zeros(), installsExactly: zeros(), installsAtLeast: zeros(), lastExactly: zeros().map(() => -1), lastAtLeast: zeros().map(() => -1) }))
    }
    atom.sessions[r.level - 1]++
    if (r.install < 0) continue
    if (atom.lastExactly[r.level - 1] !== r.install) {
      atom.lastExactly[r.level - 1] = r.install
      atom.installsExactly[r.level - 1]++
    }
    for (let i = 0; i < r.level; i++) {
      if (atom.lastAtLeast[i] !== r.install) {
        atom.lastAtLeast[i] = r.install
        atom.installsAtLeast[i]++
      }
    }
  }
  return [...atoms.values()].map(({ day, version, sessions, installsExactly, installsAtLeast }) => ({ day, version, sessions, installsExactly, installsAtLeast }))
}

/** The engine's `funnelUnions`. */
export const funnelUnions = (reached: readonly Reached[], steps: number, released: readonly (readonly string[])[]): FunnelUnion => {
  const sets = released.map(list => new Set(list))
  const installs = Array.from({ length: steps }, () => 0)
  const last = Array.from({ length: steps }, () => -1)
  const byVersion: Record<string, number[]> = {}
  const lastByVersion = new Map<string, number[]>()
  for (const r of reached) {
    if (r.install < 0) continue
    const id = `${r.day} ${r.version}`
    for (let i = 0; i < r.level; i++) {
      if (!sets[i]?.has(id)) continue
      if (last[i] !== r.install) {
        last[i] = r.install
        installs[i]++
      }
      const counts = (byVersion[r.version] ??= Array.from({ length: steps }, () => 0))
      let lasts = lastByVersion.get(r.version)
      if (!lasts) lastByVersion.set(r.version, (lasts = Array.from({ length: steps }, () => -1)))
      if (lasts[i] !== r.install) {
        lasts[i] = r.install
        counts[i]++
      }
    }
  }
  return { installs, byVersion }
}

/** The engine's `scopes`. */
export const scopes = (table: Table): Scope[] => {
  const events = table.inOrder()
  const n = table.scopes.values.length
  const installs = new Int32Array(n)
  const seen = new Uint8Array(n)
  const last = new Int32Array(n).fill(-1)
  for (let p = 0; p < events.n; p++) {
    const scope = events.scope[p]
    seen[scope] = 1
    if (events.install[p] >= 0 && last[scope] !== events.install[p]) {
      last[scope] = events.install[p]
      installs[scope]++
    }
  }
  const out: Scope[] = []
  for (let scope = 0; scope < n; scope++) {
    if (!seen[scope]) continue
    const [app, env] = table.scopes.values[scope].split('\u0000')
    out.push({ app, env, installs: installs[scope] })
  }
  return out
}
