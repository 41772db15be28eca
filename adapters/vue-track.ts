/**
 * `trackRouter` of `spa-telemetry/vue`: one page view per vue-router
 * navigation, as the matched route's template. The plugin (`vue.ts`) is a
 * thin layer over it.
 */
import type { RouterTrackingOptions, RouteTelemetry, Tracker } from 'spa-telemetry'

import { DEV, atSetup, check, isTracker, safely } from './guards.js'
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

/** Development builds: the setup checks `trackRouter` and the plugin share. */
export const checkTracking = (tracker: Tracker, router: RouterLike, options: RouterTrackingOptions | undefined): void => {
  check(() => isTracker(tracker, 'page', 'addRoutes'), 'tracker', tracker, 'a tracker from createTracker()')
  check(() => typeof router.getRoutes === 'function' && typeof router.afterEach === 'function', 'router', router, 'a vue-router Router')
  check(() => options === undefined || (typeof options === 'object' && !Array.isArray(options)), 'options', options, 'an object like { trackQueryChanges: true }')
  const { routes, trackQueryChanges } = options || {}
  check(trackQueryChanges === undefined || typeof trackQueryChanges === 'boolean', 'trackQueryChanges', trackQueryChanges, 'true or false')
  check(
    () => routes === undefined || (typeof routes === 'object' && Object.values(routes!).every(template => typeof template === 'string')),
    'routes', routes, 'a list of templates, or { [route name or path]: template }',
  )
}

/**
 * The options as `trackRouter` uses them (a getter that throws leaves them
 * at their defaults); the templates they list join the tracker's table
 * now, so that a bad one fails at setup.
 */
export const readOptions = (tracker: Tracker, options: RouterTrackingOptions | undefined) => {
  let routes: RouterTrackingOptions['routes'] = []
  let trackQueryChanges = false
  safely(() => ({ routes = [], trackQueryChanges = false } = options || {}))
  const list = Array.isArray(routes)
  /** route name or path → the template to report instead */
  const overrides = new Map<string, string>()
  safely(() => !list && Object.entries(routes!).forEach(([key, template]) => overrides.set(key, template)))
  const explicit = list ? (routes as readonly string[]) : [...new Set(overrides.values())]
  if (explicit.length) atSetup(() => tracker.addRoutes(explicit))
  return { overrides, trackQueryChanges }
}

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
  if (DEV) checkTracking(tracker, router, options)
  const { overrides, trackQueryChanges } = readOptions(tracker, options)

  /** The template a route is reported as (added to the tracker's table), or null: none the tracker takes. */
  const adopt = (path: string, override: string | undefined): string | null => {
    for (const template of override ? [override] : [toTemplate(path), toNarrowTemplate(path)]) {
      try {
        tracker.addRoutes([template])
        return template
      } catch {
        // refused: the next one, or none (then masked, never another route's template)
      }
    }
    return null
  }
  /** route record → its template; null for a catch-all (the not-found page) or a route no template fits */
  const templates = new WeakMap<RouteRecordLike, string | null>()
  const learnRoutes = (): void => {
    for (const record of router.getRoutes()) {
      if (templates.has(record)) continue
      const override = overrides.get(String(record.name)) ?? overrides.get(record.path)
      // a lone wildcard at the root stays out of the table, so that unknown paths keep only the table's words
      templates.set(record, !override && CATCH_ALL.test(toTemplate(record.path)) ? null : adopt(record.path, override))
    }
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
    tracker.page({ pathname: to.path, search, hash: '#' + to.fullPath }, { route: templates.get(record), name: telemetry?.name })
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
