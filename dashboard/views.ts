/**
 * The dashboard's answers: each view asks the engine for atoms and unions and
 * folds them (fold.ts). Nothing else reaches a response: no id, no single
 * event, no atom under the threshold.
 */
import type { Atom, Engine, EventType, FlowResidual, KeyColumn, Selection, Step, Union, Unit } from './engine.js'
import { atomId, TYPES, UNIT_MS } from './engine.js'
import {
  band,
  bucketsOf,
  compareKeys,
  foldedOf,
  funnelFolded,
  funnelReleased,
  funnelSessions,
  funnelSets,
  rank,
  released,
  releasedHours,
  series,
} from './fold.js'
import type { Folded, Ranked } from './fold.js'

/** How the tracker identified installs: only `persistent` ids count installs. */
export type Identity = 'persistent' | 'session' | 'none'

/** What every question shares: the engine, the threshold, the identity mode, the rows per list. */
export interface Context {
  engine: Engine
  k: number
  identity: Identity
  top: number
}

/** A parsed question (see query.ts). */
export interface Query {
  from: number
  to: number
  unit: Unit
  app: string
  env: string
  /** one version, or all */
  version?: string
}

/** What every answer starts with. */
export interface Header {
  view: string
  from: number
  to: number
  unit: Unit
  app: string
  env: string
  version: string | null
  threshold: number
  identity: Identity
  buckets: number[]
  folded: Folded
}

/** Installs are counted only with persistent ids; `null` otherwise. */
const installs = (context: Context, value: number): number | null => (context.identity === 'persistent' ? value : null)

const header = (view: string, context: Context, query: Query, folded: Folded): Header => ({
  view,
  from: query.from,
  to: query.to,
  unit: query.unit,
  app: query.app,
  env: query.env,
  version: query.version ?? null,
  threshold: context.k,
  identity: context.identity,
  buckets: bucketsOf(query.from, query.to, query.unit),
  folded,
})

const selection = (query: Query, types: readonly EventType[], where?: Selection['where']): Selection => ({
  app: query.app,
  env: query.env,
  from: query.from,
  to: query.to,
  types,
  ...(where ? { where } : {}),
})

/** Hour atoms that may be drawn (hour unit only). */
const hoursOf = async (
  context: Context,
  query: Query,
  chosen: Selection,
  key: readonly KeyColumn[],
): Promise<Atom[] | undefined> => {
  if (query.unit !== 'hour') return undefined
  const [hours, rests] = await Promise.all([
    context.engine.atoms(chosen, key, 'hour', key.length === 0),
    context.engine.hourRests(chosen, key, context.k),
  ])
  return releasedHours(hours, rests, context.k)
}

/**
 * The ranked views' events: each selection with the key its view ranks by
 * (Screens, Actions, Errors). The events the Installs and Versions views
 * show are these, released the same way, so that they are the sum of those
 * views' totals: never more by what those views fold (docs/privacy.md,
 * "Views inside views").
 */
const RANKED: readonly [readonly EventType[], readonly KeyColumn[]][] = [
  [['page'], ['path']],
  [
    ['track', 'action'],
    ['type', 'name'],
  ],
  [['error'], ['name', 'path']],
]

/** The released day atoms of the ranked views (all versions), and their released hour atoms when by the hour. */
const rankedAtoms = async (context: Context, query: Query): Promise<{ days: Atom[]; hours: Atom[] | undefined }> => {
  const parts = await Promise.all(
    RANKED.map(async ([types, key]) => {
      const chosen = selection(query, types)
      const [days, hours] = await Promise.all([
        context.engine.atoms(chosen, key, 'day', false),
        hoursOf(context, query, chosen, key),
      ])
      return { days: days.filter(atom => released(atom, context.k)), hours }
    }),
  )
  return {
    days: parts.flatMap(part => part.days),
    hours: query.unit === 'hour' ? parts.flatMap(part => part.hours ?? []) : undefined,
  }
}

/** Events of released ranked atoms (of one version or all): per bucket, and in all. */
const rankedEvents = (
  atoms: { days: Atom[]; hours: Atom[] | undefined },
  buckets: readonly number[],
  version: string | undefined,
): { trend: number[]; events: number } => ({
  trend: series(atoms.hours ?? atoms.days, 0, buckets, version).events,
  events: atoms.days
    .filter(atom => version === undefined || atom.version === version)
    .reduce((sum, atom) => sum + atom.events, 0),
})

