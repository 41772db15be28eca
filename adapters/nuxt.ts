/**
 * `spa-telemetry/nuxt`: the Vue plugin as a Nuxt 3 and 4 plugin, configured
 * by runtime config, so that the endpoint and an off switch can be set by
 * environment variables at deploy time.
 */
import { createTracker } from 'spa-telemetry'
import type { Tracker, TrackerOptions } from 'spa-telemetry'
import { createTelemetryPlugin } from 'spa-telemetry/vue'
import type { AppLike, RouterLike, TelemetryPluginOptions } from 'spa-telemetry/vue'

/**
 * `runtimeConfig.public.telemetry` in `nuxt.config.ts`; Nuxt fills it from
 * `NUXT_PUBLIC_TELEMETRY_ENDPOINT` and `NUXT_PUBLIC_TELEMETRY_DISABLED`.
 */
export interface NuxtTelemetryConfig {
  endpoint?: string
  /** `true` (or `"true"`, `1`) turns tracking off, like NocoDB's `NC_DISABLE_TELE`. */
  disabled?: boolean | string | number
}

/** The parts of the Nuxt app (the argument of a Nuxt plugin) this plugin uses. */
export interface NuxtAppLike {
  vueApp: AppLike & { use(plugin: object): unknown }
  /** Nuxt's router, provided by its router plugin (Nuxt's own type of the app leaves it out). */
  $router?: unknown
  $config?: { public?: { telemetry?: NuxtTelemetryConfig } }
  hook?(name: 'vue:error', callback: (error: unknown) => void): unknown
}

/** The Vue plugin's options but `router` and `tracker` (Nuxt has them); `endpoint` may come from runtime config. */
export type NuxtTelemetryOptions = Omit<TelemetryPluginOptions, 'router' | 'tracker' | 'endpoint'> & { endpoint?: string }

/**
 * Defines the Nuxt plugin. In the browser it creates the tracker, installs
 * the Vue plugin on Nuxt's router (so `pages/projects/[id].vue` is reported
 * as `/projects/:id`) and provides the tracker as `$telemetry` and to
 * `useTelemetry()`. On the server it only declares `v-track`, which renders
 * nothing there, so the file may be `plugins/telemetry.ts`: server-rendered
 * pages may then use `v-track`. `runtimeConfig.public.telemetry.endpoint`
 * overrides `endpoint`; `disabled: true` turns tracking off.
 * `captureErrors` records component errors through Nuxt's `vue:error` hook.
 *
 * @example
 * ```ts
 * // plugins/telemetry.ts
 * import { defineTelemetryNuxtPlugin } from 'spa-telemetry/nuxt'
 *
 * export default defineNuxtPlugin(defineTelemetryNuxtPlugin({ app: { name: 'shop', version: '1.4.0' } }))
 * ```
 */
export const defineTelemetryNuxtPlugin = (options: NuxtTelemetryOptions) => {
  if (process.env.NODE_ENV !== 'production' && (!options || typeof options !== 'object')) {
    throw new Error(`[spa-telemetry] options is ${JSON.stringify(options) ?? options}: expected an object like { app: { name: "shop" } }`)
  }
  return (nuxtApp: NuxtAppLike): { provide: { telemetry: Tracker } } | undefined => {
    if (typeof window === 'undefined') {
      // Vue's server renderer asks a directive for SSR props: this one has none
      nuxtApp.vueApp.directive('track', {})
      return undefined
    }
    const { routes, trackQueryChanges, captureErrors, ...trackerOptions } = options
    const config = nuxtApp.$config?.public?.telemetry || {}
    const disabled = /^(true|1)$/.test(String(config.disabled))
    const tracker = createTracker({
      ...trackerOptions,
      endpoint: config.endpoint || trackerOptions.endpoint,
      enabled: disabled ? false : trackerOptions.enabled,
      captureErrors,
    } as TrackerOptions)
    // Nuxt's own errorHandler must stay as Nuxt manages it: errors come through its hook instead
    if (captureErrors) nuxtApp.hook?.('vue:error', error => tracker.error(error))
    nuxtApp.vueApp.use(createTelemetryPlugin({ router: nuxtApp.$router as RouterLike, tracker, routes, trackQueryChanges }))
    return { provide: { telemetry: tracker } }
  }
}
