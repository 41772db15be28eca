/**
 * The ndjson engine's day aggregates, kept up to date as events arrive (and
 * leave, when a later copy replaces one): per *atom* (a scope, a dimension,
 * its key, a UTC day and an app version) the events, and which installs and
 * sessions are in it, counted, so that an atom's distinct installs are known
 * at once and a union over atoms is a walk over their lists, not over events.
 *
 * The dimensions are the views' questions: every event (installs, versions),
 * page views by path (screens; one screen by version), track and action
 * events by type and name (actions; one action by version), errors by name
 * and path, page views by the screen they came from and their path (flows).
 */
import type { Table } from './table.js'
import { grow, PairCounts, TupleIds } from './maps.js'

/** The dimensions. */
export const DIM = { all: 0, page: 1, named: 2, error: 3, flow: 4 } as const
/** Dimensions whose atoms count sessions. */
const WITH_SESSIONS = [true, true, true, false, false]

const DAY = 86_400_000
const PAGE = 0
const TRACK = 1
const ACTION = 2
const ERROR = 4

/** The day aggregates of a table's alive events. */
export class Cube {
  /** (scope, dimension, a, b, day, version) → atom */
  readonly atoms = new TupleIds(6, 4096)
  /** events per atom */
  events = new Int32Array(4096)
  /** (atom, install) */
  readonly installs = new PairCounts()
  /** (atom, install-and-session), in the dimensions that count sessions */
  readonly sessions = new PairCounts()
  /** (scope, install) over all time */
  readonly scopeInstalls = new PairCounts()
  /** events per scope over all time */
  scopeEvents = new Int32Array(16)
  /** the atoms of each (scope, dimension), in the order made */
  private readonly lists = new Map<number, number[]>()
  private readonly tuple = [0, 0, 0, 0, 0, 0]
  private installCache: { version: number; size: number; value: ReturnType<PairCounts['lists']> } | undefined
  private sessionCache: { version: number; size: number; value: ReturnType<PairCounts['lists']> } | undefined

  constructor(private readonly table: Table) {}

  /** Counts event `i` in (sign 1) or out of (-1) its atoms. */
  add(i: number, sign: 1 | -1): void {
    const t = this.table
    const scope = t.scope[i]
    const install = t.install[i]
    if (scope >= this.scopeEvents.length) this.scopeEvents = grow(this.scopeEvents, scope + 1)
    this.scopeEvents[scope] += sign
    if (install >= 0) this.scopeInstalls.add(scope, install, sign)
    const type = t.type[i]
    if (type === 255) return
    const day = Math.floor(t.ts[i] / DAY)
    const version = t.version[i]
    const run = t.run[i]
    this.count(scope, DIM.all, 0, 0, day, version, install, run, sign)
    if (type === PAGE) {
      this.count(scope, DIM.page, t.path[i], 0, day, version, install, run, sign)
      this.count(scope, DIM.flow, t.from[i], t.path[i], day, version, install, run, sign)
    } else if (type === TRACK || type === ACTION)
      this.count(scope, DIM.named, type, t.name[i], day, version, install, run, sign)
    else if (type === ERROR) this.count(scope, DIM.error, t.name[i], t.path[i], day, version, install, run, sign)
  }

  private count(
    scope: number,
    dim: number,
    a: number,
    b: number,
    day: number,
    version: number,
    install: number,
    run: number,
    sign: 1 | -1,
  ): void {
    const tuple = this.tuple
    tuple[0] = scope
    tuple[1] = dim
    tuple[2] = a
    tuple[3] = b
    tuple[4] = day
    tuple[5] = version
    const before = this.atoms.size
    const atom = this.atoms.id(tuple)
    if (atom === before) {
      if (atom >= this.events.length) this.events = grow(this.events, atom + 1)
      const list = scope * 8 + dim
      let atoms = this.lists.get(list)
      if (!atoms) this.lists.set(list, (atoms = []))
      atoms.push(atom)
    }
    this.events[atom] += sign
    if (install >= 0) this.installs.add(atom, install, sign)
    if (run >= 0 && WITH_SESSIONS[dim]) this.sessions.add(atom, run, sign)
  }

  /** Does this dimension count sessions? */
  countsSessions(dim: number): boolean {
    return WITH_SESSIONS[dim]
  }

  /** The atoms of a scope and dimension (some may have no events left). */
  atomsOf(scope: number, dim: number): readonly number[] {
    return this.lists.get(scope * 8 + dim) ?? []
  }

  /** An atom's (scope, dimension, a, b, day, version). */
  part(atom: number, field: 0 | 1 | 2 | 3 | 4 | 5): number {
    return this.atoms.keys[atom * 6 + field]
  }

  /** Each atom's installs, as lists (rebuilt after changes). */
  installLists(): ReturnType<PairCounts['lists']> {
    const size = this.atoms.size
    if (this.installCache?.version !== this.installs.version || this.installCache.size !== size)
      this.installCache = { version: this.installs.version, size, value: this.installs.lists(size) }
    return this.installCache.value
  }

  /** Each atom's sessions, as lists (rebuilt after changes). */
  sessionLists(): ReturnType<PairCounts['lists']> {
    const size = this.atoms.size
    if (this.sessionCache?.version !== this.sessions.version || this.sessionCache.size !== size)
      this.sessionCache = { version: this.sessions.version, size, value: this.sessions.lists(size) }
    return this.sessionCache.value
  }

  /** Room for `events` events' atoms and pairs. */
  reserve(events: number): void {
    this.installs.reserve(events)
    this.sessions.reserve(events)
  }
}
