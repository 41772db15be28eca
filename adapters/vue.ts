/**
 * `spa-telemetry/vue`: page views from vue-router (`trackRouter`), and a
 * Vue 3 plugin that adds around it what components use: `useTelemetry()`,
 * `$telemetry` and the `v-track` directive.
 */
import { inject } from 'vue'
import { createTracker } from 'spa-telemetry'
import type { RouterTrackingOptions, Tracker, TrackerOptions } from 'spa-telemetry'

import { DEV, atSetup, check, deprecated, fail, isTracker, readOptions, safely } from './guards.js'
import { createTrackDirective } from './vue-directive.js'
import { checkRouter, trackRouter } from './vue-track.js'
import { routingOptions } from './routing.js'
import type { RouterLike } from './vue-track.js'
import { toTemplate } from './vue-routes.js'

export type { RouteTelemetry, RouterTrackingOptions } from 'spa-telemetry'
export { createTrackDirective, toTemplate, trackRouter }
export type { TrackValue } from './vue-directive.js'
export type { RouteLike, RouteRecordLike, RouterLike } from './vue-track.js'

/** The parts of a Vue app the plugin uses. */
export interface AppLike {
  provide(key: symbol, value: unknown): unknown
  directive(name: string, directive: object): unknown
  config: {
    globalProperties: Record<string, unknown>
    errorHandler?: ((error: unknown, instance: never, info: string) => void) | null
  }
  onUnmount?(callback: () => void): void
}

/** Options of `createTelemetryPlugin(tracker, router, options)`: the router's, and one of the app's own. */
export interface TelemetryPluginOptions extends RouterTrackingOptions {
  /**
   * Record component errors by constructor name: chains
   * `app.config.errorHandler`, keeping yours. Default `false`.
   */
  captureErrors?: boolean
}

/**
 * The options of the 0.1 form `createTelemetryPlugin({ router, … })`:
 * the router, the plugin's options, and a tracker or the options to create one.
 * @deprecated Create the tracker with `createTracker()` and call `createTelemetryPlugin(tracker, router, options)`.
 */
