/**
 * `spa-telemetry/nuxt/module`: the Nuxt module. Nuxt tries `<name>/module`
 * before `<name>` itself, so `modules: ['spa-telemetry/nuxt']` loads this
 * file, while `spa-telemetry/nuxt` stays the runtime entry that app code may
 * import. It runs at build time only (in Node): it writes the plugin of
 * `defineTelemetryNuxtPlugin` with the `spaTelemetry` options of
 * `nuxt.config`, declares the runtime-config overrides, and auto-imports
 * `useTelemetry()`.
 */
import { addImports, addPluginTemplate, defineNuxtModule } from '@nuxt/kit'
import type { Nuxt, NuxtModule } from 'nuxt/schema'
import type { NuxtTelemetryConfig, NuxtTelemetryModuleOptions } from 'spa-telemetry/nuxt'

import { check, fail, show } from '../guards.js'

export type { NuxtTelemetryModuleOptions }

declare module 'nuxt/schema' {
  interface NuxtConfig {
    /** spa-telemetry's options (`modules: ['spa-telemetry/nuxt']`); `false` turns the module off. */
    spaTelemetry?: Partial<NuxtTelemetryModuleOptions> | false
  }
  interface NuxtOptions {
    spaTelemetry: NuxtTelemetryModuleOptions | false
  }
}

/** The config key. Not `telemetry`: that one is Nuxt's own, for its usage statistics (@nuxt/telemetry). */
const CONFIG_KEY = 'spaTelemetry'

/**
 * Fails unless `value` is what a config file can hold and a plugin file
 * can receive as JSON: strings, finite numbers, booleans, null, lists and
 * plain objects.
 */
const checkPlain = (value: unknown, name: string): void => {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  )
    return
  const plain =
    value !== undefined &&
    typeof value === 'object' &&
    (Array.isArray(value) || [Object.prototype, null].includes(Object.getPrototypeOf(value)))
  if (!plain) {
    fail(
      `${name} is ${value instanceof RegExp ? 'a RegExp' : show(value)}: expected what nuxt.config can hold (text, numbers, true or false, lists, plain objects); for functions, patterns or a format, use a plugin file with defineTelemetryNuxtPlugin`,
    )
  }
  for (const [key, item] of Object.entries(value as object))
    if (item !== undefined) checkPlain(item, `${name}${Array.isArray(value) ? `[${key}]` : `.${key}`}`)
}

/**
 * The Nuxt module: `modules: ['spa-telemetry/nuxt']` and a `spaTelemetry`
 * key in `nuxt.config.ts`. It adds the plugin of `defineTelemetryNuxtPlugin`
 * with those options (in the browser: page views from Nuxt's router,
 * `$telemetry`, `v-track`; on the server: an inert `v-track` only),
 * declares `runtimeConfig.public.telemetry` (`endpoint`, `disabled`) so that
 * `NUXT_PUBLIC_TELEMETRY_ENDPOINT` and `NUXT_PUBLIC_TELEMETRY_DISABLED`
 * override them at run time, auto-imports `useTelemetry()`, and gives the
 * tracker the app's `app.baseURL` as `base` and hash routing as `hash`.
 * Bad options fail the build with the `[spa-telemetry]` message.
 *
 * @example
 * ```ts
 * // nuxt.config.ts
 * export default defineNuxtConfig({
 *   modules: ['spa-telemetry/nuxt'],
 *   spaTelemetry: { endpoint: '/telemetry', app: { name: 'shop', version: '1.4.0' } },
 * })
 * ```
 */
const module: NuxtModule<NuxtTelemetryModuleOptions> = defineNuxtModule<NuxtTelemetryModuleOptions>({
  meta: { name: 'spa-telemetry', configKey: CONFIG_KEY, compatibility: { nuxt: '>=3.10.0' } },
  setup(options: NuxtTelemetryModuleOptions, nuxt: Nuxt) {
    // build-time checks: they run in Node, in every build, and cost the browser nothing
    checkPlain(options, CONFIG_KEY)
    check(
      () => typeof options.app.name === 'string' && options.app.name,
      `${CONFIG_KEY}.app`,
      options.app,
      '{ name: "shop" } (and a version, if you like)',
    )
    const runtime = (nuxt.options.runtimeConfig.public.telemetry ||= {}) as NuxtTelemetryConfig
    // declared, so that NUXT_PUBLIC_TELEMETRY_ENDPOINT and NUXT_PUBLIC_TELEMETRY_DISABLED can set them
    runtime.endpoint ||= options.endpoint ?? ''
    runtime.disabled ??= false
    check(
      runtime.endpoint,
      `${CONFIG_KEY}.endpoint`,
      options.endpoint,
      'where batches go, like "/telemetry" (NUXT_PUBLIC_TELEMETRY_ENDPOINT may change it at run time)',
    )
    const baseURL = nuxt.options.app.baseURL
    const plugin: NuxtTelemetryModuleOptions = {
      ...options,
      endpoint: runtime.endpoint,
      // what Nuxt already knows, unless said otherwise
      base: options.base ?? (baseURL && baseURL !== '/' ? baseURL : undefined),
      hash: options.hash ?? (nuxt.options.router?.options?.hashMode || undefined),
    }
    addPluginTemplate({
      filename: 'spa-telemetry.mjs',
      getContents: () =>
        [
          "import { defineNuxtPlugin } from '#app'",
          "import { defineTelemetryNuxtPlugin } from 'spa-telemetry/nuxt'",
          `export default defineNuxtPlugin({ name: 'spa-telemetry', setup: defineTelemetryNuxtPlugin(${JSON.stringify(plugin)}) })`,
        ].join('\n'),
    })
    addImports({ name: 'useTelemetry', from: 'spa-telemetry/vue' })
  },
})

export default module
