/**
 * Checked by `npm run typecheck`, not run: the README's Nuxt plugin file must
 * type-check against Nuxt's own types, whose app object has no `$router`.
 */
import { defineNuxtPlugin } from 'nuxt/app'
import { defineTelemetryNuxtPlugin } from 'spa-telemetry/nuxt'

export default defineNuxtPlugin(defineTelemetryNuxtPlugin({ app: { name: 'shop', version: '1.4.0' } }))
