/**
 * Every store the collector ships, as test/collector/store-contract.test.ts
 * drives it: a fresh instance over a fresh destination (`make`), the events
 * read back from that destination as the contract compares them (`Seen`),
 * and an instance whose destination refuses writes (`refusing`).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createClient } from '@clickhouse/client'
import type { ClickHouseClient } from '@clickhouse/client'
import { afterAll, afterEach } from 'vitest'

import { clickhouseStore, ndjsonStore, posthogStore, segmentStore } from '../../collector/index.js'
import type { Store, StoredEvent } from '../../collector/index.js'
import { fanoutStore } from '../../collector/stores/fanout.js'
import { uuidOf } from '../../collector/stores/posthog.js'
import { stored, tempDir } from './collector.js'
import { fakePostHog, fakeSegment } from './destinations.js'
import type { Fake, Parsed } from './destinations.js'

/** What every destination keeps of an event, in the store's own terms. */
export interface Seen {
  /** the id as the destination keeps it (see {@link Subject.key}) */
  id: string
  type: StoredEvent['type']
  name?: string
  path?: string
  props?: StoredEvent['props']
  ts: number
}

/** A store instance under test, over its own destination. */
export interface Subject {
  store: Store
  /** every event at the destination, once per time it is there */
  read(): Promise<Seen[]>
  /** an event id as the destination keeps it (PostHog: a UUID made from it) */
  key(id: string): string
}

/** A store instance whose destination refuses every write. */
export interface Refusing {
  store: Store
  /** what no error may show: a key or password ('' when the store has none) */
  secret: string
}

/** What a store promises where stores legitimately differ (the contract asserts the side flagged). */
export interface Capabilities {
  /** `recentIds` is there (ClickHouse has none: its table collapses duplicates; a fan-out has one only when all its stores do) */
  recentIds: boolean
  /** an event the destination refuses alone (400) is dropped and reported to `onError`, and the write resolves (the forwarding stores: a poison event would otherwise come back forever) */
  dropsRefusedEvent: boolean
}

export interface StoreKind {
  name: string
  can: Capabilities
  make(): Promise<Subject>
  refusing(): Promise<Refusing>
  /** an instance whose destination answers every call 400, read back from that destination; only where `can.dropsRefusedEvent` */
  refusingEach?(onError: (error: Error) => void): Promise<Subject>
}

/** The fields the contract compares, as a stored event has them. */
export const seen = (event: StoredEvent, key = (id: string) => id): Seen => ({
  id: key(event.id),
  type: event.type,
  name: event.name,
  path: event.path,
  props: event.props,
  ts: event.ts,
})

/** The key and password of the stores under contract: never in a message. */
export const SECRETS = { key: 'wk_ContractSecretKey_0123456789', password: 'contract_Pa55word_secret' }

const fakes: Fake[] = []
const clients: ClickHouseClient[] = []
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close()
})
afterAll(async () => {
  for (const client of clients.splice(0)) await client.close()
})

const fromSegment = (item: Parsed): Seen => ({
  id: item.messageId,
  type: item.type === 'page' ? 'page' : 'track',
  name: item.type === 'track' ? item.event : undefined,
  path: item.context.page?.path,
  props: item.type === 'track' ? item.properties : undefined,
  ts: Date.parse(item.timestamp),
})
/** PostHog's own properties (toPostHog), left out of the props read back. */
const OWN = new Set([
  '$pathname',
  '$app_name',
  '$app_version',
  'app_env',
  'instance_id',
  '$lib',
  '$lib_version',
  '$process_person_profile',
  '$ip',
  '$geoip_disable',
])
const fromPostHog = (item: Parsed): Seen => {
  const page = item.event === '$pageview'
  const props = Object.fromEntries(
    Object.entries(item.properties as NonNullable<Seen['props']>).filter(([key]) => !OWN.has(key)),
  )
  return {
    id: item.uuid,
    type: page ? 'page' : 'track',
    name: page ? undefined : item.event,
    path: item.properties.$pathname,
    props: page ? undefined : props,
    ts: Date.parse(item.timestamp),
  }
}
const fromNdjson = (dir: string) => async (): Promise<Seen[]> => stored(dir).map(event => seen(event))

/** A fake destination (closed after the test) and a store over it; `answer`: every call answered so, its body echoing the key. */
const forward = async (
  which: 'segment' | 'posthog',
  answer?: number,
  onError?: (error: Error) => void,
): Promise<{ store: Store; read: () => Promise<Seen[]> }> => {
  const fake = await (which === 'segment' ? fakeSegment(SECRETS.key) : fakePostHog(SECRETS.key))
  fakes.push(fake)
  if (answer)
    fake.script.push(
      ...Array.from({ length: 200 }, () => ({ status: answer, body: `{"error":"refused for ${SECRETS.key}"}` })),
    )
  // a refusing destination within a short deadline: retried 5xx give up within a second
  const options = { timeoutMs: answer ? 1000 : 10_000, onError }
  const store =
    which === 'segment'
      ? segmentStore({ writeKey: SECRETS.key, url: `${fake.url}/v1/batch`, ...options })
      : posthogStore({ apiKey: SECRETS.key, host: fake.url, ...options })
  return { store, read: async () => fake.taken.map(which === 'segment' ? fromSegment : fromPostHog) }
}

