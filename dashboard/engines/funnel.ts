/**
 * Funnels over a {@link Table}: an index of the page, track and action
 * events that have a session, grouped by what a step matches (a path, or a
 * type and name), then by funnel session (an install's session on one app
 * version, in one scope), then by time. A funnel walks only its steps'
 * groups, all of them side by side in session order: each session's first
 * step 1 in the period, then the first step 2 after it, and so on.
 */
import type { FunnelAtom, FunnelUnion, Selection, Step } from '../engine.js'
import { TYPES } from '../engine.js'
import { TupleIds } from './maps.js'
import type { Table } from './table.js'

const DAY = 86_400_000
/** The steps' types, numbered as the table numbers them (page 0, track 1, action 2). */
const STEP_TYPES = 3

/** One funnel session's outcome. */
export interface Reached {
  install: number
  version: string
  day: number
  level: number
}

/** The index, as of the table's `changes`. */
interface Index {
  changes: number
  /** event indices by (step code, funnel session, time) */
  order: Int32Array
  /** per event: its funnel session, -1 when it has none */
  session: Int32Array
  /** per step code: where its events start in `order` (codes + 1 entries) */
  starts: Int32Array
  /** per funnel session: (run, scope, version) */
  sessions: TupleIds
}

/** A step's code: the string id of its path or name, and its type. */
const code = (value: number, type: number): number => value * STEP_TYPES + type

/** Builds the index: two stable counting sorts (funnel session, then step code) over the arrival order, then time within each group. */
const build = (table: Table): Index => {
  const n = table.size
  const sessions = new TupleIds(3, 4096)
  const session = new Int32Array(n).fill(-1)
  const codes = new Int32Array(n)
  const tuple = [0, 0, 0]
  let kept = 0
  for (let i = 0; i < n; i++) {
    const type = table.type[i]
    if (!table.alive[i] || table.run[i] < 0 || type >= STEP_TYPES) continue
    tuple[0] = table.run[i]
    tuple[1] = table.scope[i]
    tuple[2] = table.version[i]
    session[i] = sessions.id(tuple)
    codes[i] = code(type === 0 ? table.path[i] : table.name[i], type)
    kept++
  }
  // by funnel session, in arrival order
  const bySession = new Int32Array(sessions.size + 1)
  for (let i = 0; i < n; i++) if (session[i] >= 0) bySession[session[i] + 1]++
  for (let s = 0; s < sessions.size; s++) bySession[s + 1] += bySession[s]
  const first = new Int32Array(kept)
  for (let i = 0; i < n; i++) if (session[i] >= 0) first[bySession[session[i]]++] = i
  // then by step code, keeping that order
  const size = table.strings.values.length * STEP_TYPES
  const starts = new Int32Array(size + 1)
  for (let p = 0; p < kept; p++) starts[codes[first[p]] + 1]++
  for (let c = 0; c < size; c++) starts[c + 1] += starts[c]
  const order = new Int32Array(kept)
  const fill = starts.slice(0, size)
  for (let p = 0; p < kept; p++) order[fill[codes[first[p]]]++] = first[p]
  // then by time within each (code, session): arrival order is nearly that already
  const ts = table.ts
  for (let p = 1; p < kept; p++) {
    const e = order[p]
    let q = p
    while (q > 0 && session[order[q - 1]] === session[e] && codes[order[q - 1]] === codes[e] && ts[order[q - 1]] > ts[e]) {
      order[q] = order[q - 1]
      q--
    }
    order[q] = e
  }
  return { changes: table.changes, order, session, starts, sessions }
}

const indexes = new WeakMap<Table, Index>()

