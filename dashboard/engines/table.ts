/**
 * The ndjson engine's events in memory: one typed array per field, in the
 * order they arrived, strings and ids numbered, each event once by id (the
 * last copy, as ClickHouse's ReplacingMergeTree keeps: an earlier copy is
 * marked dead and taken out of the aggregates). Every event added or taken
 * out updates the day aggregates ({@link Cube}) at once, so that no question
 * waits for a sort or a scan of everything.
 */
import { clampTs, TYPES } from '../engine.js'
import { Cube } from './cube.js'
import { grow, TupleIds } from './maps.js'

/** Strings numbered from 0 (`''`) up. */
export class Dictionary {
  readonly values: string[] = ['']
  private readonly ids = new Map<string, number>([['', 0]])
  id(value: string): number {
    let id = this.ids.get(value)
    if (id === undefined) {
      id = this.values.length
      this.ids.set(value, id)
      this.values.push(value)
    }
    return id
  }
  find(value: string): number | undefined {
    return this.ids.get(value)
  }
}

/** An event's fields as the table takes them: strings and ids, not yet numbered. */
export interface EventFields {
  id: string
  type: string
  ts: number
  path: string
  from: string
  name: string
  app: string
  env: string
  version: string
  install: string
  session: string
}

/** A 64-bit FNV-1a hash of an event id, as two 32-bit halves. */
export const hashId = (id: string): [number, number] => {
  let lo = 0x811c9dc5
  let hi = 0x050c5d1f
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    lo = Math.imul(lo ^ c, 0x01000193) >>> 0
    hi = Math.imul(hi ^ c ^ (lo >>> 24), 0x01000193) >>> 0
  }
  return [hi, lo]
}

/** A type's number (255: not a type the dashboard knows). */
const typeCode = (type: string): number => {
  const code = TYPES.indexOf(type as (typeof TYPES)[number])
  return code < 0 ? 255 : code
}

const COLUMNS = [
  'ts',
  'type',
  'path',
  'from',
  'name',
  'scope',
  'version',
  'install',
  'session',
  'run',
  'alive',
  'hashHi',
  'hashLo',
] as const

/** The event columns, their dictionaries, and the day aggregates. */
export class Table {
  size = 0
  ts = new Float64Array(0)
  type = new Uint8Array(0)
  path = new Int32Array(0)
  from = new Int32Array(0)
  name = new Int32Array(0)
  scope = new Int32Array(0)
  version = new Int32Array(0)
  /** install number, -1 for none */
  install = new Int32Array(0)
  /** session number, -1 for none */
  session = new Int32Array(0)
  /** the (install, session) pair's number, -1 without a session */
  run = new Int32Array(0)
  alive = new Uint8Array(0)
  /** the event id's hash (for the index's segments) */
  hashHi = new Uint32Array(0)
  hashLo = new Uint32Array(0)
  readonly strings = new Dictionary()
  /** `app \u0000 env` pairs */
  readonly scopes = new Dictionary()
  readonly installs = new Dictionary()
  readonly sessions = new Dictionary()
  /** (install + 1, session) pairs */
  readonly runs = new TupleIds(2, 4096)
  /** the day aggregates of the alive events */
  readonly cube = new Cube(this)
  /** bumped by every event added or taken out */
  changes = 0
  // the id hash table: open addressing over (hi, lo) → event index + 1
  private slotsHi = new Uint32Array(1 << 16)
  private slotsLo = new Uint32Array(1 << 16)
  private slotsAt = new Int32Array(1 << 16)
  private used = 0

  /** Adds an event; a copy of an event already in the table replaces it. */
  add(event: EventFields, hash = hashId(event.id)): number {
    return this.addIds(
      clampTs(event.ts),
      typeCode(event.type),
      this.strings.id(event.path),
      this.strings.id(event.from),
      this.strings.id(event.name),
      this.scopes.id(`${event.app}\u0000${event.env}`),
      this.strings.id(event.version),
      event.install ? this.installs.id(event.install) : -1,
      event.session ? this.sessions.id(event.session) : -1,
      hash[0],
      hash[1],
    )
  }