/** A directory path that cannot be created: its parent is a file (chmod does not stop root). */
const unwritable = (): string => {
  const file = join(tempDir(), 'a-file')
  writeFileSync(file, '')
  return join(file, 'events')
}
const same = (id: string): string => id

/** The stores the collector ships; `clickhouse()` gives the URL of a running server. */
export const storeKinds = (clickhouse: () => string): StoreKind[] => {
  let tables = 0
  const client = (): ClickHouseClient => (clients[0] ??= createClient({ url: clickhouse() }))
  const query = async <T>(sql: string): Promise<T[]> =>
    (await client().query({ query: sql, format: 'JSONEachRow' })).json<T>()
  return [
    {
      name: 'ndjsonStore',
      can: { recentIds: true, dropsRefusedEvent: false },
      make: async () => {
        const dir = tempDir()
        return { store: ndjsonStore({ dir }), read: fromNdjson(dir), key: same }
      },
      refusing: async () => ({ store: ndjsonStore({ dir: unwritable() }), secret: '' }),
    },
    {
      name: 'clickhouseStore',
      can: { recentIds: false, dropsRefusedEvent: false },
      make: async () => {
        const table = `contract_${process.pid}_${tables++}`
        // every row, without FINAL: a duplicate would show
        const read = async (): Promise<Seen[]> => {
          const [exists] = await query<{ result: number | string }>(`EXISTS TABLE ${table}`)
          if (!Number(exists.result)) return []
          const rows = await query<Record<string, string>>(`SELECT id, type, name, path, props, ts FROM ${table}`)
          return rows.map(row => ({
            id: row.id,
            type: row.type as Seen['type'],
            name: row.name || undefined,
            path: row.path || undefined,
            props: row.props ? JSON.parse(row.props) : undefined,
            ts: Number(row.ts),
          }))
        }
        return { store: clickhouseStore({ url: clickhouse(), table, retryDelayMs: 10 }), read, key: same }
      },
      // the server refuses the login: a wrong password in the URL
      refusing: async () => ({
        store: clickhouseStore({ url: clickhouse().replace('//', `//default:${SECRETS.password}@`), retries: 0 }),
        secret: SECRETS.password,
      }),
    },
    {
      name: 'segmentStore',
      can: { recentIds: false, dropsRefusedEvent: true },
      make: async () => ({ ...(await forward('segment')), key: same }),
      refusing: async () => ({ store: (await forward('segment', 500)).store, secret: SECRETS.key }),
      refusingEach: async onError => ({ ...(await forward('segment', 400, onError)), key: same }),
    },
    {
      name: 'posthogStore',
      can: { recentIds: false, dropsRefusedEvent: true },
      make: async () => ({ ...(await forward('posthog')), key: uuidOf }),
      refusing: async () => ({ store: (await forward('posthog', 500)).store, secret: SECRETS.key }),
      refusingEach: async onError => ({ ...(await forward('posthog', 400, onError)), key: uuidOf }),
    },
    {
      // createCollector({ stores }) is a request handler; this is the Store it writes to
      name: 'fanoutStore([ndjsonStore, segmentStore])',
      can: { recentIds: false, dropsRefusedEvent: true },
      make: async () => {
        const dir = tempDir()
        const segment = await forward('segment')
        // both hold every event once: the ndjson side is compared, the Segment side must match it
        const read = async (): Promise<Seen[]> => {
          const local = await fromNdjson(dir)()
          const ids = (list: Seen[]): string => JSON.stringify(list.map(event => event.id).sort())
          if (ids(await segment.read()) !== ids(local))
            throw new Error(
              `the fan-out's stores differ: ndjson holds ${local.length} events, Segment ${(await segment.read()).length}`,
            )
          return local
        }
        return { store: fanoutStore([ndjsonStore({ dir }), segment.store]), read, key: same }
      },
      refusing: async () => ({
        store: fanoutStore([ndjsonStore({ dir: tempDir() }), (await forward('segment', 500)).store]),
        secret: SECRETS.key,
      }),
      // read back from the refusing side: what the local store kept is not the question
      refusingEach: async onError => {
        const segment = await forward('segment', 400, onError)
        return { store: fanoutStore([ndjsonStore({ dir: tempDir() }), segment.store]), read: segment.read, key: same }
      },
    },
  ]
}
