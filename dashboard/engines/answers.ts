/**
 * The views' questions answered from the day aggregates (cube.ts): which
 * dimension a selection is, then a walk over its atoms in the period, and
 * for unions over the released atoms' install (and session) lists. A
 * question no dimension answers (another key, another filter, hours) is
 * answered by a scan (scan.ts), with the same results.
 */
import type { Atom, FlowResidual, KeyColumn, Scope, Selection, Union } from '../engine.js'
import { atomId, TYPES } from '../engine.js'
import { DIM } from './cube.js'
import { TupleIds } from './maps.js'
import type { Table } from './table.js'

const DAY = 86_400_000

/** A selection as a dimension: its atoms with `a` (and `b`) equal to these when given, and how an atom's key reads. */
interface Plan {
  scope: number
  dim: number
  a?: number
  b?: number
  key: (a: number, b: number) => string[]
}

const same = (types: readonly string[], wanted: readonly string[]): boolean =>
  types.length === wanted.length && wanted.every(type => types.includes(type))
const columns = (key: readonly KeyColumn[]): string => key.join(',')

/** The dimension that answers a selection by this key, null when none has an event of it, undefined when no dimension answers it. */
export const plan = (
  table: Table,
  selection: Selection,
  key: readonly KeyColumn[],
  sessions: boolean,
): Plan | null | undefined => {
  const where = selection.where ?? {}
  const filters = Object.keys(where).filter(name => where[name as keyof typeof where] !== undefined)
  const text = (id: number): string => table.strings.values[id]
  const id = (value: string): number => table.strings.find(value) ?? -1
  let found: Omit<Plan, 'scope'> | null | undefined
  const { types } = selection
  if (same(types, TYPES) && !filters.length && !key.length) found = { dim: DIM.all, key: () => [] }
  else if (same(types, ['page']) && !filters.length && columns(key) === 'path')
    found = { dim: DIM.page, key: a => [text(a)] }
  else if (same(types, ['page']) && filters.join() === 'path' && !key.length)
    found = id(where.path!) < 0 ? null : { dim: DIM.page, a: id(where.path!), key: () => [] }
  else if (same(types, ['page']) && filters.join() === 'from' && columns(key) === 'path')
    found = id(where.from!) < 0 ? null : { dim: DIM.flow, a: id(where.from!), key: (_, b) => [text(b)] }
  else if (same(types, ['track', 'action']) && !filters.length && columns(key) === 'type,name')
    found = { dim: DIM.named, key: (a, b) => [TYPES[a], text(b)] }
  else if (
    types.length === 1 &&
    (types[0] === 'track' || types[0] === 'action') &&
    filters.join() === 'name' &&
    !key.length
  ) {
    found =
      id(where.name!) < 0 ? null : { dim: DIM.named, a: TYPES.indexOf(types[0]), b: id(where.name!), key: () => [] }
  } else if (same(types, ['error']) && !filters.length && columns(key) === 'name,path')
    found = { dim: DIM.error, key: (a, b) => [text(a), text(b)] }
  if (found === undefined || (found && sessions && !table.cube.countsSessions(found.dim))) return undefined
  const scope = table.scopes.find(`${selection.app}\u0000${selection.env}`)
  if (found === null || scope === undefined) return null
  return { scope, ...found }
}

/** The atoms of a plan in the selection's period that have events. */
const chosen = (table: Table, selection: Selection, p: Plan): number[] => {
  const cube = table.cube
  const [first, last] = [Math.ceil(selection.from / DAY), Math.ceil(selection.to / DAY)]
  const out: number[] = []
  for (const atom of cube.atomsOf(p.scope, p.dim)) {
    const day = cube.part(atom, 4)
    if (day < first || day >= last || cube.events[atom] <= 0) continue
    if ((p.a !== undefined && cube.part(atom, 2) !== p.a) || (p.b !== undefined && cube.part(atom, 3) !== p.b)) continue
    out.push(atom)
  }
  return out
}

/** The engine's `atoms` by the day, from a plan. */
export const atoms = (table: Table, selection: Selection, p: Plan, sessions: boolean): Atom[] => {
  const cube = table.cube
  return chosen(table, selection, p).map(atom => ({
    key: p.key(cube.part(atom, 2), cube.part(atom, 3)),
    bucket: cube.part(atom, 4) * DAY,
    version: table.strings.values[cube.part(atom, 5)],
    events: cube.events[atom],
    installs: cube.installs.of(atom),
    sessions: sessions ? cube.sessions.of(atom) : 0,
  }))
}