  /** Adds an event already numbered; returns its index. */
  addIds(
    ts: number,
    type: number,
    path: number,
    from: number,
    name: number,
    scope: number,
    version: number,
    install: number,
    session: number,
    hi: number,
    lo: number,
  ): number {
    const at = this.size
    if (at >= this.ts.length) this.reserve(at + 1)
    this.size++
    this.ts[at] = ts
    this.type[at] = type
    this.path[at] = path
    this.from[at] = from
    this.name[at] = name
    this.scope[at] = scope
    this.version[at] = version
    this.install[at] = install
    this.session[at] = session
    this.run[at] = session < 0 ? -1 : this.runs.pair(install + 1, session)
    this.hashHi[at] = hi
    this.hashLo[at] = lo
    this.settle(at)
    return at
  }

  /** Adds `count` events column by column (a segment's, already numbered); returns their indices. */
  append(
    count: number,
    ts: Float64Array,
    type: Uint8Array,
    path: Int32Array,
    from: Int32Array,
    name: Int32Array,
    scope: Int32Array,
    version: Int32Array,
    install: Int32Array,
    session: Int32Array,
    hi: Uint32Array,
    lo: Uint32Array,
  ): Int32Array {
    const at = this.size
    this.reserve(at + count)
    this.ts.set(ts, at)
    this.type.set(type, at)
    this.path.set(path, at)
    this.from.set(from, at)
    this.name.set(name, at)
    this.scope.set(scope, at)
    this.version.set(version, at)
    this.install.set(install, at)
    this.session.set(session, at)
    this.hashHi.set(hi, at)
    this.hashLo.set(lo, at)
    this.size += count
    const indices = new Int32Array(count)
    for (let j = 0; j < count; j++) {
      const i = at + j
      indices[j] = i
      this.run[i] = session[j] < 0 ? -1 : this.runs.pair(install[j] + 1, session[j])
      this.settle(i)
    }
    return indices
  }

  /** Makes event `at` alive, the copy it replaces dead, and counts both in the aggregates. */
  private settle(at: number): void {
    this.alive[at] = 1
    const previous = this.claim(this.hashHi[at], this.hashLo[at], at)
    if (previous >= 0 && this.alive[previous]) {
      this.alive[previous] = 0
      this.cube.add(previous, -1)
    }
    this.cube.add(at, 1)
    this.changes++
  }

  /** The index of the alive event with this id hash, or -1. */
  find(hi: number, lo: number): number {
    const mask = this.slotsAt.length - 1
    for (let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask; this.slotsAt[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.slotsHi[slot] === hi && this.slotsLo[slot] === lo)
        return this.alive[this.slotsAt[slot] - 1] ? this.slotsAt[slot] - 1 : -1
    }
    return -1
  }

  /** Records the event's id hash; returns the index of an earlier event with the same id, or -1. */
  private claim(hi: number, lo: number, at: number): number {
    if ((this.used + 1) * 2 > this.slotsAt.length) this.rehash(this.slotsAt.length * 2)
    const mask = this.slotsAt.length - 1
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask
    for (;;) {
      const taken = this.slotsAt[slot]
      if (taken === 0) {
        this.slotsHi[slot] = hi
        this.slotsLo[slot] = lo
        this.slotsAt[slot] = at + 1
        this.used++
        return -1
      }
      if (this.slotsHi[slot] === hi && this.slotsLo[slot] === lo) {
        this.slotsAt[slot] = at + 1
        return taken - 1
      }
      slot = (slot + 1) & mask
    }
  }

  private rehash(size: number): void {
    const [hiOld, loOld, atOld] = [this.slotsHi, this.slotsLo, this.slotsAt]
    this.slotsHi = new Uint32Array(size)
    this.slotsLo = new Uint32Array(size)
    this.slotsAt = new Int32Array(size)
    this.used = 0
    const mask = size - 1
    for (let i = 0; i < atOld.length; i++) {
      if (!atOld[i]) continue
      let slot = (loOld[i] ^ Math.imul(hiOld[i], 0x9e3779b1)) & mask
      while (this.slotsAt[slot]) slot = (slot + 1) & mask
      this.slotsHi[slot] = hiOld[i]
      this.slotsLo[slot] = loOld[i]
      this.slotsAt[slot] = atOld[i]
      this.used++
    }
  }

  /** Room for `wanted` events in all, without growing on the way. */
  reserve(wanted: number): void {
    if (wanted > this.ts.length) {
      const size = Math.max(wanted, this.ts.length * 2, 1024)
      for (const name of COLUMNS) (this as unknown as Record<string, unknown>)[name] = grow(this[name], size)
    }
    let slots = this.slotsAt.length
    while (wanted * 2 > slots) slots *= 2
    if (slots > this.slotsAt.length) this.rehash(slots)
  }
}
