// spa-telemetry/vite: the Vite plugin (server only: never part of a browser bundle).
export { telemetry, telemetry as default } from './plugin.js'
export type { VitePluginOptions } from './plugin.js'
