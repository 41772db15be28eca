/**
 * `spa-telemetry/nuxt`: the Nuxt runtime. `defineTelemetryNuxtPlugin` makes
 * the Vue plugin a Nuxt 3 and 4 plugin, configured by runtime config, so
 * that the endpoint and an off switch can be set by environment variables
 * at deploy time. The Nuxt module (`modules: ['spa-telemetry/nuxt']`, in
 * `spa-telemetry/nuxt/module`, which Nuxt finds from that name) adds this
 * plugin for you.
 */
import { createTracker } from 'spa-telemetry'
import type { Placeholder, Tracker, TrackerOptions, Unmatched } from 'spa-telemetry'
import { createTelemetryPlugin } from 'spa-telemetry/vue'
import type { AppLike, RouterLike, TelemetryPluginOptions } from 'spa-telemetry/vue'

import { DEV, atSetup, check, safely } from './guards.js'

/**
 * `runtimeConfig.public.telemetry` in `nuxt.config.ts`; Nuxt fills it from
 * `NUXT_PUBLIC_TELEMETRY_ENDPOINT` and `NUXT_PUBLIC_TELEMETRY_DISABLED`.
 */
export interface NuxtTelemetryConfig {
  endpoint?: string
  /** `true` (or `"true"`, `1`, `"yes"`, `"on"`: anything but `false`, `0`, `""`, `"no"`, `"off"`) turns tracking off, like NocoDB's `NC_DISABLE_TELE`. */
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

/**
 * The tracker's options (`endpoint` may come from runtime config) and the
 * Vue plugin's (`routes`, `trackQueryChanges`, `captureErrors`).
 */
export interface NuxtTelemetryOptions extends Omit<TrackerOptions, 'endpoint' | 'routes'>, TelemetryPluginOptions {
  /** Where batches go; `runtimeConfig.public.telemetry.endpoint` overrides it. */
  endpoint?: string
}

/**
 * The `spaTelemetry` key of `nuxt.config.ts` (the module's options): the
 * plugin's options that a config file can hold. Functions, patterns and
 * `format` need a plugin file with `defineTelemetryNuxtPlugin`.
 */
export interface NuxtTelemetryModuleOptions extends Omit<
  NuxtTelemetryOptions,
  'enabled' | 'placeholder' | 'unmatched' | 'keepQuery' | 'format'
> {
  /** `false` turns tracking off at build time (`NUXT_PUBLIC_TELEMETRY_DISABLED` does at run time). */
  enabled?: boolean
  placeholder?: Extract<Placeholder, string>
  unmatched?: Extract<Unmatched, string>
  /** Query keys to keep (values as `*`), or keys with their allowed values. */
  keepQuery?: readonly string[] | Readonly<Record<string, readonly string[]>>
}

/**
 * Defines the Nuxt plugin. In the browser it creates the tracker, installs
 * the Vue plugin on Nuxt's router (so `pages/projects/[id].vue` is reported
 * as `/projects/:id`) and provides the tracker as `$telemetry` and to
 * `useTelemetry()`. On the server it only declares `v-track`, which renders
 * nothing there, so the file may be `plugins/telemetry.ts`: server-rendered
 * pages may then use `v-track`. `runtimeConfig.public.telemetry.endpoint`
 * overrides `endpoint`; `disabled: true` turns tracking off.
 * `captureErrors` records component errors through Nuxt's `vue:error` hook.
 * The Nuxt module writes this plugin for you from `nuxt.config`.
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
  if (DEV)
    check(
      () => typeof options === 'object' && options !== null && !Array.isArray(options),
      'options',
      options,
      'an object like { app: { name: "shop" } }',
    )
  return (nuxtApp: NuxtAppLike): { provide: { telemetry: Tracker } } | undefined => {
    if (typeof window === 'undefined') {
      // Vue's server renderer asks a directive for SSR props: this one has none
      safely(() => nuxtApp.vueApp.directive('track', {}))
      return undefined
    }
    let fields = {} as NuxtTelemetryOptions
    safely(() => (fields = { ...options }))
    const { routes, trackQueryChanges, captureErrors, ...trackerOptions } = fields
    let config: NuxtTelemetryConfig = {}
    safely(() => (config = nuxtApp.$config?.public?.telemetry || {}))
    // bad options fail here in development builds, as createTracker's do
    const tracker = atSetup(
      () =>
        createTracker({
          ...trackerOptions,
          endpoint: config.endpoint || trackerOptions.endpoint,
          // `disabled` fails closed: anything but false, 0, '', or the words false, 0, no, off (any case, nothing around them) turns tracking off ('yes', 'on' included)
          enabled: /^(false|0|no|off)$/i.test(String(config.disabled || 0)) && trackerOptions.enabled,
          captureErrors,
        } as TrackerOptions),
      undefined,
    )
    if (!tracker) return undefined
    // Nuxt's own errorHandler must stay as Nuxt manages it: errors come through its hook instead
    if (captureErrors) safely(() => nuxtApp.hook?.('vue:error', error => safely(() => tracker.error(error))))
    atSetup(() =>
      nuxtApp.vueApp.use(createTelemetryPlugin(tracker, nuxtApp.$router as RouterLike, { routes, trackQueryChanges })),
    )
    return { provide: { telemetry: tracker } }
  }
}