/** Every funnel session of the selection that reached step 1, with its level. */
export const reach = (table: Table, selection: Selection, steps: readonly Step[]): Reached[] => {
  let index = indexes.get(table)
  if (!index || index.changes !== table.changes) indexes.set(table, (index = build(table)))
  const out: Reached[] = []
  const scope = table.scopes.find(`${selection.app}\u0000${selection.env}`)
  if (scope === undefined) return out
  const ranges = steps.map(step => {
    const value = table.strings.find(step.value)
    const c = value === undefined ? -1 : code(value, TYPES.indexOf(step.type))
    return c < 0 || c + 1 >= index.starts.length ? [0, 0] : [index.starts[c], index.starts[c + 1]]
  })
  const { order, session, sessions } = index
  const { ts } = table
  const { from, to } = selection
  const at = ranges.map(range => range[0])
  const [start, end] = ranges[0]
  for (let p = start; p < end; ) {
    const s = session[order[p]]
    // this session's first step 1 in the period (its events are in time order)
    let t = -1
    for (; p < end && session[order[p]] === s; p++) if (t < 0 && ts[order[p]] >= from && ts[order[p]] < to) t = ts[order[p]]
    if (t < 0 || sessions.keys[s * 3 + 1] !== scope) continue
    const day = t - (t % DAY)
    let level = 1
    for (let i = 1; i < steps.length; i++) {
      const last = ranges[i][1]
      while (at[i] < last && session[order[at[i]]] < s) at[i]++
      while (at[i] < last && session[order[at[i]]] === s && ts[order[at[i]]] <= t) at[i]++
      if (at[i] >= last || session[order[at[i]]] !== s || ts[order[at[i]]] >= to) break
      t = ts[order[at[i]]]
      level++
    }
    const run = sessions.keys[s * 3]
    out.push({ install: table.runs.keys[run * 2] - 1, version: table.strings.values[sessions.keys[s * 3 + 2]], day, level })
  }
  return out
}

/** The funnel atoms (day of step 1, version) of reached sessions. */
export const funnel = (reached: readonly Reached[], steps: number): FunnelAtom[] => {
  const atoms = new Map<string, FunnelAtom & { n: number }>()
  const exactly = new TupleIds(3, 1024)
  const atLeast = new TupleIds(3, 1024)
  for (const r of reached) {
    const id = `${r.day} ${r.version}`
    let atom = atoms.get(id)
    if (!atom) {
      const zeros = (): number[] => Array.from({ length: steps }, () => 0)
      atoms.set(id, (atom = { day: r.day, version: r.version, sessions: zeros(), installsExactly: zeros(), installsAtLeast: zeros(), n: atoms.size }))
    }
    atom.sessions[r.level - 1]++
    if (r.install < 0) continue
    const before = exactly.size
    if (exactly.id([atom.n, r.level - 1, r.install]) === before) atom.installsExactly[r.level - 1]++
    for (let i = 0; i < r.level; i++) {
      const seen = atLeast.size
      if (atLeast.id([atom.n, i, r.install]) === seen) atom.installsAtLeast[i]++
    }
  }
  return [...atoms.values()].map(({ day, version, sessions, installsExactly, installsAtLeast }) => ({ day, version, sessions, installsExactly, installsAtLeast }))
}

/** Per step, distinct installs over the sessions that reached it in released atoms (`"day version"`), overall and by version. */
export const funnelUnions = (reached: readonly Reached[], steps: number, released: readonly (readonly string[])[]): FunnelUnion => {
  const sets = released.map(list => new Set(list))
  const installs = Array.from({ length: steps }, () => 0)
  const byVersion: Record<string, number[]> = {}
  const versions = new Map<string, number>()
  const seen = new TupleIds(3, 1024)
  for (const r of reached) {
    if (r.install < 0) continue
    const id = `${r.day} ${r.version}`
    let v = versions.get(r.version)
    if (v === undefined) versions.set(r.version, (v = versions.size + 1))
    for (let i = 0; i < r.level; i++) {
      if (!sets[i]?.has(id)) continue
      let before = seen.size
      if (seen.id([0, i, r.install]) === before) installs[i]++
      before = seen.size
      if (seen.id([v, i, r.install]) === before) (byVersion[r.version] ??= Array.from({ length: steps }, () => 0))[i]++
    }
  }
  return { installs, byVersion }
}
