/**
 * Group commit: the items of concurrent requests go to the store in one
 * write (one append and fsync, one insert) instead of one per request.
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

/**
 * Wraps `flush` so that at most one call runs at a time; writes that arrive
 * meanwhile wait and go together in the next call. Over `maxPending` waiting
 * items (or weight: events), `write` rejects at once (the collector answers 503).
 *
 * @example
 * ```ts
 * const grouped = groupWrites(async events => appendAndSync(events))
 * await grouped.write(events) // durable now
 * ```
 */
export const groupWrites = <T>(flush: (items: T[]) => Promise<void>, maxPending = 100_000): Grouped<T> => {
  let queue: Waiting<T>[] = []
  let queued = 0
  let running: Promise<void> | undefined
  const run = async (): Promise<void> => {
    await undefined // writes of the same tick join the first group
    while (queue.length) {
      const group = queue
      queue = []
      queued = 0
      try {
        await flush(group.length === 1 ? group[0].items : group.flatMap(waiting => waiting.items))
        for (const waiting of group) waiting.resolve()
      } catch (error) {
        for (const waiting of group) waiting.reject(error)
      }
    }
    running = undefined
  }
  return {
    write: (items, weight = items.length) =>
      new Promise<void>((resolve, reject) => {
        if (queued + weight > maxPending) return reject(new Error(`store backlog over ${maxPending} events`))
        queue.push({ items, resolve, reject })
        queued += weight
        running ??= run()
      }),
    idle: async () => {
      while (running) await running
    },
  }
}
