/**
 * `spa-telemetry/nuxt`: the Vue plugin for Nuxt 3 and 4, as a client plugin
 * configured by runtime config, so the endpoint and an off switch can be set
 * by environment variables at deploy time.
 */
import type { Tracker } from 'spa-telemetry'
import { createTelemetryPlugin } from 'spa-telemetry/vue'
import type { AppLike, RouterLike, TelemetryPluginOptions } from 'spa-telemetry/vue'

/**
 * `runtimeConfig.public.telemetry` in `nuxt.config.ts`; Nuxt fills it from
 * `NUXT_PUBLIC_TELEMETRY_ENDPOINT` and `NUXT_PUBLIC_TELEMETRY_DISABLED`.
 */
export interface NuxtTelemetryConfig {
  endpoint?: string
  disabled?: boolean | string
}

/** The parts of the Nuxt app the plugin uses. */
export interface NuxtAppLike {
  vueApp: AppLike & { use(plugin: object): unknown }
  $router: RouterLike
  $config?: { public?: { telemetry?: NuxtTelemetryConfig } }
}

/** Everything the Vue plugin takes but the router, which comes from Nuxt. `endpoint` may come from runtime config. */
export type NuxtTelemetryOptions = Omit<TelemetryPluginOptions, 'router' | 'tracker' | 'endpoint'> & { endpoint?: string }

/**
 * Defines the Nuxt plugin for `plugins/telemetry.client.ts` (or
 * `plugins/telemetry.ts`): on the client it installs the Vue plugin on
 * Nuxt's router and provides the tracker as `$telemetry` (also
 * `useTelemetry()`); on the server it only declares `v-track`, which renders
 * nothing there.
 * `runtimeConfig.public.telemetry.endpoint` overrides `endpoint`, and
 * `disabled: true` turns tracking off like `NC_DISABLE_TELE`.
 *
 * @example
 * ```ts
 * // plugins/telemetry.client.ts
 * import { defineTelemetryNuxtPlugin } from 'spa-telemetry/nuxt'
 * export default defineTelemetryNuxtPlugin({ endpoint: '/telemetry', app: { name: 'shop' } })
 * ```
 */
export const defineTelemetryNuxtPlugin = (options: NuxtTelemetryOptions) => {
  if (!options || typeof options !== 'object') throw new Error(`[spa-telemetry] options is ${String(options)}: expected an object like { app: { name: "shop" } }`)
  return (nuxtApp: NuxtAppLike): { provide: { telemetry: Tracker } } | undefined => {
    if (typeof window === 'undefined') {
      nuxtApp.vueApp.directive('track', { getSSRProps: () => ({}) })
      return undefined
    }
    const config = nuxtApp.$config?.public?.telemetry || {}
    const disabled = config.disabled === true || config.disabled === 'true'
    const plugin = createTelemetryPlugin({
      ...options,
      endpoint: config.endpoint || options.endpoint,
      enabled: disabled ? false : options.enabled,
      router: nuxtApp.$router,
    } as TelemetryPluginOptions)
    nuxtApp.vueApp.use(plugin)
    return { provide: { telemetry: plugin.tracker } }
  }
}
