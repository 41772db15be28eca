// Builds spa-telemetry/collector into dist/collector/ (after the main build,
// which empties dist/): the entry, the commands (spa-telemetry and its alias
// spa-telemetry-collector), and the browser stub.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  build: {
    outDir: here('../dist/collector'),
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    target: 'node20',
    lib: {
      entry: {
        index: here('index.ts'),
        bin: here('bin.ts'),
        'spa-telemetry': here('spa-telemetry.ts'),
        browser: here('browser.ts'),
      },
      formats: ['es'],
    },
    rollupOptions: {
      // the runtime's own modules, srvx and the ClickHouse client stay imports (the last two loaded only when used); the command imports the dashboard by its package name
      external: [/^node:/, /^srvx(\/.*)?$/, /^@clickhouse\/client(\/.*)?$/, /^spa-telemetry\/dashboard$/],
      output: { entryFileNames: '[name].js', chunkFileNames: 'shared-[hash].js' },
    },
  },
})
