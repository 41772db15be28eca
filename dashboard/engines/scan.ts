/**
 * Questions answered by scanning a {@link Table}'s alive events: any
 * selection, any key, by the day or the hour. The day aggregates (cube.ts)
 * answer the views' own questions by the day; scans answer the hours of one
 * or two days (a pass over the times, then a few thousand events) and
 * whatever else an engine is asked. Distinct installs and sessions are
 * counted with (atom, install) pair tables.
 */
import type { Atom, FlowResidual, HourRest, KeyColumn, Selection, Union, Unit } from '../engine.js'
import { atomId, smallerFlow, TYPES, UNIT_MS } from '../engine.js'
import { TupleIds } from './maps.js'
import type { Table } from './table.js'

/** A scan's key columns: the engine's, and `from` (the screen a page view came from). */
type Column = KeyColumn | 'from'

/** The selected events of a scan, each with its atom. */
interface Picked {
  n: number
  /** event indices */
  at: Int32Array
  /** atom of each picked event */
  atom: Int32Array
  /** (key codes…, bucket, version) → atom */
  atoms: TupleIds
  columns: readonly Column[]
  from: number
  unitMs: number
}

/** The string id of a value, -1 when no filter, -2 when no event has it. */
const wanted = (table: Table, value: string | undefined): number =>
  value === undefined ? -1 : (table.strings.find(value) ?? -2)

/** Picks the events of a selection, numbering their atoms (key columns, bucket of this unit, version). */
const pick = (table: Table, selection: Selection, columns: readonly Column[], unit: Unit): Picked => {
  const arity = columns.length + 2
  const picked: Picked = {
    n: 0,
    at: new Int32Array(0),
    atom: new Int32Array(0),
    atoms: new TupleIds(arity),
    columns,
    from: selection.from,
    unitMs: UNIT_MS[unit],
  }
  const scope = table.scopes.find(`${selection.app}\u0000${selection.env}`)
  const where = selection.where ?? {}
  const [wherePath, whereName, whereFrom] = [
    wanted(table, where.path),
    wanted(table, where.name),
    wanted(table, where.from),
  ]
  if (scope === undefined || wherePath === -2 || whereName === -2 || whereFrom === -2) return picked
  let typeMask = 0
  for (const type of selection.types) typeMask |= 1 << TYPES.indexOf(type)
  const { ts, type, path, from, name, alive, version } = table
  const scopes = table.scope
  const { from: start, to: end } = selection
  const unitMs = UNIT_MS[unit]
  const sources = columns.map(column =>
    column === 'type' ? type : column === 'path' ? path : column === 'from' ? from : name,
  )
  const tuple = new Array<number>(arity).fill(0)
  let at = new Int32Array(1024)
  let atom = new Int32Array(1024)
  let n = 0
  for (let i = 0; i < table.size; i++) {
    const t = ts[i]
    if (t < start || t >= end || !alive[i] || scopes[i] !== scope || !((typeMask >> type[i]) & 1)) continue
    if (
      (wherePath >= 0 && path[i] !== wherePath) ||
      (whereName >= 0 && name[i] !== whereName) ||
      (whereFrom >= 0 && from[i] !== whereFrom)
    )
      continue
    for (let c = 0; c < sources.length; c++) tuple[c] = sources[c][i]
    tuple[arity - 2] = Math.floor((t - start) / unitMs)
    tuple[arity - 1] = version[i]
    if (n === at.length) {
      const [nextAt, nextAtom] = [new Int32Array(n * 2), new Int32Array(n * 2)]
      nextAt.set(at)
      nextAtom.set(atom)
      ;[at, atom] = [nextAt, nextAtom]
    }
    at[n] = i
    atom[n] = picked.atoms.id(tuple)
    n++
  }
  Object.assign(picked, { n, at, atom })
  return picked
}

/** An atom's key, as strings. */
const keyOf = (table: Table, picked: Picked, atom: number): string[] =>
  picked.columns.map((column, c) => {
    const code = picked.atoms.keys[atom * (picked.columns.length + 2) + c]
    return column === 'type' ? TYPES[code] : table.strings.values[code]
  })