/** The engine's `unions`, from a plan: each group's released atoms, then their install and session lists, each member counted once per group. */
export const unions = (
  table: Table,
  selection: Selection,
  p: Plan,
  k: number,
  byVersion: boolean,
  sessions: boolean,
  skip?: ReadonlySet<string>,
): Union[] => {
  const cube = table.cube
  const groups = new Map<string, number[]>()
  const skipped = (atom: number): boolean =>
    !!skip?.size &&
    skip.has(
      atomId(
        p.key(cube.part(atom, 2), cube.part(atom, 3)),
        cube.part(atom, 4) * DAY,
        table.strings.values[cube.part(atom, 5)],
      ),
    )
  for (const atom of chosen(table, selection, p)) {
    if (cube.installs.of(atom) < k || skipped(atom)) continue
    const id = `${cube.part(atom, 2)} ${cube.part(atom, 3)}${byVersion ? ` ${cube.part(atom, 5)}` : ''}`
    let list = groups.get(id)
    if (!list) groups.set(id, (list = []))
    list.push(atom)
  }
  const installs = cube.installLists()
  const runs = sessions ? cube.sessionLists() : undefined
  const installMarks = new Int32Array(table.installs.values.length).fill(-1)
  const runMarks = runs ? new Int32Array(table.runs.size).fill(-1) : undefined
  const distinct = (
    lists: { starts: Int32Array; members: Int32Array },
    marks: Int32Array,
    atoms: number[],
    group: number,
  ): number => {
    let n = 0
    for (const atom of atoms) {
      for (let at = lists.starts[atom]; at < lists.starts[atom + 1]; at++) {
        const member = lists.members[at]
        if (marks[member] !== group) {
          marks[member] = group
          n++
        }
      }
    }
    return n
  }
  const out: Union[] = []
  let group = 0
  for (const atoms of groups.values()) {
    const first = atoms[0]
    const key = p.key(cube.part(first, 2), cube.part(first, 3))
    const union: Union = {
      key,
      installs: distinct(installs, installMarks, atoms, group),
      sessions: runs && runMarks ? distinct(runs, runMarks, atoms, group) : 0,
    }
    out.push(
      byVersion
        ? {
            key,
            version: table.strings.values[cube.part(first, 5)],
            installs: union.installs,
            sessions: union.sessions,
          }
        : union,
    )
    group++
  }
  return out
}

/** The engine's `foldedInstalls`, from a plan: distinct installs over the install lists of the atoms under `k` (of one version when given). */
export const foldedInstalls = (table: Table, selection: Selection, p: Plan, k: number, version?: string): number => {
  const cube = table.cube
  const wanted = version === undefined ? -1 : (table.strings.find(version) ?? -2)
  if (wanted === -2) return 0
  const folded = chosen(table, selection, p).filter(
    atom => cube.installs.of(atom) < k && (wanted < 0 || cube.part(atom, 5) === wanted),
  )
  if (!folded.length) return 0
  const lists = cube.installLists()
  const seen = new Uint8Array(table.installs.values.length)
  let n = 0
  for (const atom of folded)
    for (let at = lists.starts[atom]; at < lists.starts[atom + 1]; at++) {
      const member = lists.members[at]
      if (!seen[member]) {
        seen[member] = 1
        n++
      }
    }
  return n
}

/**
 * The engine's `flowResiduals` by the day, from the flow atoms (from, path, day,
 * version): per page atom, distinct installs over the install lists of its flow
 * atoms under `k` or from no screen, and its smallest flow atom of `k` installs or more.
 */
export const flowResiduals = (table: Table, selection: Selection, k: number): FlowResidual[] => {
  const scope = table.scopes.find(`${selection.app}\u0000${selection.env}`)
  if (k <= 0 || scope === undefined) return []
  const cube = table.cube
  const empty = table.strings.find('') ?? -1
  const flows = chosen(table, selection, { scope, dim: DIM.flow, key: () => [] })
  // page atoms (path, day, version), numbered; per page atom its first flow atom, its folded ones (a chain), its smallest shown one
  const pages = new TupleIds(3, 1024)
  const tuple = [0, 0, 0]
  const first: number[] = []
  const folded: number[] = []
  const smallest: number[] = []
  const next = new Map<number, number>()
  const from = (atom: number): string => table.strings.values[cube.part(atom, 2)]
  for (const atom of flows) {
    tuple[0] = cube.part(atom, 3)
    tuple[1] = cube.part(atom, 4)
    tuple[2] = cube.part(atom, 5)
    const before = pages.size
    const page = pages.id(tuple)
    if (page === before) {
      first.push(atom)
      folded.push(-1)
      smallest.push(-1)
    }
    if (cube.installs.of(atom) < k || cube.part(atom, 2) === empty) {
      if (folded[page] >= 0) next.set(atom, folded[page])
      folded[page] = atom
    } else {
      const best = smallest[page]
      const events = cube.events[atom]
      if (best < 0 || events < cube.events[best] || (events === cube.events[best] && from(atom) < from(best)))
        smallest[page] = atom
    }
  }
  const lists = cube.installLists()
  const marks = new Int32Array(table.installs.values.length).fill(-1)
  const out: FlowResidual[] = []
  for (let page = 0; page < pages.size; page++) {
    let n = 0
    for (let atom = folded[page]; atom >= 0 && n < k; atom = next.get(atom) ?? -1)
      for (let at = lists.starts[atom]; at < lists.starts[atom + 1]; at++) {
        const member = lists.members[at]
        if (marks[member] !== page) {
          marks[member] = page
          n++
        }
      }
    if (n < 1 || n >= k) continue
    const atom = first[page]
    out.push({
      path: table.strings.values[cube.part(atom, 3)],
      bucket: cube.part(atom, 4) * DAY,
      version: table.strings.values[cube.part(atom, 5)],
      installs: n,
      smallest: smallest[page] >= 0 ? from(smallest[page]) : null,
    })
  }
  return out
}

/** The engine's `scopes`: every app and environment with events, and its distinct installs over all time. */
export const scopes = (table: Table): Scope[] => {
  const out: Scope[] = []
  const cube = table.cube
  table.scopes.values.forEach((value, scope) => {
    if (!(cube.scopeEvents[scope] > 0)) return
    const [app, env] = value.split('\u0000')
    out.push({ app, env, installs: cube.scopeInstalls.of(scope) })
  })
  return out
}