/** A ranked answer: rows as `{ key, events, installs, trend }`. */
export type RankedAnswer = Header &
  Omit<Ranked, 'rows'> & { rows: { key: string[]; events: number; installs: number | null; trend: number[] }[] }

/** Day atoms, then the unions over the released ones (the engine may use the atoms it was given), and hour atoms when by the hour. */
const counted = async (
  context: Context,
  query: Query,
  chosen: Selection,
  key: readonly KeyColumn[],
  sessions: boolean,
  byVersion: boolean,
  skip?: Promise<ReadonlySet<string>>,
): Promise<[Atom[], Union[], Atom[] | undefined]> => {
  const hours = hoursOf(context, query, chosen, key)
  const days = await context.engine.atoms(chosen, key, 'day', sessions)
  const skipped = await skip
  return Promise.all([days, context.engine.unions(chosen, key, context.k, byVersion, sessions, days, skipped), hours])
}

/** Atoms a view folds although they have `k` installs (their ids, {@link atomId}): day atoms, and hour atoms. */
interface Dropped {
  days: Set<string>
  hours: Set<string>
}

const ranked = async (
  view: string,
  context: Context,
  query: Query,
  chosen: Selection,
  key: readonly KeyColumn[],
  dropping?: Promise<Dropped>,
): Promise<RankedAnswer> => {
  const [[all, unions, allHours], dropped] = await Promise.all([
    counted(
      context,
      query,
      chosen,
      key,
      false,
      query.version !== undefined,
      dropping?.then(({ days }) => days),
    ),
    dropping,
  ])
  // a dropped day atom counts as folded (it has k installs: the folded installs are then k or more); so do its hours
  const days = dropped
    ? all.map(atom => (dropped.days.has(atomId(atom.key, atom.bucket, atom.version)) ? { ...atom, installs: 0 } : atom))
    : all
  const hours =
    dropped && allHours
      ? allHours.filter(
          atom =>
            !dropped.hours.has(atomId(atom.key, atom.bucket, atom.version)) &&
            !dropped.days.has(atomId(atom.key, atom.bucket - (atom.bucket % UNIT_MS.day), atom.version)),
        )
      : allHours
  const droppedHere = days.some(
    (atom, i) => atom !== all[i] && (query.version === undefined || atom.version === query.version),
  )
  const buckets = bucketsOf(query.from, query.to, query.unit)
  const ranking = rank(days, unions, { k: context.k, version: query.version, top: context.top, buckets, hours })
  const { rows, other, total } = ranking
  const folded = await foldedOf(ranking.folded, context.k, async () =>
    droppedHere ? context.k : context.engine.foldedInstalls(chosen, key, context.k, query.version),
  )
  return {
    ...header(view, context, query, folded),
    rows: rows.map(({ key: rowKey, events, installs: count, trend }) => ({
      key: rowKey,
      events,
      installs: installs(context, count),
      trend,
    })),
    other,
    total,
  }
}

/** Screens: page views by route template. */
export const screens = (context: Context, query: Query): Promise<RankedAnswer> =>
  ranked('screens', context, query, selection(query, ['page']), ['path'])

/** Actions: track and action events by type and name. */
export const actions = (context: Context, query: Query): Promise<RankedAnswer> =>
  ranked('actions', context, query, selection(query, ['track', 'action']), ['type', 'name'])

/** Errors: error classes by screen. */
export const errors = (context: Context, query: Query): Promise<RankedAnswer> =>
  ranked('errors', context, query, selection(query, ['error']), ['name', 'path'])

/**
 * The flow atoms from `screen` folded with a residual (see {@link FlowResidual}):
 * where a screen's page views on a day (or in an hour) that no flow row shows
 * have 1 to `k` - 1 installs, the smallest flow atom into them is folded too,
 * whichever screen is asked, so that the screen's row minus its flows from
 * every screen is none or `k` installs or more.
 */
