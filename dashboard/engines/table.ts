/**
 * The ndjson engine's events in memory: one typed array per field, strings
 * and ids numbered, each event once by id (the last copy, as ClickHouse's
 * ReplacingMergeTree keeps). Queries scan the events in install, session and
 * time order, so that the events of one install (and of one session) are
 * consecutive: a distinct count is then "a new install since the last one
 * seen in this group", with no set in memory.
 */
import { clampTs, TYPES } from '../engine.js'

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

const grow = <T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(array: T, size: number): T => {
  if (array.length >= size) return array
  const next = new (array.constructor as new (n: number) => T)(Math.max(size, array.length * 2, 1024))
  next.set(array)
  return next
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

/** The event columns, their dictionaries, and the scan order. */
export class Table {
  size = 0
  ts = new Float64Array(0)
  type = new Uint8Array(0)
  path = new Int32Array(0)
  from = new Int32Array(0)
  name = new Int32Array(0)
  scope = new Int32Array(0)
  version = new Int32Array(0)
  install = new Int32Array(0)
  session = new Int32Array(0)
  alive = new Uint8Array(0)
  /** the event id's hash (for the index's segments) */
  hashHi = new Uint32Array(0)
  hashLo = new Uint32Array(0)
  readonly strings = new Dictionary()
  /** `app \u0000 env` pairs */
  readonly scopes = new Dictionary()
  readonly installs = new Dictionary()
  readonly sessions = new Dictionary()
  /** the alive events by install, session, then time, in columns of their own (scans read memory in order) */
  private snapshot: Snapshot = emptySnapshot()
  private clean = true
  // the id hash table: open addressing over (hi, lo) → event index + 1
  private slotsHi = new Uint32Array(1 << 16)
  private slotsLo = new Uint32Array(1 << 16)
  private slotsAt = new Int32Array(1 << 16)
  private used = 0

  /** Adds an event; a copy of an event already in the table replaces it. */
  add(event: EventFields, hash = hashId(event.id)): number {
    const type = TYPES.indexOf(event.type as (typeof TYPES)[number])
    return this.addIds(
      clampTs(event.ts),
      type < 0 ? 255 : type,
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

  /** Adds an event already numbered (a segment of the index); returns its index. */
  addIds(ts: number, type: number, path: number, from: number, name: number, scope: number, version: number, install: number, session: number, hi: number, lo: number): number {
    const at = this.size++
    if (at >= this.ts.length) {
      const size = at + 1
      this.ts = grow(this.ts, size)
      this.type = grow(this.type, size)
      this.path = grow(this.path, size)
      this.from = grow(this.from, size)
      this.name = grow(this.name, size)
      this.scope = grow(this.scope, size)
      this.version = grow(this.version, size)
      this.install = grow(this.install, size)
      this.session = grow(this.session, size)
      this.alive = grow(this.alive, size)
      this.hashHi = grow(this.hashHi, size)
      this.hashLo = grow(this.hashLo, size)
    }
    this.ts[at] = ts
    this.type[at] = type
    this.path[at] = path
    this.from[at] = from
    this.name[at] = name
    this.scope[at] = scope
    this.version[at] = version
    this.install[at] = install
    this.session[at] = session
    this.hashHi[at] = hi
    this.hashLo[at] = lo
    this.alive[at] = 1
    const previous = this.claim(hi, lo, at)
    if (previous >= 0) this.alive[previous] = 0
    this.clean = false
    return at
  }

  /** Adds `count` events column by column (a segment's, already numbered); returns their indices. */
  append(count: number, ts: Float64Array, type: Uint8Array, path: Int32Array, from: Int32Array, name: Int32Array, scope: Int32Array, version: Int32Array, install: Int32Array, session: Int32Array, hi: Uint32Array, lo: Uint32Array): Int32Array {
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
    this.alive.fill(1, at, at + count)
    this.size += count
    const indices = new Int32Array(count)
    for (let j = 0; j < count; j++) {
      indices[j] = at + j
      const previous = this.claim(hi[j], lo[j], at + j)
      if (previous >= 0) this.alive[previous] = 0
    }
    this.clean = false
    return indices
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

  /** Room for `size` events in all, without growing on the way. */
  reserve(wanted: number): void {
    if (wanted <= this.ts.length) return
    const size = Math.max(wanted, this.ts.length * 2)
    for (const name of ['ts', 'type', 'path', 'from', 'name', 'scope', 'version', 'install', 'session', 'alive', 'hashHi', 'hashLo'] as const) {
      const array = this[name]
      const next = new (array.constructor as new (n: number) => typeof array)(size)
      next.set(array as never)
      ;(this as unknown as Record<string, unknown>)[name] = next
    }
    let slots = this.slotsAt.length
    while (wanted * 2 > slots) slots *= 2
    if (slots > this.slotsAt.length) this.rehash(slots)
  }

  /**
   * The alive events sorted by install, then session, then time: two stable
   * counting sorts (session, then install) over the arrival order, then an
   * insertion sort by time within each (install, session) run, which arrival
   * order leaves nearly sorted; the columns are then copied in that order.
   */
  inOrder(): Snapshot {
    if (this.clean) return this.snapshot
    const n = this.size
    const nSessions = this.sessions.values.length
    const nInstalls = this.installs.values.length
    let alive = 0
    for (let i = 0; i < n; i++) alive += this.alive[i]
    const bySession = countingSort(n, alive, nSessions + 1, i => (this.session[i] < 0 ? nSessions : this.session[i]), i => this.alive[i] === 1, null)
    const order = countingSort(alive, alive, nInstalls + 1, i => (this.install[i] < 0 ? nInstalls : this.install[i]), () => true, bySession)
    const runs = new Int32Array(alive)
    let run = -1
    for (let p = 0; p < alive; p++) {
      const i = order[p]
      if (p === 0 || this.install[i] !== this.install[order[p - 1]] || this.session[i] !== this.session[order[p - 1]]) run++
      runs[p] = run
      // insertion sort by time within the run (stable for equal times)
      let q = p
      while (q > 0 && runs[q - 1] === run && this.ts[order[q - 1]] > this.ts[i]) {
        order[q] = order[q - 1]
        q--
      }
      order[q] = i
    }
    const gather = <T extends Float64Array | Int32Array | Uint8Array>(column: T): T => {
      const out = new (column.constructor as new (n: number) => T)(alive)
      for (let p = 0; p < alive; p++) out[p] = column[order[p]]
      return out
    }
    this.snapshot = {
      n: alive,
      ts: gather(this.ts),
      type: gather(this.type),
      path: gather(this.path),
      from: gather(this.from),
      name: gather(this.name),
      scope: gather(this.scope),
      version: gather(this.version),
      install: gather(this.install),
      session: gather(this.session),
      runs,
    }
    this.clean = true
    return this.snapshot
  }
}

/** The alive events in scan order (install, session, time), column by column. */
export interface Snapshot {
  n: number
  ts: Float64Array
  type: Uint8Array
  path: Int32Array
  from: Int32Array
  name: Int32Array
  scope: Int32Array
  version: Int32Array
  install: Int32Array
  session: Int32Array
  /** the number of each event's (install, session) run */
  runs: Int32Array
}

const emptySnapshot = (): Snapshot => ({ n: 0, ts: new Float64Array(0), type: new Uint8Array(0), path: new Int32Array(0), from: new Int32Array(0), name: new Int32Array(0), scope: new Int32Array(0), version: new Int32Array(0), install: new Int32Array(0), session: new Int32Array(0), runs: new Int32Array(0) })

/** A stable counting sort of `count` items (indices 0..n-1, or the entries of `input`) by `keyOf`, keeping those `keep` accepts. */
const countingSort = (n: number, count: number, keys: number, keyOf: (i: number) => number, keep: (i: number) => boolean, input: Int32Array | null): Int32Array => {
  const starts = new Int32Array(keys + 1)
  for (let p = 0; p < n; p++) {
    const i = input ? input[p] : p
    if (keep(i)) starts[keyOf(i) + 1]++
  }
  for (let key = 0; key < keys; key++) starts[key + 1] += starts[key]
  const out = new Int32Array(count)
  for (let p = 0; p < n; p++) {
    const i = input ? input[p] : p
    if (keep(i)) out[starts[keyOf(i)]++] = i
  }
  return out
}
