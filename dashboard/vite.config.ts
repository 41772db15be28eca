// Builds spa-telemetry/dashboard into dist/dashboard/ (after the collector):
// the server entry and its browser stub, then the page (dashboard/page/, with
// uPlot) into dist/dashboard/assets/app.js and app.css, which the server reads.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig(({ mode }) =>
  mode === 'page'
    ? {
        configFile: false,
        logLevel: 'warn',
        build: {
          outDir: here('../dist/dashboard/assets'),
          emptyOutDir: true,
          target: 'es2022',
          modulePreload: false,
          cssCodeSplit: false,
          rollupOptions: {
            input: here('page/main.ts'),
            output: { entryFileNames: 'app.js', assetFileNames: 'app[extname]' },
          },
        },
      }
    : {
        build: {
          outDir: here('../dist/dashboard'),
          emptyOutDir: true,
          minify: false,
          sourcemap: true,
          target: 'node20',
          lib: { entry: { index: here('index.ts'), browser: here('browser.ts') }, formats: ['es'] },
          rollupOptions: {
            external: [/^node:/, /^srvx(\/.*)?$/, /^@clickhouse\/client(\/.*)?$/],
            output: { entryFileNames: '[name].js', chunkFileNames: 'shared-[hash].js' },
          },
        },
      },
)