const foldedFlows = async (context: Context, query: Query, screen: string): Promise<Dropped> => {
  const pages = selection(query, ['page'])
  const [days, hours] = await Promise.all([
    context.engine.flowResiduals(pages, context.k, 'day'),
    query.unit === 'hour' ? context.engine.flowResiduals(pages, context.k, 'hour') : [],
  ])
  const ids = (list: FlowResidual[]): Set<string> =>
    new Set(list.filter(r => r.smallest === screen).map(r => atomId([r.path], r.bucket, r.version)))
  return { days: ids(days), hours: ids(hours) }
}

/** Flows: where page views from one screen went. */
export const flows = async (
  context: Context,
  query: Query,
  screen: string,
): Promise<RankedAnswer & { screen: string }> => ({
  ...(await ranked(
    'flows',
    context,
    query,
    selection(query, ['page'], { from: screen }),
    ['path'],
    foldedFlows(context, query, screen),
  )),
  screen,
})

/** A version's row: its events, installs and sessions, and per bucket its events and installs. */
export interface VersionRow {
  version: string
  events: number
  installs: number | null
  sessions: number
  trend: number[]
  installsTrend: (number | null)[]
}

/** Versions: the adoption of each version over time, or the use of one screen or action split by version. */
export const versions = async (
  context: Context,
  query: Query,
  of?: Step,
): Promise<Header & { of: Step | null; rows: VersionRow[] }> => {
  const chosen = of
    ? selection(query, [of.type], of.type === 'page' ? { path: of.value } : { name: of.value })
    : selection(query, TYPES)
  const [[days, unions, hours], keyed] = await Promise.all([
    counted(context, query, chosen, [], true, true),
    of ? undefined : rankedAtoms(context, query),
  ])
  const buckets = bucketsOf(query.from, query.to, query.unit)
  const names = [...new Set(days.filter(atom => released(atom, context.k)).map(atom => atom.version))].filter(
    version => query.version === undefined || version === query.version,
  )
  const rows = names.map((version): VersionRow => {
    const perBucket = series(hours ?? days, hours ? 0 : context.k, buckets, version)
    const union = unions.find(u => u.version === version)
    // adoption: the ranked views' events of this version; one screen or action: its own atoms
    const events = keyed
      ? rankedEvents(keyed, buckets, version)
      : {
          trend: perBucket.events,
          events: days
            .filter(atom => atom.version === version && released(atom, context.k))
            .reduce((sum, atom) => sum + atom.events, 0),
        }
    return {
      version,
      events: events.events,
      installs: installs(context, union?.installs ?? 0),
      sessions: union?.sessions ?? 0,
      trend: events.trend,
      installsTrend: perBucket.installs.map(value => installs(context, value)),
    }
  })
  rows.sort(
    (a, b) =>
      (b.installs ?? b.sessions) - (a.installs ?? a.sessions) ||
      b.events - a.events ||
      compareKeys([a.version], [b.version]),
  )
  const all = days.filter(atom => query.version === undefined || atom.version === query.version)
  const shown = all.filter(atom => released(atom, context.k))
  const folded = await foldedOfDays(context, query, chosen, all, shown)
  return { ...header('versions', context, query, folded), of: of ?? null, rows }
}

/** The folded value of day atoms keyed by nothing: their share folded, told only when the folded ones hold `k` installs or more. */
const foldedOfDays = (
  context: Context,
  query: Query,
  chosen: Selection,
  all: readonly Atom[],
  shown: readonly Atom[],
): Promise<Folded> => {
  const sum = (list: readonly Atom[]): number => list.reduce((total, atom) => total + atom.events, 0)
  return foldedOf(band(sum(all), sum(shown)), context.k, () =>
    context.engine.foldedInstalls(chosen, [], context.k, query.version),
  )
}

/**
 * Installs and sessions: per bucket and over the period; and the events of
 * the Screens, Actions and Errors views (their released atoms: heartbeats,
 * which no view ranks, and groups those views fold count nowhere).
 */
export const activity = async (
  context: Context,
  query: Query,
): Promise<
  Header & {
    installs: (number | null)[]
    sessions: (number | null)[]
    events: number[]
    totals: { installs: number | null; sessions: number | null; events: number }
  }
