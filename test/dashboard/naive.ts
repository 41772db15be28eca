/**
 * The dashboard's answers computed the slow, obvious way, straight from the
 * stored events with Maps and Sets, sharing no code with the engines or the
 * folding (dashboard/*): the reference both engines are checked against. The
 * rules are docs/privacy.md's: an atom (key, UTC day or hour, version) is
 * shown only with at least k distinct installs; every figure is a sum, or a
 * distinct count, over shown atoms.
 */
import type { StoredEvent } from '../../collector/index.js'

const DAY = 86_400_000
const HOUR = 3_600_000

/** An event as the dashboard reads it. */
interface Flat {
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

/** Each event once by id (the last copy), fields flattened, `ts` as ClickHouse keeps it. */
export const flatten = (events: readonly StoredEvent[]): Flat[] => {
  const byId = new Map<string, StoredEvent>()
  for (const event of events) {
    byId.delete(event.id)
    byId.set(event.id, event)
  }
  return [...byId.values()].map(e => ({
    type: e.type,
    ts: Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.round(e.ts))),
    path: e.path ?? '',
    from: e.from ?? '',
    name: e.name ?? '',
    app: e.app.name,
    env: e.app.env ?? '',
    version: e.app.version ?? '',
    install: e.anonymousId ?? '',
    session: e.sessionId ?? '',
  }))
}

export interface NaiveQuery {
  from: number
  to: number
  app: string
  env: string
  version?: string
}

interface Group {
  events: number
  installs: Set<string>
  sessions: Set<string>
  list: Flat[]
}

const group = (): Group => ({ events: 0, installs: new Set(), sessions: new Set(), list: [] })
const add = (g: Group, e: Flat): void => {
  g.events++
  if (e.install) g.installs.add(e.install)
  if (e.session) g.sessions.add(`${e.install}|${e.session}`)
  g.list.push(e)
}

const cmp = (a: string[], b: string[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? '') !== (b[i] ?? '')) return (a[i] ?? '') < (b[i] ?? '') ? -1 : 1
  return 0
}

/** The band of the share folded, told only when the folded events come from at least k installs (`foldedInstalls`). */
const bandOf = (all: number, shown: number, foldedInstalls: number, k: number): string => {
  if (all <= shown || foldedInstalls < k) return 'under threshold'
  const s = (all - shown) / all
  return s < 0.01 ? 'under 1%' : s < 0.1 ? '1-10%' : s < 0.5 ? '10-50%' : 'over 50%'
}

/** Distinct installs over the atoms under k. */
const installsUnder = (atoms: Iterable<Group>, k: number): number => {
  const set = new Set<string>()
  for (const a of atoms) if (a.installs.size < k) a.installs.forEach(i => set.add(i))
  return set.size
}