/** Per atom of a pick: events, distinct installs, distinct sessions. */
const count = (
  table: Table,
  picked: Picked,
  withSessions: boolean,
): { events: Int32Array; installs: Int32Array; sessions: Int32Array } => {
  const size = picked.atoms.size
  const out = { events: new Int32Array(size), installs: new Int32Array(size), sessions: new Int32Array(size) }
  const installs = new TupleIds(2, 1024)
  const sessions = new TupleIds(2, 1024)
  for (let j = 0; j < picked.n; j++) {
    const i = picked.at[j]
    const atom = picked.atom[j]
    out.events[atom]++
    const install = table.install[i]
    if (install >= 0) {
      const before = installs.size
      if (installs.pair(atom, install) === before) out.installs[atom]++
    }
    const run = table.run[i]
    if (withSessions && run >= 0) {
      const before = sessions.size
      if (sessions.pair(atom, run) === before) out.sessions[atom]++
    }
  }
  return out
}

/** The engine's `atoms`, by scanning. */
export const atoms = (
  table: Table,
  selection: Selection,
  columns: readonly KeyColumn[],
  unit: Unit,
  withSessions: boolean,
): Atom[] => {
  const picked = pick(table, selection, columns, unit)
  const counts = count(table, picked, withSessions)
  const arity = columns.length + 2
  const out: Atom[] = []
  for (let atom = 0; atom < picked.atoms.size; atom++) {
    const bucket = picked.atoms.keys[atom * arity + arity - 2]
    const version = picked.atoms.keys[atom * arity + arity - 1]
    out.push({
      key: keyOf(table, picked, atom),
      bucket: selection.from + bucket * picked.unitMs,
      version: table.strings.values[version],
      events: counts.events[atom],
      installs: counts.installs[atom],
      sessions: counts.sessions[atom],
    })
  }
  return out
}

/** The engine's `unions`, by scanning: distinct installs and sessions per key (and version) over day atoms with at least `k` installs. */
export const unions = (
  table: Table,
  selection: Selection,
  columns: readonly KeyColumn[],
  k: number,
  byVersion: boolean,
  withSessions: boolean,
  skip?: ReadonlySet<string>,
): Union[] => {
  const picked = pick(table, selection, columns, 'day')
  const counts = count(table, picked, false)
  const arity = columns.length + 2
  if (skip?.size)
    for (let atom = 0; atom < picked.atoms.size; atom++) {
      const bucket = selection.from + picked.atoms.keys[atom * arity + arity - 2] * UNIT_MS.day
      const version = table.strings.values[picked.atoms.keys[atom * arity + arity - 1]]
      if (skip.has(atomId(keyOf(table, picked, atom), bucket, version))) counts.installs[atom] = -1
    }
  const groups = new TupleIds(columns.length + 1)
  const groupAtom: number[] = []
  const tuple = new Array<number>(columns.length + 1).fill(0)
  const installs = new TupleIds(2, 1024)
  const sessions = new TupleIds(2, 1024)
  let installCounts = new Int32Array(64)
  let sessionCounts = new Int32Array(64)
  for (let j = 0; j < picked.n; j++) {
    const atom = picked.atom[j]
    if (counts.installs[atom] < k) continue
    for (let c = 0; c < columns.length; c++) tuple[c] = picked.atoms.keys[atom * arity + c]
    tuple[columns.length] = byVersion ? picked.atoms.keys[atom * arity + arity - 1] : -1
    const before = groups.size
    const group = groups.id(tuple)
    if (group === before) {
      groupAtom.push(atom)
      if (group >= installCounts.length) {
        const [a, b] = [new Int32Array(group * 2), new Int32Array(group * 2)]
        a.set(installCounts)
        b.set(sessionCounts)
        ;[installCounts, sessionCounts] = [a, b]
      }
    }
    const i = picked.at[j]
    const install = table.install[i]
    if (install >= 0) {
      const seen = installs.size
      if (installs.pair(group, install) === seen) installCounts[group]++
    }
    const run = table.run[i]
    if (withSessions && run >= 0) {
      const seen = sessions.size
      if (sessions.pair(group, run) === seen) sessionCounts[group]++
    }
  }
  return groupAtom.map((atom, group) => {
    const key = keyOf(table, picked, atom)
    const base = { key, installs: installCounts[group], sessions: sessionCounts[group] }
    return byVersion
      ? {
          key,
          version: table.strings.values[picked.atoms.keys[atom * arity + arity - 1]],
          installs: base.installs,
          sessions: base.sessions,
        }
      : base
  })
}