export interface LegacyTelemetryPluginOptions extends Omit<Partial<TrackerOptions>, 'routes'>, TelemetryPluginOptions {
  /** The app's vue-router `Router`. */
  router: RouterLike
  /** A tracker from `createTracker`; without one, the plugin creates it from the other options. */
  tracker?: Tracker
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

/** The injection key of the tracker (`useTelemetry()` reads it). */
export const TELEMETRY_KEY: unique symbol = Symbol('spa-telemetry')

/** The plugin; `owned`: a tracker it created (the 0.1 form), destroyed when the app unmounts. */
const plugin = (
  tracker: Tracker,
  router: RouterLike,
  options: TelemetryPluginOptions | undefined,
  owned: boolean,
): TelemetryPlugin => {
  // checked, and the templates options list join the table, now: a bad one fails here
  routingOptions(tracker, options, 'route name or path')
  const { captureErrors = false } = readOptions(options).fields
  if (DEV) {
    checkRouter(router)
    check(typeof captureErrors === 'boolean', 'captureErrors', captureErrors, 'true or false')
  }
  return {
    tracker,
    install: app => {
      safely(() => app.provide(TELEMETRY_KEY, tracker))
      safely(() => (app.config.globalProperties.$telemetry = tracker))
      safely(() => app.directive('track', createTrackDirective(tracker)))
      const stop = trackRouter(tracker, router, options)
      if (captureErrors) {
        safely(() => {
          const previous = app.config.errorHandler
          app.config.errorHandler = (error, instance, info) => {
            safely(() => tracker.error(error))
            if (previous) previous(error, instance, info)
            else console.error(error)
          }
        })
      }
      safely(() =>
        app.onUnmount?.(() => {
          stop()
          // a tracker passed in belongs to the app, which may share it with other adapters
          if (owned) safely(() => tracker.destroy())
        }),
      )
    },
  }
}

/** The 0.1 form: one object with the router, and the tracker or the options to create it. */
const legacyPlugin = (options: LegacyTelemetryPluginOptions): TelemetryPlugin => {
  deprecated(
    'createTelemetryPlugin({ router, … })',
    'create the tracker with createTracker() and call createTelemetryPlugin(tracker, router, options)',
  )
  // read once: a getter that throws leaves the options empty
  const {
    router,
    tracker: given,
    routes,
    trackQueryChanges,
    captureErrors,
    ...trackerOptions
  } = readOptions(options).fields
  if (DEV)
    check(
      () => given === undefined || isTracker(given, 'page', 'addRoutes'),
      'tracker',
      given,
      'a tracker from createTracker()',
    )
  // a tracker the plugin creates records uncaught errors too when asked for errors
  const tracker = given ?? atSetup(() => createTracker({ ...trackerOptions, captureErrors } as TrackerOptions), inert())
  return plugin(tracker, router as RouterLike, { routes, trackQueryChanges, captureErrors }, !given)
}

/**
 * Creates the Vue plugin: `trackRouter(tracker, router, options)` when it
 * is installed (stopped when the app unmounts), the tracker provided to
 * `useTelemetry()` and as `this.$telemetry`, and the `v-track` directive.
 * `captureErrors: true` also records component errors by constructor name.
 * Bad arguments throw here in development builds.
 *
 * @example
 * ```ts
 * import { createApp } from 'vue'
 * import { createTracker } from 'spa-telemetry'
 * import { createTelemetryPlugin } from 'spa-telemetry/vue'
 *
 * const tracker = createTracker({ endpoint: '/telemetry', app: { name: 'console' } })
 * createApp(App).use(router).use(createTelemetryPlugin(tracker, router)).mount('#app')
 * ```
 */
export function createTelemetryPlugin(
  tracker: Tracker,
  router: RouterLike,
  options?: TelemetryPluginOptions,
): TelemetryPlugin
/**
 * The 0.1 form, which may also create the tracker.
 * @deprecated Create the tracker with `createTracker()` and call
 * `createTelemetryPlugin(tracker, router, options)`; this form goes in the next minor version.
 */
export function createTelemetryPlugin(options: LegacyTelemetryPluginOptions): TelemetryPlugin
export function createTelemetryPlugin(
  first: Tracker | LegacyTelemetryPluginOptions,
  router?: RouterLike,
  options?: TelemetryPluginOptions,
): TelemetryPlugin {
  let legacy = false
  safely(
    () =>
      (legacy =
        router === undefined && !!first && typeof first === 'object' && !isTracker(first, 'page') && 'router' in first),
  )
  return legacy
    ? legacyPlugin(first as LegacyTelemetryPluginOptions)
    : plugin(first as Tracker, router!, options, false)
}

/** What `useTelemetry()` returns where no plugin provides a tracker and it must not throw: records nothing. */
let inertTracker: Tracker | undefined
const inert = (): Tracker => {
  const nothing = (): void => {}
  return (inertTracker ||= {
    ...{
      page: nothing,
      track: nothing,
      action: nothing,
      error: nothing,
      flush: nothing,
      optIn: nothing,
      optOut: nothing,
      addRoutes: nothing,
      destroy: nothing,
    },
    isEnabled: () => false,
    anonymize: () => null,
    status: ((detail?: true) => (detail ? { status: 'inactive', stored: false } : 'inactive')) as Tracker['status'],
    routes: () => [],
    options: { endpoint: '/', app: { name: 'inactive' } },
  })
}

/**
 * The tracker the plugin provided, inside `setup()`. During server-side
 * rendering, where the plugin may not be installed, it returns an inert
 * tracker (it records nothing); so does a production build in a browser
 * where no plugin provided one, while a development build says so.
 *
 * @example
 * ```ts
 * const telemetry = useTelemetry()
 * const save = () => telemetry.track('table_saved', { kind: 'grid' })
 * ```
 */
export const useTelemetry = (): Tracker => {
  let tracker: Tracker | undefined
  safely(() => (tracker = inject<Tracker | undefined>(TELEMETRY_KEY, undefined)))
  if (tracker) return tracker
  if (DEV && typeof window !== 'undefined')
    fail('useTelemetry() found no tracker: install createTelemetryPlugin() first')
  return inert()
}
