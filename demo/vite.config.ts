// The demo console: `npm run demo` (dev server) or `npm run demo:build` (vite
// build + vite preview) with this config. Both serve the real collector at
// /telemetry and the dashboard at /dashboard/ through spa-telemetry/vite
// (ndjson files in demo/.spa-telemetry/, or SPA_TELEMETRY_DEMO_DIR), and the
// panel's live stream beside them; the preview server also sends a strict
// Content-Security-Policy.
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import type { Plugin } from 'vite'

import telemetry from '../vite/index.js'
import { createLiveView } from './server.js'
import type { LiveView } from './server.js'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

/** No inline scripts or styles, no eval: what a careful admin console ships with. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"

/** The panel's stream; the preview adds the CSP header. */
const panel = (live: LiveView): Plugin => ({
  name: 'spa-telemetry-demo-panel',
  configureServer: server => {
    server.httpServer?.once('close', live.close)
    server.middlewares.use(live.handle)
  },
  configurePreviewServer: server => {
    server.httpServer.once('close', live.close)
    server.middlewares.use((_request, response, next) => {
      response.setHeader('content-security-policy', CSP)
      next()
    })
    server.middlewares.use(live.handle)
  },
})

const dir = process.env.SPA_TELEMETRY_DEMO_DIR || '.spa-telemetry'
const live = createLiveView()

export default defineConfig({
  root: here('.'),
  plugins: [vue(), panel(live), telemetry({ dir, onStored: live.onStored })],
  resolve: {
    alias: [
      { find: /^spa-telemetry$/, replacement: here('../src/index.ts') },
      { find: /^spa-telemetry\/(vue|redux)$/, replacement: here('../adapters') + '/$1.ts' },
    ],
  },
  server: { port: 5173, host: '127.0.0.1' },
  preview: { port: 4173, host: '127.0.0.1' },
  build: { outDir: here('dist'), emptyOutDir: true, target: 'es2022' },
})
