/**
 * `spa-telemetry/vue`: a Vue 3 plugin that records one page view per
 * vue-router navigation (as the matched route's template), provides the
 * tracker to components, and adds a `v-track` directive.
 */
import { inject } from 'vue'
import { createAnonymizer, createTracker } from 'spa-telemetry'
import type { PropValue, Tracker, TrackerOptions } from 'spa-telemetry'

import { check, safely } from './guards.js'
import { toTemplate } from './vue-routes.js'

export { toTemplate }

/** The parts of a vue-router route record the plugin reads. */
export interface RouteRecordLike {
  path: string
  name?: string | symbol | null
  aliasOf?: RouteRecordLike
}
/** The parts of a resolved route the plugin reads (never `params` or `query`). */
export interface RouteLike {
  path: string
  fullPath: string
  matched: readonly RouteRecordLike[]
  meta: Record<string | number | symbol, unknown>
}
/** The parts of a vue-router `Router` the plugin uses. */
export interface RouterLike {
  getRoutes(): readonly RouteRecordLike[]
  afterEach(guard: (to: RouteLike, from: RouteLike, failure?: unknown) => unknown): () => void
  currentRoute: { value: RouteLike }
}
/** The parts of a Vue app the plugin uses. */
export interface AppLike {
  provide(key: symbol, value: unknown): unknown
  directive(name: string, directive: object): unknown
  config: { globalProperties: Record<string, unknown>; errorHandler?: ((error: unknown, instance: never, info: string) => void) | null }
  onUnmount?(callback: () => void): void
}

/**
 * `meta.telemetry` of a route: `false` records no page views there (children
 * inherit it, as any route meta), `{ name }` adds a screen name.
 */
export type RouteTelemetry = false | { name?: string }

/** Options of `createTelemetryPlugin`: the router, and a tracker or the options to create one. */
export interface TelemetryPluginOptions extends Omit<Partial<TrackerOptions>, 'routes'> {
  /** The app's vue-router `Router`. */
  router: RouterLike
  /**
   * More templates for the tracker (a list), or the template to report for
   * some routes instead of their own (an object: route name or path →
   * template, like `{ 'table-view': '/nc/:project_id/table/:table_id' }`).
   */
  routes?: readonly string[] | Record<string, string>
  /** A tracker from `createTracker`; without one, the plugin creates it from the other options. */
  tracker?: Tracker
  /** Record a page view when only the query or hash changed. Default `false`. */
  trackQueryChanges?: boolean
  /**
   * Record errors by constructor name: chains `app.config.errorHandler`
   * (keeping yours), and a tracker the plugin creates also records uncaught
   * errors and rejections. Default `false`.
   */
  captureErrors?: boolean
}

/** What `createTelemetryPlugin` returns: a Vue plugin, and the tracker it reports to. */
export interface TelemetryPlugin {
  install(app: AppLike): void
  /** The tracker the plugin reports to. */
  tracker: Tracker
}

declare module 'vue' {
  interface ComponentCustomProperties {
    /** The tracker of `spa-telemetry/vue` (in `setup()`: `useTelemetry()`). */
    $telemetry: Tracker
  }
}

/** What `useTelemetry()` returns during server rendering without the plugin; made at first use. */
let inertTracker: Tracker | undefined

/** The injection key of the tracker (`useTelemetry()` reads it). */
export const TELEMETRY_KEY: unique symbol = Symbol('spa-telemetry')

/**
 * Creates the Vue plugin: one page view per successful navigation, as the
 * matched leaf route record's template (`/projects/:id`, never
 * `/projects/42`); none for failed, duplicated or redirected-away
 * navigations, nor for a change of query or hash alone. Route templates are
 * read from `router.getRoutes()`, again when a navigation reaches a route
 * added later. A catch-all at the root (`/:pathMatch(.*)*`, the not-found
 * page) stays out of the table: it is reported as the masked path (with its
 * `meta.telemetry.name`). Bad options throw here (in development builds).
 *
 * @example
 * ```ts
 * import { createApp } from 'vue'
 * import { createTelemetryPlugin } from 'spa-telemetry/vue'
 *
 * createApp(App)
 *   .use(router)
 *   .use(createTelemetryPlugin({ router, endpoint: '/telemetry', app: { name: 'console' } }))
 *   .mount('#app')
 * ```
 */
