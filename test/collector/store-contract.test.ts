/**
 * The contract of `Store` (collector/types.ts), run against every store the
 * collector ships: `ndjsonStore`, `clickhouseStore` (a throwaway server),
 * `segmentStore` and `posthogStore` (the fake destinations of
 * test/helpers/destinations.ts, read back through them), and the fan-out
 * that `createCollector({ stores })` writes to. Each store, over its own
 * destination:
 *
 * - every event written is there exactly once, its fields intact (ids, types,
 *   names, paths, props with unicode, astral characters and numbers), however
 *   concurrent writes are grouped;
 * - `write([])` resolves and stores nothing;
 * - `close()` waits for the writes still pending, and a write after it
 *   reopens the store;
 * - `recentIds(n)`, where there is one, gives the last ids written, oldest
 *   first, at most n;
 * - a write the destination refuses rejects with an Error whose message starts
 *   with `[spa-telemetry]` and holds no key or password;
 * - neither the events array nor an event is changed (they are written frozen).
 *
 * Where stores legitimately differ, their `can` flags (test/helpers/stores.ts)
 * say how, and the contract asserts the side flagged.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import type { Store, StoredEvent } from '../../collector/index.js'
import { startClickHouse } from '../helpers/clickhouse-server.js'
import type { ClickHouseServer } from '../helpers/clickhouse-server.js'
import { newId } from '../helpers/collector.js'
import { SECRETS, seen, storeKinds } from '../helpers/stores.js'
import type { Seen, Subject } from '../helpers/stores.js'

let server: ClickHouseServer
beforeAll(async () => {
  server = await startClickHouse()
}, 30_000)
afterAll(async () => {
  await server?.stop()
})

const open: Store[] = []
afterEach(async () => {
  for (const store of open.splice(0)) await store.close?.()
})

/** `n` events, pages and tracks in turn; the tracks' props hold unicode (astral too), numbers and booleans. */
const events = (n: number): StoredEvent[] => {
  const now = Date.now()
  return Array.from({ length: n }, (_, i): StoredEvent => {
    const common = {
      id: newId(),
      ts: now - i,
      clientTs: now - i - 7,
      receivedAt: new Date(now).toISOString(),
      sentAt: new Date(now - 5).toISOString(),
      app: { name: 'acme-console', version: '1.0.0' },
      library: { name: 'spa-telemetry' as const, version: '0.1.0' },
      anonymousId: 'anon_' + 'A'.repeat(16),
      sessionId: 'sess_' + 'A'.repeat(16),
    }
    if (i % 2 === 0) return { ...common, type: 'page', path: `/projets/:id/élément/${i}` }
    return {
      ...common,
      type: 'track',
      name: 'export_clicked',
      path: '/nc/:project_id',
      props: {
        label: `naïve ✓ 日本 😀 𝔸 ${i}`,
        rows: i,
        ratio: 0.1 + 0.2,
        tiny: -1.5e-7,
        large: 2 ** 53 - 1,
        on: i % 4 === 1,
      },
    }
  })
}

/** Frozen through and through: a store that changes what it was given throws (modules are strict). */
const frozen = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) frozen(child)
    Object.freeze(value)
  }
  return value
}

const byId = (a: Seen, b: Seen): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
/** What the destination holds of these events: each exactly once, as written. */
const expectHeld = (held: Seen[], written: StoredEvent[], subject: Subject): void => {
  expect([...held].sort(byId)).toEqual(written.map(event => seen(event, subject.key)).sort(byId))
}

describe.each(storeKinds(() => server.url))('$name keeps the Store contract', kind => {
  const make = async (): Promise<Subject> => {
    const subject = await kind.make()
    open.push(subject.store)
    return subject
  }

  it('holds every event written exactly once, fields intact, over 20 concurrent writes of 1 to 50 events', async () => {
    const subject = await make()
    const batches = Array.from({ length: 20 }, (_, i) => frozen(events(1 + ((i * 37) % 50))))
    await Promise.all(batches.map(batch => subject.store.write(batch)))
    expectHeld(await subject.read(), batches.flat(), subject)
  }, 20_000)

  it('write([]) resolves and stores nothing', async () => {
    const subject = await make()
    await expect(subject.store.write(frozen([]))).resolves.toBeUndefined()
    expect(await subject.read()).toEqual([])
  })

  it('changes neither the events array nor the events (written frozen, equal to a copy after)', async () => {
    const subject = await make()
    const written = events(6)
    const copy = structuredClone(written)
    await subject.store.write(frozen(written))
    expect(written).toEqual(copy)
    expectHeld(await subject.read(), copy, subject)
  })

  it('close() waits for the writes still pending: what they acknowledge is there when it resolves', async () => {
    const subject = await make()
    const batches = Array.from({ length: 5 }, (_, i) => events(3 + i))
    const writes = batches.map(batch => subject.store.write(batch))
    await subject.store.close?.()
    const held = await subject.read() // before the writes are awaited
    expect((await Promise.allSettled(writes)).map(result => result.status)).toEqual(batches.map(() => 'fulfilled'))
    expectHeld(held, batches.flat(), subject)
  })

  it('a write after close() reopens the store (every store does the same)', async () => {
    const subject = await make()
    const before = events(2)
    await subject.store.write(before)
    await subject.store.close?.()
    const after = events(3)
    await expect(subject.store.write(after)).resolves.toBeUndefined()
    expectHeld(await subject.read(), [...before, ...after], subject)
  })

  it(`recentIds: ${kind.can.recentIds ? 'the last ids written, oldest first, at most n' : 'absent (flagged)'}`, async () => {
    const subject = await make()
    if (!kind.can.recentIds) return expect(subject.store.recentIds).toBeUndefined()
    const written: StoredEvent[] = []
    for (const size of [4, 1, 6]) {
      const batch = events(size)
      await subject.store.write(batch)
      written.push(...batch)
    }
    const ids = written.map(event => event.id)
    expect(await subject.store.recentIds!(5)).toEqual(ids.slice(-5))
    expect(await subject.store.recentIds!(1)).toEqual(ids.slice(-1))
    expect(await subject.store.recentIds!(100)).toEqual(ids)
  })

  it('a write the destination refuses rejects with an [spa-telemetry] Error that holds no key or password', async () => {
    const { store, secret } = await kind.refusing()
    open.push(store)
    const error = await store.write(frozen(events(3))).then(
      () => expect.fail('the write resolved'),
      (error: unknown) => error,
    )
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/^\[spa-telemetry\] /)
    if (secret) expect(`${(error as Error).message}\n${(error as Error).stack}`).not.toContain(secret)
  }, 20_000)

  it(`an event the destination refuses alone (400): ${kind.can.dropsRefusedEvent ? 'dropped and reported, the write resolves (flagged)' : 'not a case: its destination answers writes, not events'}`, async () => {
    if (!kind.can.dropsRefusedEvent) return expect(kind.refusingEach).toBeUndefined()
    const reported: Error[] = []
    const subject = await kind.refusingEach!(error => reported.push(error))
    open.push(subject.store)
    await expect(subject.store.write(frozen(events(2)))).resolves.toBeUndefined()
    expect(await subject.read()).toEqual([])
    expect(reported.map(error => error.message)).toEqual([
      expect.stringMatching(/^\[spa-telemetry\] .* refused event .*: answered 400 .*; it is not sent there again$/),
      expect.stringMatching(/refused event/),
    ])
    expect(reported.join('\n')).not.toContain(SECRETS.key)
  })
})
