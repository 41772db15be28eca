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

/** The outcomes of the funnel sessions that reached step 1: one entry per session, side by side. */
export interface Reached {
  n: number
  /** install number, -1 for none */
  install: Int32Array
  /** the app version's string id */
  version: Int32Array
  /** the UTC day (number) of its step 1 */
  day: Int32Array
  /** how many steps it reached, in order */
  level: Uint8Array
  /** the table's strings (versions by id) */
  strings: Table['strings']
}

/** The index, as of the table's `changes`. */
interface Index {
  changes: number
  /** per position (events by step code, funnel session, time): the event's funnel session */
  session: Int32Array
  /** per position: the event's time */
  ts: Float64Array
  /** per step code: where its events start (codes + 1 entries) */
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
    while (
      q > 0 &&
      session[order[q - 1]] === session[e] &&
      codes[order[q - 1]] === codes[e] &&
      ts[order[q - 1]] > ts[e]
    ) {
      order[q] = order[q - 1]
      q--
    }
    order[q] = e
  }
  // the walk reads sessions and times by position: side by side, not through the event index
  const sessionAt = new Int32Array(kept)
  const tsAt = new Float64Array(kept)
  for (let p = 0; p < kept; p++) {
    sessionAt[p] = session[order[p]]
    tsAt[p] = ts[order[p]]
  }
  return { changes: table.changes, session: sessionAt, ts: tsAt, starts, sessions }
}

const indexes = new WeakMap<Table, Index>()

/** Every funnel session of the selection that reached step 1, with its level. */
export const reach = (table: Table, selection: Selection, steps: readonly Step[]): Reached => {
  let index = indexes.get(table)
  if (!index || index.changes !== table.changes) indexes.set(table, (index = build(table)))
  const scope = table.scopes.find(`${selection.app}\u0000${selection.env}`)
  const ranges = steps.map(step => {
    const value = table.strings.find(step.value)
    const c = value === undefined ? -1 : code(value, TYPES.indexOf(step.type))
    return c < 0 || c + 1 >= index.starts.length ? [0, 0] : [index.starts[c], index.starts[c + 1]]
  })
  const [start, end] = scope === undefined ? [0, 0] : ranges[0]
  const capacity = end - start
  const out: Reached = {
    n: 0,
    install: new Int32Array(capacity),
    version: new Int32Array(capacity),
    day: new Int32Array(capacity),
    level: new Uint8Array(capacity),
    strings: table.strings,
  }
  const { session, ts, sessions } = index
  const { from, to } = selection
  const at = ranges.map(range => range[0])
  for (let p = start; p < end;) {
    const s = session[p]
    // this session's first step 1 in the period (its events are in time order)
    let t = -1
    for (; p < end && session[p] === s; p++) if (t < 0 && ts[p] >= from && ts[p] < to) t = ts[p]
    if (t < 0 || sessions.keys[s * 3 + 1] !== scope) continue
    const day = Math.floor(t / DAY)
    let level = 1
    for (let i = 1; i < steps.length; i++) {
      const last = ranges[i][1]
      let q = at[i]
      while (q < last && session[q] < s) q++
      while (q < last && session[q] === s && ts[q] <= t) q++
      at[i] = q
      if (q >= last || session[q] !== s || ts[q] >= to) break
      t = ts[q]
      level++
    }
    const n = out.n++
    out.install[n] = table.runs.keys[sessions.keys[s * 3] * 2] - 1
    out.version[n] = sessions.keys[s * 3 + 2]
    out.day[n] = day
    out.level[n] = level
  }
  return out
}

/** String ids are below 2^31: a day and a version as one number. */
const VERSIONS = 2 ** 31
/** A reached session's atom, as a number: its day and version. */
const atomOf = (r: Reached, j: number): number => r.day[j] * VERSIONS + r.version[j]

/** The funnel atoms (day of step 1, version) of reached sessions. */
export const funnel = (r: Reached, steps: number): FunnelAtom[] => {
  const atoms = new Map<number, FunnelAtom & { n: number }>()
  const exactly = new TupleIds(3, 1024)
  const atLeast = new TupleIds(3, 1024)
  const tuple = [0, 0, 0]
  const zeros = (): number[] => Array.from({ length: steps }, () => 0)
  for (let j = 0; j < r.n; j++) {
    const id = atomOf(r, j)
    let atom = atoms.get(id)
    if (!atom)
      atoms.set(
        id,
        (atom = {
          day: r.day[j] * DAY,
          version: r.strings.values[r.version[j]],
          sessions: zeros(),
          installsExactly: zeros(),
          installsAtLeast: zeros(),
          n: atoms.size,
        }),
      )
    const level = r.level[j]
    atom.sessions[level - 1]++
    const install = r.install[j]
    if (install < 0) continue
    tuple[0] = atom.n
    tuple[1] = level - 1
    tuple[2] = install
    let before = exactly.size
    if (exactly.id(tuple) === before) atom.installsExactly[level - 1]++
    for (let i = 0; i < level; i++) {
      tuple[1] = i
      before = atLeast.size
      if (atLeast.id(tuple) === before) atom.installsAtLeast[i]++
    }
  }
  return [...atoms.values()].map(({ day, version, sessions, installsExactly, installsAtLeast }) => ({
    day,
    version,
    sessions,
    installsExactly,
    installsAtLeast,
  }))
}

/** Per step, distinct installs over the sessions that reached it in released atoms (`"day version"`), overall and by version. */
export const funnelUnions = (r: Reached, steps: number, released: readonly (readonly string[])[]): FunnelUnion => {
  // the released atoms as numbers: a version no event has is in no atom
  const sets = released.map(list => {
    const set = new Set<number>()
    for (const id of list) {
      const space = id.indexOf(' ')
      const version = r.strings.find(id.slice(space + 1))
      if (version !== undefined) set.add(Math.floor(Number(id.slice(0, space)) / DAY) * VERSIONS + version)
    }
    return set
  })
  const installs = Array.from({ length: steps }, () => 0)
  const byVersion = new Map<number, number[]>()
  const seen = new TupleIds(3, 1024)
  const tuple = [0, 0, 0]
  for (let j = 0; j < r.n; j++) {
    const install = r.install[j]
    if (install < 0) continue
    const id = atomOf(r, j)
    const version = r.version[j]
    for (let i = 0; i < r.level[j]; i++) {
      if (!sets[i]?.has(id)) continue
      tuple[1] = i
      tuple[2] = install
      tuple[0] = -1
      let before = seen.size
      if (seen.id(tuple) === before) installs[i]++
      tuple[0] = version
      before = seen.size
      if (seen.id(tuple) === before) {
        let counts = byVersion.get(version)
        if (!counts) byVersion.set(version, (counts = Array.from({ length: steps }, () => 0)))
        counts[i]++
      }
    }
  }
  return {
    installs,
    byVersion: Object.fromEntries([...byVersion].map(([version, counts]) => [r.strings.values[version], counts])),
  }
}