/** The engine's `hourRests`, by scanning: per day atom, distinct installs over its hours with fewer than `k`. */
export const hourRests = (table: Table, selection: Selection, columns: readonly KeyColumn[], k: number): HourRest[] => {
  const picked = pick(table, selection, columns, 'hour')
  const counts = count(table, picked, false)
  const arity = columns.length + 2
  const days = new TupleIds(arity)
  const dayAtom: number[] = []
  const tuple = new Array<number>(arity).fill(0)
  const installs = new TupleIds(2, 1024)
  const rest: number[] = []
  for (let j = 0; j < picked.n; j++) {
    const atom = picked.atom[j]
    if (counts.installs[atom] >= k) continue
    for (let c = 0; c < arity; c++) tuple[c] = picked.atoms.keys[atom * arity + c]
    tuple[arity - 2] = Math.floor(tuple[arity - 2] / 24)
    const before = days.size
    const day = days.id(tuple)
    if (day === before) {
      dayAtom.push(atom)
      rest.push(0)
    }
    const install = table.install[picked.at[j]]
    if (install >= 0) {
      const seen = installs.size
      if (installs.pair(day, install) === seen) rest[day]++
    }
  }
  return dayAtom.map((atom, day) => ({
    key: keyOf(table, picked, atom),
    day: selection.from + days.keys[day * arity + arity - 2] * UNIT_MS.day,
    version: table.strings.values[picked.atoms.keys[atom * arity + arity - 1]],
    installs: rest[day],
  }))
}

/** The engine's `foldedInstalls`, by scanning: distinct installs over the day atoms with fewer than `k` installs (of one version when given). */
export const foldedInstalls = (
  table: Table,
  selection: Selection,
  columns: readonly KeyColumn[],
  k: number,
  version?: string,
): number => {
  const picked = pick(table, selection, columns, 'day')
  const counts = count(table, picked, false)
  const arity = columns.length + 2
  const wanted = version === undefined ? -1 : (table.strings.find(version) ?? -2)
  if (wanted === -2) return 0
  const seen = new Set<number>()
  for (let j = 0; j < picked.n; j++) {
    const atom = picked.atom[j]
    if (counts.installs[atom] >= k) continue
    if (wanted >= 0 && picked.atoms.keys[atom * arity + arity - 1] !== wanted) continue
    const install = table.install[picked.at[j]]
    if (install >= 0) seen.add(install)
  }
  return seen.size
}

/**
 * The engine's `flowResiduals`, by scanning the selection's page views by
 * (from, path, bucket, version): per page atom, distinct installs over its
 * flow atoms under `k` or from no screen, and its smallest flow atom of `k`
 * installs or more; the page atoms whose residual has 1 to `k` - 1 installs.
 */
export const flowResiduals = (table: Table, selection: Selection, k: number, unit: Unit): FlowResidual[] => {
  if (k <= 0) return []
  const picked = pick(table, { ...selection, types: ['page'] }, ['from', 'path'], unit)
  const counts = count(table, picked, false)
  const keys = picked.atoms.keys
  const empty = table.strings.find('') ?? -1
  const pages = new TupleIds(3)
  const residual: number[] = []
  const smallest: ({ from: string; events: number } | undefined)[] = []
  const pairs = new TupleIds(2, 1024)
  const pageOf = new Int32Array(picked.atoms.size).fill(-1)
  const page = (atom: number): number => {
    if (pageOf[atom] >= 0) return pageOf[atom]
    const before = pages.size
    const id = pages.id([keys[atom * 4 + 1], keys[atom * 4 + 2], keys[atom * 4 + 3]])
    if (id === before) {
      residual.push(0)
      smallest.push(undefined)
    }
    return (pageOf[atom] = id)
  }
  const folded = (atom: number): boolean => counts.installs[atom] < k || keys[atom * 4] === empty
  for (let j = 0; j < picked.n; j++) {
    const atom = picked.atom[j]
    if (!folded(atom)) continue
    const install = table.install[picked.at[j]]
    if (install < 0) continue
    const w = page(atom)
    const seen = pairs.size
    if (pairs.pair(w, install) === seen) residual[w]++
  }
  for (let atom = 0; atom < picked.atoms.size; atom++) {
    if (folded(atom)) continue
    const w = page(atom)
    smallest[w] = smallerFlow(smallest[w], {
      from: table.strings.values[keys[atom * 4]],
      events: counts.events[atom],
    })
  }
  const out: FlowResidual[] = []
  for (let w = 0; w < pages.size; w++) {
    if (residual[w] < 1 || residual[w] >= k) continue
    out.push({
      path: table.strings.values[pages.keys[w * 3]],
      bucket: selection.from + pages.keys[w * 3 + 1] * picked.unitMs,
      version: table.strings.values[pages.keys[w * 3 + 2]],
      installs: residual[w],
      smallest: smallest[w]?.from ?? null,
    })
  }
  return out
}