> => {
  const chosen = selection(query, TYPES)
  const byVersion = query.version !== undefined
  const [[days, unions, hours], keyed] = await Promise.all([
    counted(context, query, chosen, [], true, byVersion),
    rankedAtoms(context, query),
  ])
  const buckets = bucketsOf(query.from, query.to, query.unit)
  const perBucket = series(hours ?? days, hours ? 0 : context.k, buckets, query.version)
  const events = rankedEvents(keyed, buckets, query.version)
  const union = unions.find(u => (byVersion ? u.version === query.version : u.version === undefined))
  const all = days.filter(atom => query.version === undefined || atom.version === query.version)
  const shown = all.filter(atom => released(atom, context.k))
  const sessionsKnown = context.identity !== 'none'
  const folded = await foldedOfDays(context, query, chosen, all, shown)
  return {
    ...header('installs', context, query, folded),
    installs: perBucket.installs.map(value => installs(context, value)),
    sessions: perBucket.sessions.map(value => (sessionsKnown ? value : null)),
    events: events.trend,
    totals: {
      installs: installs(context, union?.installs ?? 0),
      sessions: sessionsKnown ? (union?.sessions ?? 0) : null,
      events: events.events,
    },
  }
}

/** One step of a funnel answer. */
export interface FunnelStepAnswer {
  sessions: number
  installs: number | null
}

/** Funnels: sessions through ordered steps, with conversion, for every version and split by version. */
export const funnel = async (
  context: Context,
  query: Query,
  steps: readonly Step[],
): Promise<
  Header & { steps: Step[]; total: FunnelStepAnswer[]; byVersion: { version: string; steps: FunnelStepAnswer[] }[] }
> => {
  const chosen = selection(query, [...new Set(steps.map(step => step.type))])
  const atoms = await context.engine.funnel(chosen, steps)
  const sets = funnelSets(atoms, context.k, steps.length)
  const unions = await context.engine.funnelUnions(chosen, steps, sets)
  const stepsOf = (version: string | undefined, counts: number[] | undefined): FunnelStepAnswer[] =>
    funnelSessions(atoms, context.k, steps.length, version).map((sessions, i) => ({
      sessions,
      installs: installs(context, counts?.[i] ?? 0),
    }))
  const names = [...new Set(atoms.filter(atom => funnelReleased(atom, context.k)[0]).map(atom => atom.version))].filter(
    version => query.version === undefined || version === query.version,
  )
  const byVersion = names.map(version => ({ version, steps: stepsOf(version, unions.byVersion[version]) }))
  byVersion.sort((a, b) => b.steps[0].sessions - a.steps[0].sessions || compareKeys([a.version], [b.version]))
  const total =
    query.version === undefined
      ? stepsOf(undefined, unions.installs)
      : stepsOf(query.version, unions.byVersion[query.version])
  const scoped = query.version === undefined ? atoms : atoms.filter(atom => atom.version === query.version)
  // a band only when one step's folded sessions alone come from k installs or more (a part of what is folded)
  const { share, sets: foldedSets } = funnelFolded(scoped, context.k, steps.length)
  const folded = await foldedOf(share, context.k, async () =>
    Math.max(0, ...(await context.engine.funnelUnions(chosen, steps, foldedSets)).installs),
  )
  return {
    ...header('funnel', context, query, folded),
    unit: 'day',
    buckets: [],
    steps: [...steps],
    total,
    byVersion,
  }
}

/** The apps and environments that reach the threshold, and the versions with released atoms in the period. */
export const scopes = async (
  context: Context,
  query?: Omit<Query, 'version'>,
): Promise<{ threshold: number; identity: Identity; scopes: { app: string; env: string }[]; versions: string[] }> => {
  const all = await context.engine.scopes()
  const list = all
    .filter(scope => released(scope, context.k))
    .sort((a, b) => b.installs - a.installs || compareKeys([a.app, a.env], [b.app, b.env]))
  let versionList: string[] = []
  if (query && list.some(scope => scope.app === query.app && scope.env === query.env)) {
    const days = await context.engine.atoms(selection({ ...query }, TYPES), [], 'day', false)
    versionList = [...new Set(days.filter(atom => released(atom, context.k)).map(atom => atom.version))].sort()
  }
  return {
    threshold: context.k,
    identity: context.identity,
    scopes: list.map(({ app, env }) => ({ app, env })),
    versions: versionList,
  }
}