/** The reference, over a data set, with a threshold and an identity mode. */
export const naive = (
  events: readonly StoredEvent[],
  k: number,
  identity: 'persistent' | 'session' | 'none' = 'persistent',
  top = 20,
) => {
  const all = flatten(events)
  const installsOrNull = (n: number): number | null => (identity === 'persistent' ? n : null)

  const select = (
    q: NaiveQuery,
    types: string[],
    where: Partial<Record<'path' | 'name' | 'from', string>> = {},
  ): Flat[] =>
    all.filter(
      e =>
        e.app === q.app &&
        e.env === q.env &&
        e.ts >= q.from &&
        e.ts < q.to &&
        types.includes(e.type) &&
        Object.entries(where).every(([field, value]) => e[field as 'path'] === value),
    )

  /** Atoms by (key, bucket start, version). */
  const atomsOf = (
    list: Flat[],
    keyOf: (e: Flat) => string[],
    unit: number,
  ): Map<string, Group & { key: string[]; bucket: number; version: string }> => {
    const map = new Map<string, Group & { key: string[]; bucket: number; version: string }>()
    for (const e of list) {
      const key = keyOf(e)
      const bucket = e.ts - (e.ts % unit)
      const id = JSON.stringify([key, bucket, e.version])
      let g = map.get(id)
      if (!g) map.set(id, (g = { ...group(), key, bucket, version: e.version }))
      add(g, e)
    }
    return map
  }

  const buckets = (q: NaiveQuery, unit: number): number[] => {
    const out: number[] = []
    for (let at = q.from; at < q.to; at += unit) out.push(at)
    return out
  }
  const unitOf = (q: NaiveQuery): number => ((q.to - q.from) / DAY <= 2 ? HOUR : DAY)
  const header = (view: string, q: NaiveQuery, folded: string) => ({
    view,
    from: q.from,
    to: q.to,
    unit: unitOf(q) === HOUR ? 'hour' : 'day',
    app: q.app,
    env: q.env,
    version: q.version ?? null,
    threshold: k,
    identity,
    buckets: buckets(q, unitOf(q)),
    folded,
  })

  /** The hour atoms that may be drawn: ≥ k installs, in a day atom whose small hours have no events or ≥ k installs together. */
  const shownHours = (
    list: Flat[],
    keyOf: (e: Flat) => string[],
  ): (Group & { key: string[]; bucket: number; version: string })[] => {
    const hours = [...atomsOf(list, keyOf, HOUR).values()]
    const rest = new Map<string, Set<string>>()
    for (const h of hours) {
      if (h.installs.size >= k) continue
      const id = JSON.stringify([h.key, h.bucket - (h.bucket % DAY), h.version])
      const set = rest.get(id) ?? new Set<string>()
      h.installs.forEach(i => set.add(i))
      rest.set(id, set)
    }
    return hours.filter(
      h =>
        h.installs.size >= k &&
        !((rest.get(JSON.stringify([h.key, h.bucket - (h.bucket % DAY), h.version]))?.size ?? k) < k),
    )
  }

  /** Ids of atoms (JSON of key, bucket, version) that are not shown though they have k installs: by the day, by the hour. */
  interface Hidden {
    days: Set<string>
    hours: Set<string>
  }
  const ranked = (
    view: string,
    q: NaiveQuery,
    list: Flat[],
    keyOf: (e: Flat) => string[],
    hidden: Hidden = { days: new Set(), hours: new Set() },
  ) => {
    const days = [...atomsOf(list, keyOf, DAY).values()].filter(a => q.version === undefined || a.version === q.version)
    const isHidden = (a: { key: string[]; bucket: number; version: string }) =>
      hidden.days.has(JSON.stringify([a.key, a.bucket - (a.bucket % DAY), a.version]))
    const isHiddenHour = (h: { key: string[]; bucket: number; version: string }) =>
      isHidden(h) || hidden.hours.has(JSON.stringify([h.key, h.bucket, h.version]))
    const shown = days.filter(a => a.installs.size >= k && !isHidden(a))
    const unit = unitOf(q)
    const bs = buckets(q, unit)
    const rows = new Map<string, { key: string[]; g: Group; trend: number[] }>()
    for (const a of shown) {
      const id = JSON.stringify(a.key)
      let row = rows.get(id)
      if (!row) rows.set(id, (row = { key: a.key, g: group(), trend: bs.map(() => 0) }))
      a.list.forEach(e => add(row!.g, e))
      if (unit === DAY) row.trend[bs.indexOf(a.bucket)] += a.events
    }
    if (unit === HOUR) {
      for (const h of shownHours(list, keyOf)) {
        if ((q.version !== undefined && h.version !== q.version) || isHiddenHour(h)) continue
        const row = rows.get(JSON.stringify(h.key))
        if (row) row.trend[bs.indexOf(h.bucket)] += h.events
      }
    }
    const sorted = [...rows.values()].sort((a, b) => b.g.events - a.g.events || cmp(a.key, b.key))
    const total = sorted.reduce((s, r) => s + r.g.events, 0)
    const rest = sorted.slice(top)
    return {
      ...header(
        view,
        q,
        bandOf(
          days.reduce((s, a) => s + a.events, 0),
          total,
          days.some(a => a.installs.size >= k && isHidden(a)) ? k : installsUnder(days, k),
          k,
        ),
      ),
      rows: sorted
        .slice(0, top)
        .map(r => ({ key: r.key, events: r.g.events, installs: installsOrNull(r.g.installs.size), trend: r.trend })),
      other: rest.length ? { rows: rest.length, events: rest.reduce((s, r) => s + r.g.events, 0) } : null,
      total,
    }
  }

  const TYPES = ['page', 'track', 'action', 'heartbeat', 'error']

  /**
   * Flows into a screen's atom W (path, bucket, version): its page views no flow
   * row shows (from no screen, or in a flow atom under k) are its residual; when
   * they come from 1 to k - 1 installs, the flow atom into W of k installs or more
   * with the fewest events (then the first `from`) is hidden too. The ids
   * (JSON of [path], bucket, version) of the atoms hidden from `screen`.
   */
  const foldedWithResidual = (q: NaiveQuery, unit: number, screen: string): Set<string> => {
    const residual = new Map<string, Set<string>>()
    const smallest = new Map<string, { from: string; events: number }>()
    for (const a of atomsOf(select(q, ['page']), e => [e.from, e.path], unit).values()) {
      const w = JSON.stringify([[a.key[1]], a.bucket, a.version])
      if (a.key[0] === '' || a.installs.size < k) {
        const set = residual.get(w) ?? new Set<string>()
        a.installs.forEach(i => set.add(i))
        residual.set(w, set)
        continue
      }
      const best = smallest.get(w)
      if (!best || a.events < best.events || (a.events === best.events && a.key[0] < best.from))
        smallest.set(w, { from: a.key[0], events: a.events })
    }
    const out = new Set<string>()
    for (const [w, installs] of residual)
      if (installs.size >= 1 && installs.size < k && smallest.get(w)?.from === screen) out.add(w)
    return out
  }

  /** The events of the Screens, Actions and Errors views over their shown atoms (of one version or all): per bucket, and in all. */
  const rankedEvents = (q: NaiveQuery, version: string | undefined) => {
    const unit = unitOf(q)
    const bs = buckets(q, unit)
    const trend = bs.map(() => 0)
    let events = 0
    const lists: [Flat[], (e: Flat) => string[]][] = [
      [select(q, ['page']), e => [e.path]],
      [select(q, ['track', 'action']), e => [e.type, e.name]],
      [select(q, ['error']), e => [e.name, e.path]],
    ]
    for (const [list, keyOf] of lists) {
      for (const a of atomsOf(list, keyOf, DAY).values()) {
        if (a.installs.size < k || (version !== undefined && a.version !== version)) continue
        events += a.events
        if (unit === DAY) trend[bs.indexOf(a.bucket)] += a.events
      }
      if (unit === HOUR)
        for (const h of shownHours(list, keyOf))
          if (version === undefined || h.version === version) trend[bs.indexOf(h.bucket)] += h.events
    }
    return { trend, events }
  }

  const versionsOf = (q: NaiveQuery, list: Flat[], adoption: boolean) => {
    const unit = unitOf(q)
    const bs = buckets(q, unit)
    const days = [...atomsOf(list, () => [], DAY).values()]
    const drawn = unit === HOUR ? shownHours(list, () => []) : days.filter(a => a.installs.size >= k)
    const names = [...new Set(days.filter(a => a.installs.size >= k).map(a => a.version))].filter(
      v => q.version === undefined || v === q.version,
    )
    const rows = names.map(version => {
      const g = group()
      days.filter(a => a.version === version && a.installs.size >= k).forEach(a => a.list.forEach(e => add(g, e)))
      const trend = bs.map(() => 0)
      const installsTrend = bs.map(() => 0)
      for (const a of drawn.filter(a => a.version === version)) {
        trend[bs.indexOf(a.bucket)] += a.events
        installsTrend[bs.indexOf(a.bucket)] += a.installs.size
      }
      const ranked = adoption ? rankedEvents(q, version) : { events: g.events, trend }
      return {
        version,
        events: ranked.events,
        installs: installsOrNull(g.installs.size),
        sessions: g.sessions.size,
        trend: ranked.trend,
        installsTrend: installsTrend.map(installsOrNull),
      }
    })
    rows.sort(
      (a, b) =>
        (b.installs ?? b.sessions) - (a.installs ?? a.sessions) || b.events - a.events || cmp([a.version], [b.version]),
    )
    const scoped = days.filter(a => q.version === undefined || a.version === q.version)
    return {
      rows,
      folded: bandOf(
        scoped.reduce((s, a) => s + a.events, 0),
        scoped.filter(a => a.installs.size >= k).reduce((s, a) => s + a.events, 0),
        installsUnder(scoped, k),
        k,
      ),
    }
  }

  return {
    screens: (q: NaiveQuery) => ranked('screens', q, select(q, ['page']), e => [e.path]),
    actions: (q: NaiveQuery) => ranked('actions', q, select(q, ['track', 'action']), e => [e.type, e.name]),
    errors: (q: NaiveQuery) => ranked('errors', q, select(q, ['error']), e => [e.name, e.path]),
    flows: (q: NaiveQuery, screen: string) => ({
      ...ranked('flows', q, select(q, ['page'], { from: screen }), e => [e.path], {
        days: foldedWithResidual(q, DAY, screen),
        hours: unitOf(q) === HOUR ? foldedWithResidual(q, HOUR, screen) : new Set(),
      }),
      screen,
    }),
    versions: (q: NaiveQuery, of?: { type: 'page' | 'track' | 'action'; value: string }) => {
      const list = of
        ? select(q, [of.type], of.type === 'page' ? { path: of.value } : { name: of.value })
        : select(q, TYPES)
      const { rows, folded } = versionsOf(q, list, !of)
      return { ...header('versions', q, folded), of: of ?? null, rows }
    },
    installs: (q: NaiveQuery) => {
      const list = select(q, TYPES)
      const unit = unitOf(q)
      const bs = buckets(q, unit)
      const days = [...atomsOf(list, () => [], DAY).values()].filter(
        a => q.version === undefined || a.version === q.version,
      )
      const shown = days.filter(a => a.installs.size >= k)
      const drawn = (unit === HOUR ? shownHours(list, () => []) : shown).filter(
        a => q.version === undefined || a.version === q.version,
      )
      const per = { installs: bs.map(() => 0), sessions: bs.map(() => 0) }
      for (const a of drawn) {
        const i = bs.indexOf(a.bucket)
        per.installs[i] += a.installs.size
        per.sessions[i] += a.sessions.size
      }
      const g = group()
      shown.forEach(a => a.list.forEach(e => add(g, e)))
      const sessionsKnown = identity !== 'none'
      const ranked = rankedEvents(q, q.version)
      return {
        ...header(
          'installs',
          q,
          bandOf(
            days.reduce((s, a) => s + a.events, 0),
            g.events,
            installsUnder(days, k),
            k,
          ),
        ),
        installs: per.installs.map(installsOrNull),
        sessions: per.sessions.map(n => (sessionsKnown ? n : null)),
        events: ranked.trend,
        totals: {
          installs: installsOrNull(g.installs.size),
          sessions: sessionsKnown ? g.sessions.size : null,
          events: ranked.events,
        },
      }
    },
    funnel: (q: NaiveQuery, steps: { type: 'page' | 'track' | 'action'; value: string }[]) => {
      const list = select(q, [...new Set(steps.map(s => s.type))]).filter(e => e.session)
      // funnel sessions: one install's session on one version
      const sessions = new Map<string, Flat[]>()
      for (const e of list) {
        const id = JSON.stringify([e.install, e.session, e.version])
        sessions.set(id, [...(sessions.get(id) ?? []), e])
      }
      const matches = (e: Flat, s: { type: string; value: string }): boolean =>
        e.type === s.type && (s.type === 'page' ? e.path : e.name) === s.value
      interface R {
        install: string
        version: string
        day: number
        level: number
      }
      const reached: R[] = []
      for (const group of sessions.values()) {
        let last = -1
        let level = 0
        let day = 0
        for (const [i, step] of steps.entries()) {
          const times = group.filter(e => matches(e, step) && (i === 0 || e.ts > last)).map(e => e.ts)
          if (!times.length) break
          last = Math.min(...times)
          if (i === 0) day = last - (last % DAY)
          level++
        }
        if (level) reached.push({ install: group[0].install, version: group[0].version, day, level })
      }
      const atoms = new Map<string, R[]>()
      for (const r of reached) atoms.set(`${r.day} ${r.version}`, [...(atoms.get(`${r.day} ${r.version}`) ?? []), r])
      const distinct = (rs: R[]): number => new Set(rs.filter(r => r.install).map(r => r.install)).size
      const shownSteps = new Map<string, boolean[]>()
      for (const [id, rs] of atoms) {
        const ok: boolean[] = []
        steps.forEach((_, i) => {
          const exited = rs.filter(r => r.level === i)
          const before = i === 0 || (ok[i - 1] && (exited.length === 0 || distinct(exited) >= k))
          ok.push(before && distinct(rs.filter(r => r.level >= i + 1)) >= k && rs.some(r => r.level >= i + 1))
        })
        shownSteps.set(id, ok)
      }
      const stepsFor = (version?: string) =>
        steps.map((_, i) => {
          const rs = reached.filter(
            r =>
              r.level >= i + 1 &&
              shownSteps.get(`${r.day} ${r.version}`)![i] &&
              (version === undefined || r.version === version),
          )
          return { sessions: rs.length, installs: installsOrNull(distinct(rs)) }
        })
      const names = [
        ...new Set(reached.filter(r => shownSteps.get(`${r.day} ${r.version}`)![0]).map(r => r.version)),
      ].filter(v => q.version === undefined || v === q.version)
      const byVersion = names
        .map(version => ({ version, steps: stepsFor(version) }))
        .sort((a, b) => b.steps[0].sessions - a.steps[0].sessions || cmp([a.version], [b.version]))
      const scoped = reached.filter(r => q.version === undefined || r.version === q.version)
      const allSessions = scoped.reduce((s, r) => s + r.level, 0)
      const total = stepsFor(q.version)
      // the installs of the sessions past each atom's first folded step, per that step: the band shows when one step's reach k
      const foldedBy = steps.map(() => new Set<string>())
      for (const r of scoped) {
        const first = shownSteps.get(`${r.day} ${r.version}`)!.indexOf(false)
        if (first >= 0 && r.level >= first + 1 && r.install) foldedBy[first].add(r.install)
      }
      return {
        ...header(
          'funnel',
          q,
          bandOf(
            allSessions,
            total.reduce((s, step) => s + step.sessions, 0),
            Math.max(0, ...foldedBy.map(set => set.size)),
            k,
          ),
        ),
        unit: 'day',
        buckets: [],
        steps,
        total,
        byVersion,
      }
    },
  }
}
