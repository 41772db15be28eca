/**
 * The Nuxt module's config key and the plugin factory, as `nuxt.config.ts`
 * and a plugin file meet them: `spaTelemetry` is typed (what a config file
 * can carry: no functions, patterns or formats), Nuxt's own `telemetry` key
 * is left as Nuxt types it, and `defineTelemetryNuxtPlugin` fits
 * `defineNuxtPlugin`. In an app, Nuxt's generated types import the module
 * (`.nuxt/types/modules.d.ts`); here the import below does.
 */
import { defineNuxtPlugin } from 'nuxt/app'
import { defineNuxtConfig } from 'nuxt/config'
import type { NuxtConfig } from 'nuxt/schema'
import { describe, expectTypeOf, it } from 'vitest'
import { segmentFormat } from 'spa-telemetry'
import type {} from 'spa-telemetry/nuxt/module'
import { defineTelemetryNuxtPlugin } from 'spa-telemetry/nuxt'
import type { NuxtTelemetryModuleOptions } from 'spa-telemetry/nuxt'

describe('nuxt.config: modules and the spaTelemetry key', () => {
  it('takes the options a config file can carry', () => {
    defineNuxtConfig({
      modules: ['spa-telemetry/nuxt'],
      telemetry: false,
      spaTelemetry: {
        endpoint: '/telemetry',
        app: { name: 'shop', version: '1.4.0' },
        routes: { 'not-found': '/404' },
        keepQuery: { tab: ['grid', 'form'] },
        unmatched: 'drop',
        placeholder: 'name',
        captureErrors: true,
        trackQueryChanges: false,
      },
    })
    expectTypeOf<NonNullable<NuxtConfig['spaTelemetry']>>().toEqualTypeOf<Partial<NuxtTelemetryModuleOptions> | false>()
  })

  it('refuses what it cannot carry, and wrong types', () => {
    // @ts-expect-error a function: use a plugin file
    defineNuxtConfig({ spaTelemetry: { unmatched: (masked: string) => masked } })
    // @ts-expect-error a pattern: use a plugin file
    defineNuxtConfig({ spaTelemetry: { keepQuery: { page: /^\d+$/ } } })
    // @ts-expect-error a format: use a plugin file
    defineNuxtConfig({ spaTelemetry: { format: segmentFormat } })
    // @ts-expect-error the app's name is text
    defineNuxtConfig({ spaTelemetry: { app: { name: 1 } } })
    // @ts-expect-error enabled is true or false in a config file
    defineNuxtConfig({ spaTelemetry: { enabled: () => true } })
  })
})

describe('a plugin file', () => {
  it('defineNuxtPlugin(defineTelemetryNuxtPlugin(options)), functions allowed', () => {
    defineNuxtPlugin(
      defineTelemetryNuxtPlugin({
        app: { name: 'shop' },
        unmatched: masked => masked,
        keepQuery: { page: /^\d+$/ },
        format: segmentFormat,
      }),
    )
    // @ts-expect-error the app is needed
    defineTelemetryNuxtPlugin({ endpoint: '/telemetry' })
  })
})
