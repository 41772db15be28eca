/**
 * Exactly once: a bounded window of the event ids stored last, plus the ids
 * being written right now (a concurrent retry waits for that write's outcome
 * instead of writing the same events again).
 */

/** What {@link Dedupe.claim} gives: which ids to write, which writes to wait for, and how to record the outcome. */
export interface Claim {
  /** For each id, whether this request writes it (false: stored before, in flight elsewhere, or repeated). */
  fresh: boolean[]
  /** The in-flight writes of other requests that carry some of the ids: each resolves to whether it stored them. */
  waitFor: Promise<boolean>[]
  /** Records the outcome of this request's write: stored (remembered) or not (released for a retry). */
  settle(stored: boolean): void
}

export interface Dedupe {
  /** Claims the ids not stored nor in flight. Call `settle` on the result once the write is done. */
  claim(ids: readonly string[]): Claim
  /** Remembers ids stored before (after a restart). */
  seed(ids: readonly string[]): void
  /** How many ids are remembered. */
  readonly size: number
}

/** Two independent 32-bit hashes of an id (64 bits together), left in `fa` and `fb`. */
let fa = 0
let fb = 0
const fingerprint = (id: string): void => {
  let a = 0x811c9dc5 | 0
  let b = 0x9e3779b9 | 0
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  fa = a ^ (a >>> 16)
  fb = b
}

/**
 * A set of 64-bit fingerprints in typed arrays (open addressing, linear
 * probing, backward-shift deletion): no strings kept alive, few cache misses.
 * Two different ids share a fingerprint with a probability of about one in
 * 10^14 for a full window.
 */
const fingerprintSet = (entries: number) => {
  let capacity = 16
  while (capacity < entries * 2) capacity *= 2
  const mask = capacity - 1
  const as = new Int32Array(capacity)
  const bs = new Int32Array(capacity)
  const full = new Uint8Array(capacity)
  /** the slot of (a, b), or -1 - the empty slot where it would go */
  const find = (a: number, b: number): number => {
    let i = a & mask
    while (full[i]) {
      if (as[i] === a && bs[i] === b) return i
      i = (i + 1) & mask
    }
    return -1 - i
  }
  return {
    has: (a: number, b: number): boolean => find(a, b) >= 0,
    add: (a: number, b: number): void => {
      const found = find(a, b)
      if (found >= 0) return
      const i = -1 - found
      as[i] = a
      bs[i] = b
      full[i] = 1
    },
    delete: (a: number, b: number): void => {
      let hole = find(a, b)
      if (hole < 0) return
      full[hole] = 0
      // shift back the entries that probed past the hole
      for (let j = (hole + 1) & mask; full[j]; j = (j + 1) & mask) {
        if (((j - (as[j] & mask)) & mask) >= ((j - hole) & mask)) {
          as[hole] = as[j]
          bs[hole] = bs[j]
          full[hole] = 1
          full[j] = 0
          hole = j
        }
      }
    },
  }
}

/**
 * Creates a window remembering up to `size` ids (the oldest forgotten first).
 *
 * @example
 * ```ts
 * const dedupe = createDedupe(100_000)
 * const claim = dedupe.claim(events.map(e => e.id))
 * ```
 */
export const createDedupe = (size: number): Dedupe => {
  const seen = fingerprintSet(size)
  // the ids being written (few: a small map) and the outcome of their write
  const pending = new Map<string, Promise<boolean>>()
  // the fingerprints in the order they were remembered, a ring: the oldest is forgotten first
  const ringA = new Int32Array(size)
  const ringB = new Int32Array(size)
  let next = 0
  let count = 0
  const remember = (): void => {
    if (!size) return
    if (count === size) seen.delete(ringA[next], ringB[next])
    else count++
    seen.add(fa, fb)
    ringA[next] = fa
    ringB[next] = fb
    next = (next + 1) % size
  }
  return {
    claim: ids => {
      let settle!: (stored: boolean) => void
      const outcome = new Promise<boolean>(resolve => (settle = resolve))
      const fresh: boolean[] = new Array(ids.length)
      let waitFor: Set<Promise<boolean>> | undefined
      const mine: string[] = []
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]
        const other = pending.size ? pending.get(id) : undefined
        fingerprint(id)
        if (other === undefined && !seen.has(fa, fb)) {
          pending.set(id, outcome)
          mine.push(id)
          fresh[i] = true
        } else {
          if (other !== undefined && other !== outcome) (waitFor ??= new Set()).add(other)
          fresh[i] = false
        }
      }
      return {
        fresh,
        waitFor: waitFor ? [...waitFor] : [],
        settle: ok => {
          for (const id of mine) {
            pending.delete(id)
            if (ok) {
              fingerprint(id)
              remember()
            }
          }
          settle(ok)
        },
      }
    },
    seed: ids => {
      for (const id of ids) {
        fingerprint(id)
        if (!seen.has(fa, fb)) remember()
      }
    },
    get size() {
      return count
    },
  }
}
