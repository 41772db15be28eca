/**
 * `spa-telemetry/vue`: a Vue 3 plugin that records a page view per
 * vue-router navigation (as the matched route's template), provides the
 * tracker to components, and adds a `v-track` directive.
 */
import { inject } from 'vue'
import { createTracker } from 'spa-telemetry'
import type { PropValue, Tracker, TrackerOptions } from 'spa-telemetry'

import { check, safely } from './guards.js'
import { toTemplate } from './vue-routes.js'

export { toTemplate }

/** The parts of a vue-router route record the plugin reads. */
export interface RouteRecordLike {
  path: string
  name?: string | symbol | null
  meta?: Record<string | number | symbol, unknown>
  aliasOf?: RouteRecordLike
}
/** The parts of a resolved route the plugin reads (never `params` or `query`). */
export interface RouteLike {
  path: string
  fullPath: string
  matched: readonly RouteRecordLike[]
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
  config: { globalProperties: Record<string, unknown>; errorHandler?: (error: unknown, instance: never, info: string) => void }
  onUnmount?(callback: () => void): void
}

/** What `meta.telemetry` of a route record may say: `false` (no page views) or a screen name. */
export type RouteTelemetry = false | { name?: string }

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
  /** Chain `app.config.errorHandler` to record errors (constructor name only). Default `false`. */
  captureErrors?: boolean
}

export interface TelemetryPlugin {
  install(app: AppLike): void
  /** The tracker the plugin reports to. */
  tracker: Tracker
}

/** What `useTelemetry()` injects. */
export const TELEMETRY_KEY: unique symbol = Symbol('spa-telemetry')

const ROUTER_OPTIONS = ['router', 'tracker', 'trackQueryChanges', 'captureErrors', 'routes']

/** The record a page view is reported as: the matched leaf, or the record it is an alias of. */
const leafOf = (route: RouteLike): RouteRecordLike | undefined => {
  const leaf = route.matched[route.matched.length - 1]
  return leaf?.aliasOf ?? leaf
}

/**
 * Creates the Vue plugin: one page view per successful navigation, as the
 * matched route record's template (`/projects/:id`, never `/projects/42`);
 * none for failed, duplicated or redirected-away navigations, nor for a
 * change of query or hash alone. Route templates are read from
 * `router.getRoutes()`, including routes added later. Bad options throw here.
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
  check(options && typeof options === 'object', 'options', options, 'an object like { router, tracker }')
  const { router, trackQueryChanges = false, captureErrors = false } = options
  check(router && typeof router.getRoutes === 'function' && typeof router.afterEach === 'function', 'router', router, 'a vue-router Router')
  check(typeof trackQueryChanges === 'boolean', 'trackQueryChanges', trackQueryChanges, 'true or false')
  check(typeof captureErrors === 'boolean', 'captureErrors', captureErrors, 'true or false')
  const { routes = [] } = options
  const overrides = new Map(Array.isArray(routes) ? [] : Object.entries(routes))
  check(routes && typeof routes === 'object' && [...overrides.values()].every(t => typeof t === 'string'), 'routes', routes, 'a list of templates, or an object of route name or path → template')
  let tracker = options.tracker
  if (tracker !== undefined) {
    check(tracker && typeof tracker.page === 'function' && typeof tracker.addRoutes === 'function', 'tracker', tracker, 'a tracker from createTracker()')
  } else {
    const trackerOptions: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(options)) if (!ROUTER_OPTIONS.includes(key)) trackerOptions[key] = value
    tracker = createTracker(trackerOptions as unknown as TrackerOptions)
  }
  const target = tracker
  // explicit templates join the table now, so that a bad one fails at setup
  const explicit = (Array.isArray(routes) ? routes : []).concat([...new Set(overrides.values())])
  if (explicit.length) target.addRoutes(explicit)

  /** record path → template, for every record the tracker knows */
  const templates = new Map<string, string | null>()
  const syncRoutes = (): void => {
    const added: string[] = []
    for (const record of router.getRoutes()) {
      if (templates.has(record.path)) continue
      let template = overrides.get(String(record.name)) ?? overrides.get(record.path) ?? null
      try {
        template ??= toTemplate(record.path)
      } catch {
        // a path this adapter cannot read: its URLs are anonymized (masked) by the tracker instead
      }
      templates.set(record.path, template)
      if (template && !added.includes(template)) added.push(template)
    }
    if (!added.length) return
    try {
      target.addRoutes(added)
    } catch {
      // one template the tracker refuses must not keep the others out
      for (const template of added) safely(() => target.addRoutes([template]))
    }
  }

  const record = (to: RouteLike, from?: RouteLike): void => {
    const leaf = leafOf(to)
    if (!leaf) return
    const telemetry = leaf.meta?.telemetry as RouteTelemetry | undefined
    if (telemetry === false) return
    if (from && leafOf(from) && from.path === to.path && !trackQueryChanges) return
    if (!templates.has(leaf.path)) syncRoutes()
    const route = templates.get(leaf.path) ?? undefined
    const name = telemetry && typeof telemetry === 'object' ? telemetry.name : undefined
    target.page(to.fullPath, { route, name })
  }

  return {
    tracker: target,
    install: app => {
      syncRoutes()
      app.provide(TELEMETRY_KEY, target)
      app.config.globalProperties.$telemetry = target
      app.directive('track', createTrackDirective(target))
      const stop = router.afterEach((to, from, failure) => {
        if (!failure) safely(() => record(to, from))
      })
      // installed after the first navigation: that one has happened already
      safely(() => {
        if (router.currentRoute.value.matched.length) record(router.currentRoute.value)
      })
      if (captureErrors) {
        const previous = app.config.errorHandler
        app.config.errorHandler = (error, instance, info) => {
          safely(() => target.error(error))
          if (previous) previous(error, instance, info)
          else console.error(error)
        }
      }
      app.onUnmount?.(() => {
        stop()
        // a tracker the app passed in may serve others: only the plugin's own is destroyed
        if (!options.tracker) safely(() => target.destroy())
      })
    },
  }
}

