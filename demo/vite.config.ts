// The demo console: `npm run demo` (dev server) or `npm run demo:build` (vite
// build + vite preview) with this config. Both serve the real collector at
// /telemetry (ndjson store in a temporary directory); the preview server also
// sends a strict Content-Security-Policy.
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import type { Plugin } from 'vite'

import { createDemoServer } from './server.js'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

/** No inline scripts or styles, no eval: what a careful admin console ships with. */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"

/** The collector as dev and preview middleware; the preview adds the CSP header. */
const collector = (): Plugin => ({
  name: 'spa-telemetry-demo-collector',
  configureServer: server => {
    const demo = createDemoServer()
    server.config.logger.info(`  spa-telemetry collector: /telemetry, events stored in ${demo.dir}`)
    server.httpServer?.once('close', () => void demo.close())
    server.middlewares.use(demo.handle)
  },
  configurePreviewServer: server => {
    const demo = createDemoServer()
    server.config.logger.info(`  spa-telemetry collector: /telemetry, events stored in ${demo.dir}`)
    server.httpServer.once('close', () => void demo.close())
    server.middlewares.use((_request, response, next) => {
      response.setHeader('content-security-policy', CSP)
      next()
    })
    server.middlewares.use(demo.handle)
  },
})

export default defineConfig({
  root: here('.'),
  plugins: [vue(), collector()],
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
