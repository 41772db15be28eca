/**
 * What a dashboard engine computes, and nothing more: counts per *atom* (a key,
 * a time bucket and an app version within one app and environment), and
 * distinct installs over the atoms that reach the threshold. Every number the
 * dashboard shows is a sum of released atoms (see fold.ts), so both engines
 * (ndjson in memory, ClickHouse in SQL) only have to agree on these.
 */

/** The event types, in the order the engines number them. */
export const TYPES = ['page', 'track', 'action', 'heartbeat', 'error'] as const
export type EventType = (typeof TYPES)[number]

/** The columns a key is made of. */
export type KeyColumn = 'type' | 'name' | 'path'

/** Which events a query reads: one app and environment (a scope), a period, some types. */
export interface Selection {
  app: string
  /** `''` for events without an environment. */
  env: string
  /** Inclusive start, ms since the epoch (a UTC midnight). */
  from: number
  /** Exclusive end, ms since the epoch (a UTC midnight). */
  to: number
  types: readonly EventType[]
  /** Only events whose fields equal these. */
  where?: { path?: string; name?: string; from?: string }
}

/** Time buckets: a UTC day or an hour. */
export type Unit = 'day' | 'hour'
export const UNIT_MS: Record<Unit, number> = { day: 86_400_000, hour: 3_600_000 }

/** The counts of one atom: events, distinct installs (non-empty `anonymousId`), distinct sessions (install and session pairs). */
export interface Atom {
  key: string[]
  /** The bucket's start, ms since the epoch. */
  bucket: number
  version: string
  events: number
  installs: number
  sessions: number
}

/** Distinct installs and sessions over the released day atoms of one key (and version). */
export interface Union {
  key: string[]
  /** Present when asked for by version. */
  version?: string
  installs: number
  sessions: number
}

/** For one day atom: the distinct installs over its hours that have fewer than `k` installs. */
export interface HourRest {
  key: string[]
  day: number
  version: string
  installs: number
}

/**
 * For one page atom W (a path, a bucket and a version) whose *residual* has
 * between 1 and `k` - 1 installs: its page views that no flow row can show
 * (their flow atom, from the screen they came from, has fewer than `k`
 * installs, or they came from no screen). A screen's row minus its flows
 * from every screen would leave them, so the smallest flow atom into W that
 * is shown (fewest events, then the first `from` in string order) is folded
 * too, and joins them with `k` installs or more.
 */
export interface FlowResidual {
  path: string
  bucket: number
  version: string
  /** distinct installs of the residual (1 to k - 1) */
  installs: number
  /** the `from` of the smallest flow atom into W with at least `k` installs; null when there is none */
  smallest: string | null
}

/** Of two flow atoms into one page atom, the one folded with its residual: fewer events, then the first `from`. */
export const smallerFlow = <T extends { from: string; events: number }>(a: T | undefined, b: T): T =>
  !a || b.events < a.events || (b.events === a.events && b.from < a.from) ? b : a

/** A funnel step: a page view of a path, or a track or action event of a name. */
export interface Step {
  type: 'page' | 'track' | 'action'
  value: string
}

/**
 * Funnel sessions (one install's session on one app version) of one UTC day (of
 * its first step) and version, by the last step they reached (1-based index 0 =
 * step 1): how many, and the distinct installs that reached exactly or at least it.
 */
export interface FunnelAtom {
  day: number
  version: string
  /** sessions that reached exactly step i + 1 */
  sessions: number[]
  /** distinct installs whose sessions reached exactly step i + 1 */
  installsExactly: number[]
  /** distinct installs whose sessions reached at least step i + 1 */
  installsAtLeast: number[]
}

/** Per step: the distinct installs (all versions, and by version) over the sessions of released funnel atoms. */
export interface FunnelUnion {
  installs: number[]
  byVersion: Record<string, number[]>
}

/** An app and environment with its distinct installs over all time. */
export interface Scope {
  app: string
  env: string
  installs: number
}

/**
 * A dashboard engine. Each method is one question over the store; the
 * dashboard calls them and folds the answers (fold.ts). Implementations must
 * give the same answers for the same events: each event counted once by id, a
 * missing field an empty string, `ts` as the ClickHouse store keeps it (a whole
 * number of ms from 0 to 2^53).
 */
export interface Engine {
  /** Loads or connects; called before the first question. */
  open(): Promise<void>
  /** Every atom of the selection, keyed by these columns, in buckets of this unit (sessions counted only when asked: 0 otherwise). */
  atoms(selection: Selection, key: readonly KeyColumn[], unit: Unit, sessions?: boolean): Promise<Atom[]>
  /**
   * Distinct installs and sessions per key (and version) over the day atoms with at least `k` installs
   * (sessions only when asked). `days`, the selection's day atoms when the caller has them, may spare the engine recounting them.
   * `skip`: day atoms (by {@link atomId}) left out though they have `k` installs (the Flows view folds some).
   */
  unions(
    selection: Selection,
    key: readonly KeyColumn[],
    k: number,
    byVersion: boolean,
    sessions?: boolean,
    days?: readonly Atom[],
    skip?: ReadonlySet<string>,
  ): Promise<Union[]>
  /**
   * Distinct installs over the selection's day atoms that have fewer than `k` installs (of one version when given):
   * the installs behind what an answer folds. The dashboard tells how much is folded only when they are `k` or more.
   */
  foldedInstalls(selection: Selection, key: readonly KeyColumn[], k: number, version?: string): Promise<number>
  /** Per day atom: distinct installs over its hour atoms with fewer than `k` installs (only atoms that have some). */
  hourRests(selection: Selection, key: readonly KeyColumn[], k: number): Promise<HourRest[]>
  /**
   * The page atoms of the selection (its page views, any `from`) whose residual has between 1 and `k` - 1 installs, in
   * buckets of this unit: see {@link FlowResidual}. Asked by the Flows view only.
   */
  flowResiduals(selection: Selection, k: number, unit: Unit): Promise<FlowResidual[]>
  /** The funnel atoms of these ordered steps, within sessions, over the selection. */
  funnel(selection: Selection, steps: readonly Step[]): Promise<FunnelAtom[]>
  /** Per step i, distinct installs over funnel sessions that reached at least step i + 1 in the released atoms `released[i]` (`"day version"` strings). */
  funnelUnions(
    selection: Selection,
    steps: readonly Step[],
    released: readonly (readonly string[])[],
  ): Promise<FunnelUnion>
  /** Every app and environment, with distinct installs over all time. */
  scopes(): Promise<Scope[]>
  /** Releases files or connections. */
  close(): Promise<void>
}

/** A `ts` as the ClickHouse store keeps it (UInt64 ms, from 0 to 2^53). */
export const clampTs = (value: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.round(value)))

/** The atom identity `key…\u0000bucket\u0000version`, for maps. */
export const atomId = (key: readonly string[], bucket: number, version: string): string =>
  `${key.join('\u0000')}\u0000${bucket}\u0000${version}`

/** A key's identity for maps. */
export const keyId = (key: readonly string[]): string => key.join('\u0000')
