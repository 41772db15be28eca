/**
 * Several stores as one (`createCollector({ stores: [...] })`): every write
 * goes to every store, and succeeds only once all of them have taken the
 * events. A store that took them is not given them again when the browser
 * retries after another store failed: each store has a ledger of the ids it
 * took, seeded after a restart from its own `recentIds` where it has one.
 */
import { setupError } from '../check.js'
import { createDedupe } from '../dedupe.js'
import type { Dedupe } from '../dedupe.js'
import { groupWrites } from '../group.js'
import type { Store, StoredEvent, StoreFunction } from '../types.js'

/** Ids remembered per store, as the collector's own window. */
const WINDOW = 100_000

interface Member {
  store: Store
  taken: Dedupe
}

/** The events of `events` whose ids `taken` does not hold. */
const missing = (taken: Dedupe, events: StoredEvent[]): StoredEvent[] => {
  const claim = taken.claim(events.map(event => event.id))
  claim.settle(false) // only asked, nothing claimed
  return events.filter((_, i) => claim.fresh[i])
}

/**
 * One store over `stores` (stores or functions, as `createCollector` takes).
 * `recentIds` (the collector's window after a restart) is the ids every store
 * holds, offered only when every store can list its own.
 *
 * @example
 * ```ts
 * const store = fanoutStore([ndjsonStore({ dir: './events' }), segmentStore({ writeKey })])
 * await store.write(events) // in both, or rejected (and what one took, it keeps)
 * ```
 */
export const fanoutStore = (stores: readonly (Store | StoreFunction)[]): Store => {
  if (!Array.isArray(stores) || !stores.length)
    throw setupError('stores', stores, 'a non-empty array of stores, such as [ndjsonStore(…), segmentStore(…)]')
  const members: Member[] = stores.map((store, i) => {
    if (typeof store === 'function')
      return {
        store: { write: groupWrites<StoredEvent>(async events => void (await store(events))).write },
        taken: createDedupe(WINDOW),
      }
    if (store && typeof store === 'object' && typeof store.write === 'function')
      return { store, taken: createDedupe(WINDOW) }
    throw setupError(
      `stores[${i}]`,
      store,
      'a store (ndjsonStore(…), segmentStore(…), { write(events) }) or a function',
    )
  })
  const listed = members.every(({ store }) => typeof store.recentIds === 'function')

  // after a restart, each store's ledger starts from the ids it lists
  let seeding: Promise<void> | undefined
  const seed = (): Promise<void> =>
    (seeding ??= Promise.all(
      members.map(async ({ store, taken }) => {
        if (store.recentIds) taken.seed(await store.recentIds(WINDOW))
      }),
    ).then(
      () => undefined,
      error => {
        seeding = undefined
        throw error
      },
    ))

  const write = async (events: StoredEvent[]): Promise<void> => {
    await seed()
    const results = await Promise.allSettled(
      members.map(async ({ store, taken }) => {
        const fresh = missing(taken, events)
        if (!fresh.length) return
        await store.write(fresh)
        taken.seed(fresh.map(event => event.id))
      }),
    )
    const errors = results.flatMap(result => (result.status === 'rejected' ? [result.reason as unknown] : []))
    if (errors.length === 1) throw errors[0]
    if (errors.length)
      throw new AggregateError(
        errors,
        errors.map(error => (error instanceof Error ? error.message : String(error))).join('; '),
      )
  }
  // the writes not settled yet, which close() waits for: one may still be seeding, in no store's queue
  const pending = new Set<Promise<void>>()

  const fanout: Store = {
    open: async () => {
      await Promise.all(members.map(({ store }) => store.open?.()))
      await seed()
    },
    write: events => {
      const writing = write(events)
      pending.add(writing)
      const settled = (): void => void pending.delete(writing)
      writing.then(settled, settled)
      return writing
    },
    close: async () => {
      while (pending.size) await Promise.allSettled(pending)
      await Promise.all(members.map(({ store }) => store.close?.()))
    },
  }
  if (listed) {
    fanout.recentIds = async limit => {
      const [first, ...rest] = await Promise.all(members.map(({ store }) => store.recentIds!(limit)))
      const others = rest.map(ids => new Set(ids))
      return first.filter(id => others.every(ids => ids.has(id)))
    }
  }
  return fanout
}
