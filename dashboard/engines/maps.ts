/**
 * Hash maps over small tuples of 32-bit integers, in typed arrays (no object
 * per entry): the ndjson engine numbers strings, then pairs and tuples of
 * numbers (an install's session, an atom, an atom's install), millions of
 * times at start-up and once per stored event after.
 */

/** Mixes a 32-bit integer into a hash (murmur3's finalizer steps). */
const mix = (h: number, value: number): number => {
  let k = Math.imul(value, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  h ^= Math.imul(k, 0x1b873593)
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

const finish = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** Tuples of `arity` integers numbered 0, 1, 2… in the order first seen. */
export class TupleIds {
  /** the tuples, `arity` integers each, by number */
  keys: Int32Array
  size = 0
  private slots: Int32Array
  private readonly probe: number[]

  constructor(
    readonly arity: number,
    capacity = 1024,
  ) {
    this.keys = new Int32Array(capacity * arity)
    this.slots = new Int32Array(slotsFor(capacity)).fill(-1)
    this.probe = new Array<number>(arity).fill(0)
  }

  private hash(tuple: ArrayLike<number>): number {
    let h = this.arity
    for (let i = 0; i < this.arity; i++) h = mix(h, tuple[i])
    return finish(h)
  }

  private same(id: number, tuple: ArrayLike<number>): boolean {
    const at = id * this.arity
    for (let i = 0; i < this.arity; i++) if (this.keys[at + i] !== tuple[i]) return false
    return true
  }

  /** The tuple's number, or -1. */
  find(tuple: ArrayLike<number>): number {
    const mask = this.slots.length - 1
    for (let slot = this.hash(tuple) & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot]
      if (id < 0) return -1
      if (this.same(id, tuple)) return id
    }
  }

  /** The tuple's number, numbering it if new. */
  id(tuple: ArrayLike<number>): number {
    if ((this.size + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2)
    const mask = this.slots.length - 1
    let slot = this.hash(tuple) & mask
    for (; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot]
      if (id < 0) break
      if (this.same(id, tuple)) return id
    }
    const id = this.size++
    if (this.size * this.arity > this.keys.length) {
      const keys = new Int32Array(this.keys.length * 2)
      keys.set(this.keys)
      this.keys = keys
    }
    for (let i = 0; i < this.arity; i++) this.keys[id * this.arity + i] = tuple[i]
    this.slots[slot] = id
    return id
  }

  /** The number of a pair (arity 2). */
  pair(a: number, b: number): number {
    this.probe[0] = a
    this.probe[1] = b
    return this.id(this.probe)
  }

  /** The number of a pair (arity 2), or -1. */
  findPair(a: number, b: number): number {
    this.probe[0] = a
    this.probe[1] = b
    return this.find(this.probe)
  }

  /** Room for `count` tuples without growing on the way. */
  reserve(count: number): void {
    if (count * 2 > this.slots.length) this.rehash(slotsFor(count))
    if (count * this.arity > this.keys.length) {
      const keys = new Int32Array(count * this.arity)
      keys.set(this.keys.subarray(0, this.size * this.arity))
      this.keys = keys
    }
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size).fill(-1)
    const mask = size - 1
    const tuple = new Array<number>(this.arity)
    for (let id = 0; id < this.size; id++) {
      for (let i = 0; i < this.arity; i++) tuple[i] = this.keys[id * this.arity + i]
      let slot = this.hash(tuple) & mask
      while (this.slots[slot] >= 0) slot = (slot + 1) & mask
      this.slots[slot] = id
    }
  }
}

/** A power of two of at least twice `count` (and 16). */
const slotsFor = (count: number): number => {
  let size = 16
  while (size < count * 2) size *= 2
  return size
}

/**
 * How many times each (group, member) pair was added, less removals, and per
 * group how many distinct members it has now (pairs with a count above 0).
 */
export class PairCounts {
  private readonly pairs = new TupleIds(2, 4096)
  /** per pair: its count */
  private counts = new Int32Array(4096)
  /** per group: its distinct members */
  distinct = new Int32Array(1024)
  /** bumped by every change of membership */
  version = 0

  /** Adds (or removes, with -1) one occurrence of `member` in `group`. */
  add(group: number, member: number, sign: 1 | -1): void {
    const pair = this.pairs.pair(group, member)
    if (pair >= this.counts.length) this.counts = grow(this.counts, pair + 1)
    if (group >= this.distinct.length) this.distinct = grow(this.distinct, group + 1)
    const before = this.counts[pair]
    const after = before + sign
    this.counts[pair] = after
    if (before <= 0 && after > 0) {
      this.distinct[group]++
      this.version++
    } else if (before > 0 && after <= 0) {
      this.distinct[group]--
      this.version++
    }
  }

  /** Distinct members of a group. */
  of(group: number): number {
    return group < this.distinct.length ? this.distinct[group] : 0
  }

  /** Room for `count` pairs. */
  reserve(count: number): void {
    this.pairs.reserve(count)
    if (count > this.counts.length) this.counts = grow(this.counts, count)
  }

  /** Each group's members as one list (`members[starts[g]..starts[g + 1]]`), for `groups` groups. */
  lists(groups: number): { starts: Int32Array; members: Int32Array } {
    const starts = new Int32Array(groups + 1)
    const { keys, size } = this.pairs
    for (let pair = 0; pair < size; pair++)
      if (this.counts[pair] > 0 && keys[pair * 2] < groups) starts[keys[pair * 2] + 1]++
    for (let g = 0; g < groups; g++) starts[g + 1] += starts[g]
    const members = new Int32Array(starts[groups])
    const fill = starts.slice(0, groups)
    for (let pair = 0; pair < size; pair++) {
      const group = keys[pair * 2]
      if (this.counts[pair] > 0 && group < groups) members[fill[group]++] = keys[pair * 2 + 1]
    }
    return { starts, members }
  }
}

/** A copy of a typed array with room for `size` (at least doubled). */
export const grow = <T extends Int32Array | Float64Array | Uint8Array | Uint32Array>(array: T, size: number): T => {
  if (array.length >= size) return array
  const next = new (array.constructor as new (n: number) => T)(Math.max(size, array.length * 2, 1024))
  next.set(array)
  return next
}
