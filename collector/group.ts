/**
 * Group commit: the items of concurrent requests go to the store in one
 * write (one append and fsync, one insert) instead of one per request. A
 * failed group is split in halves and written again, so that one request's
 * bad items fail that request alone.
 */

interface Waiting<T> {
  items: T[]
  resolve: () => void
  reject: (error: unknown) => void
}

/** A grouped writer: `write` resolves when its items are in a completed flush; `idle` when nothing is pending. */
export interface Grouped<T> {
  write(items: T[], weight?: number): Promise<void>
  idle(): Promise<void>
}

/** Options of {@link groupWrites}. */
export interface GroupOptions {
  /** Over this many waiting items (or weight: events), `write` rejects at once (the collector answers 503). Default 100000. */
  maxPending?: number
  /**
   * Whether a failed group is split and written again in halves: true when the
   * failure may come from some of its items (a value the store refuses), false
   * when it is the store's (down, full for everyone). Default: always split.
   */
  isolate?: (error: unknown) => boolean
  /**
   * Splitting stops this long after the group's first flush began (its
   * requests have had their 503 by then): the rest is rejected, so that a
   * store failing slowly for everyone costs one such span, not 2·n flushes.
   * Default 10000 ms.
   */
  splitForMs?: number
}

/**
 * Wraps `flush` so that at most one call runs at a time; writes that arrive
 * meanwhile wait and go together in the next call. When a group of several
 * writes fails, it is split in halves, each flushed on its own (and split
 * again if it fails): a write is rejected only if it fails alone, so one
 * request whose items the store refuses costs the others about
 * 2·log2(group size) extra flushes, never their acknowledgement.
 *
 * @example
 * ```ts
 * const grouped = groupWrites(async events => appendAndSync(events))
 * await grouped.write(events) // durable now
 * ```
 */
export const groupWrites = <T>(flush: (items: T[]) => Promise<void>, options: GroupOptions = {}): Grouped<T> => {
  const maxPending = options.maxPending ?? 100_000
  const isolate = options.isolate ?? (() => true)
  const splitForMs = options.splitForMs ?? 10_000
  let queue: Waiting<T>[] = []
  let queued = 0
  let running: Promise<void> | undefined

  /** Flushes a group; on failure, its halves on their own, down to single writes. */
  const settle = async (group: Waiting<T>[], until: number): Promise<void> => {
    try {
      await flush(group.length === 1 ? group[0].items : group.flatMap(waiting => waiting.items))
    } catch (error) {
      if (group.length === 1 || !isolate(error) || performance.now() >= until) {
        for (const waiting of group) waiting.reject(error)
        return
      }
      const half = Math.ceil(group.length / 2)
      await settle(group.slice(0, half), until)
      await settle(group.slice(half), until)
      return
    }
    for (const waiting of group) waiting.resolve()
  }

  const run = async (): Promise<void> => {
    await undefined // writes of the same tick join the first group
    while (queue.length) {
      const group = queue
      queue = []
      queued = 0
      await settle(group, performance.now() + splitForMs)
    }
    running = undefined
  }
  return {
    write: (items, weight = items.length) =>
      new Promise<void>((resolve, reject) => {
        if (queued + weight > maxPending)
          return reject(
            new Error(
              `[spa-telemetry] store backlog over ${maxPending} events: the store is slower than the events arrive`,
            ),
          )
        queue.push({ items, resolve, reject })
        queued += weight
        running ??= run()
      }),
    idle: async () => {
      while (running) await running
    },
  }
}
