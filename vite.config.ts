import { defineConfig } from 'vitest/config'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

/** Package entries: the public core and one file per adapter. */
export const entries = {
  index: here('src/index.ts'),
  vue: here('adapters/vue.ts'),
  nuxt: here('adapters/nuxt.ts'),
  // the Nuxt module: build time, in Node (Nuxt finds it for modules: ['spa-telemetry/nuxt'])
  'nuxt/module': here('adapters/nuxt/module.ts'),
  redux: here('adapters/redux.ts'),
  history: here('adapters/history.ts'),
  'react-router': here('adapters/react-router.ts'),
}

/**
 * `vite build` writes the production build to dist/ (`process.env.NODE_ENV`
 * is "production": setup checks and debug explanations are left out);
 * `vite build --mode development` the development build to dist/dev/, which
 * the `development` export condition picks. Tests run the source.
 */
export default defineConfig(({ mode }) => ({
  define: mode === 'production' || mode === 'development' ? { 'process.env.NODE_ENV': JSON.stringify(mode) } : {},
  resolve: {
    // the package's own entries, from source: adapters import the core by its public name
    alias: [
      { find: /^spa-telemetry$/, replacement: here('src/index.ts') },
      { find: /^spa-telemetry\/collector$/, replacement: here('collector/index.ts') },
      { find: /^spa-telemetry\/vite$/, replacement: here('vite/index.ts') },
      { find: /^spa-telemetry\/dashboard$/, replacement: here('dashboard/index.ts') },
      {
        find: /^spa-telemetry\/(vue|nuxt|nuxt\/module|redux|history|react-router)$/,
        replacement: here('adapters') + '/$1.ts',
      },
    ],
  },
  build: {
    outDir: mode === 'development' ? 'dist/dev' : 'dist',
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    target: 'es2022',
    lib: { entry: Object.fromEntries(Object.entries(entries).filter(([, path]) => existsSync(path))), formats: ['es'] },
    rollupOptions: {
      // dependencies stay imports; adapters import the core by its public name
      external: [
        /^spa-telemetry(\/.*)?$/,
        /^nanoid/,
        /^vue/,
        /^vue-router/,
        /^redux/,
        /^nuxt/,
        /^@nuxt\//,
        /^react/,
        /^#app/,
        /^#imports/,
      ],
      output: { entryFileNames: '[name].js', chunkFileNames: '[name].js' },
    },
  },
  test: {
    // two at a time on a 2-core machine: the browser suites mostly wait (on Chromium, on the network)
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'jsdom',
          // a guard against hangs, not a speed check: the property tests (thousands of
          // generated cases) take 1 to 3 s alone and ten times that on a loaded machine
          testTimeout: 60_000,
          setupFiles: ['test/setup.ts'],
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ['test/browser/**', 'test/node/**', 'test/e2e/**', 'test/collector/**', 'test/dashboard/**'],
        },
      },
      {
        extends: true,
        test: {
          // the adapters' signatures and the Nuxt config key: type tests (test/types/*.test-d.ts),
          // checked by tsc, with lines that must not compile; nothing runs
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['test/types/**/*.test-d.ts'],
            tsconfig: 'test/types/tsconfig.json',
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          testTimeout: 60_000,
          include: ['test/node/**/*.test.ts', 'test/collector/**/*.test.ts', 'test/dashboard/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          // a real browser, a real server, real timers: one retry, as Playwright's own CI
          // default; a retried test is still reported as flaky in the output
          retry: 1,
          testTimeout: 30_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          environment: 'node',
          include: ['test/browser/**/*.test.ts', 'test/browser/**/*.test.tsx'],
          retry: 1,
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
}))
