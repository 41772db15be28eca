/**
 * `trackRouter` of `spa-telemetry/vue`: one page view per vue-router
 * navigation, as the matched route's template. The plugin (`vue.ts`) is a
 * thin layer over it.
 */
import type { RouterTrackingOptions, RouteTelemetry, Tracker } from 'spa-telemetry'

import { DEV, check, safely } from './guards.js'
import { offer, routingOptions } from './routing.js'
import { toNarrowTemplate, toTemplate } from './vue-routes.js'

/** The parts of a vue-router route record the adapter reads. */
export interface RouteRecordLike {
  path: string
  name?: string | symbol | null
  aliasOf?: RouteRecordLike
}
/** The parts of a resolved route the adapter reads (never `params` or `query`). */
export interface RouteLike {
  path: string
  fullPath: string
  matched: readonly RouteRecordLike[]
  meta: Record<string | number | symbol, unknown>
}
/** The parts of a vue-router `Router` the adapter uses. */
export interface RouterLike {
  getRoutes(): readonly RouteRecordLike[]
  afterEach(guard: (to: RouteLike, from: RouteLike, failure?: unknown) => unknown): () => void
  currentRoute: { value: RouteLike }
}

/** A lone wildcard at the root: the not-found page, whose template says nothing. */
const CATCH_ALL = /^\{?\/\*[^/{}]+\}?$/

/** Development builds: the router is one. */
export const checkRouter = (router: RouterLike): void =>
  check(
    () => typeof router.getRoutes === 'function' && typeof router.afterEach === 'function',
    'router',
    router,
    'a vue-router Router',
  )

/**
 * Records one page view per successful vue-router navigation, as the
 * matched leaf route record's template (`/projects/:id`, never
 * `/projects/42`; an alias as the route it is an alias of); none for failed,
 * duplicated or redirected-away navigations, nor for a change of query or
 * hash alone (unless `trackQueryChanges`). Templates are read from
 * `router.getRoutes()`, again when a navigation reaches a route added later.
 * A catch-all at the root (`/:pathMatch(.*)*`, the not-found page) stays out
 * of the table: it is reported as the masked path. Route `meta.telemetry`:
 * `false` records nothing there, `{ name }` names the screen. Called after
 * the initial navigation, it records the current route at once.
 *
 * Returns a function that stops tracking. Bad arguments throw here in
 * development builds; afterwards nothing throws.
 *
 * @example
 * ```ts
 * import { createTracker } from 'spa-telemetry'
 * import { trackRouter } from 'spa-telemetry/vue'
 *
 * const tracker = createTracker({ endpoint: '/telemetry', app: { name: 'console' } })
 * const stop = trackRouter(tracker, router) // '/projects/:id', never '/projects/42'
 * ```
 */
export const trackRouter = (tracker: Tracker, router: RouterLike, options?: RouterTrackingOptions): (() => void) => {
  const { overrides, trackQueryChanges } = routingOptions(tracker, options, 'route name or path')
  if (DEV) checkRouter(router)

  /** route record → its template; null for a catch-all (the not-found page) or a route no template fits */
  const templates = new WeakMap<RouteRecordLike, string | null>()
  /**
   * Learns the records not known yet: each is reported as the template the
   * `routes` option gives it, else as its own, else (refused) as its own kept
   * to one segment, else masked (null), never as another route's. Each round
   * offers the tracker all its templates at once.
   */
  const learnRoutes = (): void => {
    const fresh: [RouteRecordLike, string[]][] = []
    for (const record of router.getRoutes()) {
      if (templates.has(record)) continue
      const override = overrides.get(String(record.name)) ?? overrides.get(record.path)
      const own = toTemplate(record.path)
      // a lone wildcard at the root stays out of the table, so that unknown paths keep only the table's words
      if (!override && CATCH_ALL.test(own)) templates.set(record, null)
      else fresh.push([record, override ? [override] : [own, toNarrowTemplate(record.path)]])
    }
    for (const round of [0, 1]) {
      const open = fresh.filter(([record, candidates]) => !templates.has(record) && candidates[round])
      const table = offer(
        tracker,
        open.map(([, candidates]) => candidates[round]),
      )
      for (const [record, candidates] of open)
        if (table.has(candidates[round])) templates.set(record, candidates[round])
    }
    for (const [record] of fresh) if (!templates.has(record)) templates.set(record, null)
  }

  const recordPage = (to: RouteLike, from?: RouteLike): void => {
    const leaf = to.matched[to.matched.length - 1]
    const telemetry = to.meta.telemetry as RouteTelemetry | undefined
    if (!leaf || telemetry === false) return
    if (!trackQueryChanges && from?.matched.length && from.path === to.path) return
    // an alias is reported as the route it is an alias of
    const record = leaf.aliasOf ?? leaf
    if (!templates.has(record)) learnRoutes()
    // a location, not a URL string: a path like "//x" has no host to strip. The
    // route again as the hash serves a tracker made for hash routing (hash: true)
    const search = to.fullPath.slice(to.path.length)
    tracker.page(
      { pathname: to.path, search, hash: '#' + to.fullPath },
      { route: templates.get(record), name: telemetry?.name },
    )
  }

  let active = true
  let remove: () => void = () => {}
  safely(learnRoutes)
  safely(() => {
    remove = router.afterEach((to, from, failure) => {
      if (active && !failure) safely(() => recordPage(to, from))
    })
  })
  // called after the initial navigation: that one has happened already
  safely(() => router.currentRoute.value.matched.length && recordPage(router.currentRoute.value))
  return () => {
    active = false
    safely(remove)
  }
}
