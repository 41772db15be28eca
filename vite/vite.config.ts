// Builds spa-telemetry/vite into dist/vite/ (after the main build, which empties dist/).
// Server only, so no size-limit budget: a test builds an app with the plugin and
// finds nothing of it, or of the collector, in the client bundle.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  plugins: [
    {
      // the collector and the dashboard are imported by their public names: one copy of each, the package's own entries
      name: 'collector-by-its-public-name',
      enforce: 'pre',
      resolveId: source =>
        source === '../collector/index.js'
          ? { id: 'spa-telemetry/collector', external: true }
          : source === '../dashboard/index.js'
            ? { id: 'spa-telemetry/dashboard', external: true }
            : null,
    },
  ],
  build: {
    outDir: here('../dist/vite'),
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    target: 'node20',
    lib: { entry: { index: here('index.ts') }, formats: ['es'] },
    rollupOptions: {
      external: [/^node:/, /^vite$/, /^spa-telemetry(\/.*)?$/],
      output: { entryFileNames: '[name].js', chunkFileNames: 'shared-[hash].js' },
    },
  },
})