/**
 * The tracker the plugin provided, inside `setup()`.
 *
 * @example
 * ```ts
 * const telemetry = useTelemetry()
 * const save = () => telemetry.track('table_saved', { kind: 'grid' })
 * ```
 */
export const useTelemetry = (): Tracker => {
  const tracker = inject<Tracker | undefined>(TELEMETRY_KEY, undefined)
  if (!tracker) throw new Error('[spa-telemetry] useTelemetry() found no tracker: install createTelemetryPlugin() first')
  return tracker
}

/** A `v-track` value: an event name, or a name with static props. */
export type TrackValue = string | { name: string; props?: Record<string, PropValue> }

interface DirectiveBinding {
  value: TrackValue
  arg?: string
}

/**
 * The `v-track` directive: records a track event when the element is
 * clicked (or on the event named by its argument), with the name and static
 * props of its value. It never reads the element's text or input values.
 *
 * @example
 * ```vue
 * <button v-track="'export_clicked'">Export</button>
 * <form v-track:submit="{ name: 'table_created', props: { kind: 'grid' } }">…</form>
 * ```
 */
export const createTrackDirective = (tracker: Tracker) => {
  const bound = new WeakMap<Element, [event: string, listener: () => void, value: TrackValue]>()
  const listen = (el: Element, binding: DirectiveBinding): void => {
    const event = binding.arg || 'click'
    const listener = (): void => {
      const value = bound.get(el)?.[2]
      safely(() => {
        if (typeof value === 'string') tracker.track(value)
        else if (value && typeof value === 'object') tracker.track(value.name, value.props)
      })
    }
    el.addEventListener(event, listener)
    bound.set(el, [event, listener, binding.value])
  }
  const unlisten = (el: Element): void => {
    const current = bound.get(el)
    if (current) el.removeEventListener(current[0], current[1])
    bound.delete(el)
  }
  return {
    mounted: listen,
    updated: (el: Element, binding: DirectiveBinding) => {
      const current = bound.get(el)
      if (current && current[0] === (binding.arg || 'click')) current[2] = binding.value
      else {
        unlisten(el)
        listen(el, binding)
      }
    },
    unmounted: unlisten,
  }
}