export const createTelemetryPlugin = (options: TelemetryPluginOptions): TelemetryPlugin => {
  // setup checks: development builds only
  if (process.env.NODE_ENV !== 'production') check(options && typeof options === 'object', 'options', options, 'an object like { router, tracker }')
  const { router, tracker: given, routes = [], trackQueryChanges = false, captureErrors = false, ...trackerOptions } = options
  if (process.env.NODE_ENV !== 'production') {
    check(router && typeof router.getRoutes === 'function' && typeof router.afterEach === 'function', 'router', router, 'a vue-router Router')
    check(typeof trackQueryChanges === 'boolean', 'trackQueryChanges', trackQueryChanges, 'true or false')
    check(typeof captureErrors === 'boolean', 'captureErrors', captureErrors, 'true or false')
    check(routes && typeof routes === 'object' && Object.values(routes).every(template => typeof template === 'string'), 'routes', routes, 'a list of templates, or { [route name or path]: template }')
    check(given === undefined || (given && typeof given.page === 'function' && typeof given.addRoutes === 'function'), 'tracker', given, 'a tracker from createTracker()')
  }
  const tracker = given ?? createTracker({ ...trackerOptions, captureErrors } as TrackerOptions)
  const overrides = new Map(Array.isArray(routes) ? [] : Object.entries(routes))
  // explicit templates are checked now, so that a bad one fails at setup (addRoutes() only skips it), and join the table
  const explicit = Array.isArray(routes) ? routes : [...new Set(overrides.values())]
  if (explicit.length) tracker.addRoutes(createAnonymizer({ routes: explicit }).routes())

  /**
   * route record → its template; null for a catch-all (the not-found page),
   * which matched no real route: the tracker masks its path
   */
  const templates = new WeakMap<RouteRecordLike, string | null>()
  const learnRoutes = (): void => {
    for (const record of router.getRoutes()) {
      if (templates.has(record)) continue
      const override = overrides.get(String(record.name)) ?? overrides.get(record.path)
      const template = override ?? toTemplate(record.path)
      // a lone wildcard at the root stays out of the table, so that unknown paths keep only the table's words
      const catchAll = !override && /^\{?\/\*[^/{}]+\}?$/.test(template)
      templates.set(record, catchAll ? null : template)
      // one at a time: a template the anonymizer refuses costs only its own routes
      if (!catchAll) safely(() => tracker.addRoutes([template]))
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

  return {
    tracker,
    install: app => {
      safely(learnRoutes)
      app.provide(TELEMETRY_KEY, tracker)
      app.config.globalProperties.$telemetry = tracker
      app.directive('track', createTrackDirective(tracker))
      const stop = router.afterEach((to, from, failure) => {
        if (!failure) safely(() => recordPage(to, from))
      })
      // installed after the initial navigation: that one has happened already
      safely(() => router.currentRoute.value.matched.length && recordPage(router.currentRoute.value))
      if (captureErrors) {
        const previous = app.config.errorHandler
        app.config.errorHandler = (error, instance, info) => {
          safely(() => tracker.error(error))
          if (previous) previous(error, instance, info)
          else console.error(error)
        }
      }
      app.onUnmount?.(() => {
        stop()
        // a tracker passed in belongs to the app, which may share it with other adapters
        if (!given) safely(() => tracker.destroy())
      })
    },
  }
}

/**
 * The tracker the plugin provided, inside `setup()`. During server-side
 * rendering, where the plugin may not be installed, it returns an inert
 * tracker instead of throwing.
 *
 * @example
 * ```ts
 * const telemetry = useTelemetry()
 * const save = () => telemetry.track('table_saved', { kind: 'grid' })
 * ```
 */
export const useTelemetry = (): Tracker => {
  const tracker = inject<Tracker | undefined>(TELEMETRY_KEY, undefined)
  if (tracker) return tracker
  // a tracker made outside a browser records and sends nothing: one serves every render
  if (typeof window === 'undefined') return (inertTracker ||= createTracker({ endpoint: '/', app: { name: 'ssr' } }))
  throw new Error('[spa-telemetry] useTelemetry() found no tracker: install createTelemetryPlugin() first')
}

/** A `v-track` value: an event name, or a name with static props. */
export type TrackValue = string | { name: string; props?: Record<string, PropValue> }

interface TrackBinding {
  value: TrackValue
  arg?: string
}
interface Listening {
  event: string
  value: TrackValue
  listener: () => void
}

/**
 * The `v-track` directive: records a track event when the element is
 * clicked (or on the DOM event its argument names), with the name and
 * static props of its value. It never reads the element's text, attributes
 * or input values. The plugin registers it; use this without the plugin.
 *
 * @example
 * ```vue
 * <button v-track="'export_clicked'">Export</button>
 * <form v-track:submit="{ name: 'table_created', props: { kind: 'grid' } }">…</form>
 * ```
 */
export const createTrackDirective = (tracker: Tracker) => {
  const listening = new WeakMap<Element, Listening>()
  const unbind = (el: Element): void => {
    const current = listening.get(el)
    if (current) el.removeEventListener(current.event, current.listener)
    listening.delete(el)
  }
  const bind = (el: Element, { value, arg = 'click' }: TrackBinding): void => {
    const current = listening.get(el)
    // a new value is read at the next event; a new event name needs a new listener
    if (current?.event === arg) return void (current.value = value)
    unbind(el)
    const entry: Listening = {
      event: arg,
      value,
      listener: () =>
        safely(() => (typeof entry.value === 'string' ? tracker.track(entry.value) : tracker.track(entry.value.name, entry.value.props))),
    }
    el.addEventListener(arg, entry.listener)
    listening.set(el, entry)
  }
  return { mounted: bind, updated: bind, unmounted: unbind }
}
