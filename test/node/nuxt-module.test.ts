/**
 * The Nuxt module (`spa-telemetry/nuxt/module`, loaded for
 * `modules: ['spa-telemetry/nuxt']`) against a real Nuxt 4 instance
 * (`loadNuxt`, options resolved, no build): what it adds (the plugin of
 * `defineTelemetryNuxtPlugin` with the `spaTelemetry` options, the runtime
 * config that environment variables override, the `useTelemetry` auto
 * import) and the build-time errors for options a config file cannot
 * carry. The real build, in Chromium: test/browser/nuxt.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadNuxt } from '@nuxt/kit'
import type { Nuxt } from 'nuxt/schema'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import telemetryModule from '../../adapters/nuxt/module.js'
import type { NuxtTelemetryModuleOptions } from '../../adapters/nuxt.js'

const ROOT = 'test/.build/nuxt-module'
let nuxt: Nuxt
let pristine: { app: Nuxt['options']['app']; router: Nuxt['options']['router'] }

beforeAll(async () => {
  // an app of its own: outside it, "spa-telemetry" would be this repository
  mkdirSync(ROOT, { recursive: true })
  writeFileSync(`${ROOT}/package.json`, '{ "name": "app", "private": true, "type": "module" }')
  process.env.NUXT_TELEMETRY_DISABLED = '1'
  nuxt = await loadNuxt({ cwd: ROOT, ready: false, dev: false, overrides: { telemetry: false } })
  pristine = structuredClone({ app: nuxt.options.app, router: nuxt.options.router })
}, 60_000)
afterAll(() => nuxt?.close())
beforeEach(() => {
  // each test installs the module afresh on the same instance
  Object.assign(nuxt.options, structuredClone(pristine), { _requiredModules: {}, plugins: [], spaTelemetry: undefined })
  nuxt.options.build.templates = []
  nuxt.options.runtimeConfig.public = {}
})

/** Installs the module as Nuxt does, with the config key and inline options given. */
const install = async (config: unknown, inline: Partial<NuxtTelemetryModuleOptions> = {}) => {
  ;(nuxt.options as unknown as Record<string, unknown>).spaTelemetry = config
  await telemetryModule(inline as NuxtTelemetryModuleOptions, nuxt)
  const template = nuxt.options.build.templates.find(t => t.filename === 'spa-telemetry.mjs')
  const contents = template ? String(await template.getContents!({ nuxt, app: {} as never, options: {} })) : ''
  const json = /defineTelemetryNuxtPlugin\((.*)\) \}\)$/m.exec(contents)?.[1]
  return { contents, options: json ? JSON.parse(json) : undefined }
}

describe('what the module adds', () => {
  it('the plugin of defineTelemetryNuxtPlugin with the spaTelemetry options, on client and server (where it is an inert v-track)', async () => {
    const { contents, options } = await install({
      endpoint: '/telemetry',
      app: { name: 'shop', version: '1.4.0' },
      captureErrors: true,
      routes: { 'not-found': '/404' },
    })
    expect(contents.split('\n').slice(0, 2)).toEqual([
      "import { defineNuxtPlugin } from '#app'",
      "import { defineTelemetryNuxtPlugin } from 'spa-telemetry/nuxt'",
    ])
    expect(options).toEqual({
      endpoint: '/telemetry',
      app: { name: 'shop', version: '1.4.0' },
      captureErrors: true,
      routes: { 'not-found': '/404' },
    })
    const plugin = nuxt.options.plugins.find(p => typeof p === 'object' && p.src.endsWith('spa-telemetry.mjs'))
    expect(plugin).toMatchObject({ mode: 'all' })
  })

  it('runtimeConfig.public.telemetry { endpoint, disabled }, so that NUXT_PUBLIC_TELEMETRY_* override them; one set in nuxt.config wins', async () => {
    await install({ endpoint: '/telemetry', app: { name: 'shop' } })
    expect(nuxt.options.runtimeConfig.public.telemetry).toEqual({ endpoint: '/telemetry', disabled: false })
    nuxt.options.runtimeConfig.public = { telemetry: { endpoint: 'https://collector.example/c' } }
    nuxt.options._requiredModules = {}
    const { options } = await install({ app: { name: 'shop' } })
    expect(nuxt.options.runtimeConfig.public.telemetry).toEqual({
      endpoint: 'https://collector.example/c',
      disabled: false,
    })
    expect(options.endpoint).toBe('https://collector.example/c')
  })

  it('auto-imports useTelemetry from spa-telemetry/vue', async () => {
    await install({ endpoint: '/telemetry', app: { name: 'shop' } })
    const imports: { name: string; from: string }[] = []
    await nuxt.callHook('imports:extend', imports as never)
    // (every install on this instance added the hook once: each adds the same)
    expect(new Set(imports.map(entry => JSON.stringify(entry)))).toEqual(
      new Set([JSON.stringify({ name: 'useTelemetry', from: 'spa-telemetry/vue' })]),
    )
  })

  it("the tracker gets Nuxt's app.baseURL as base and hash routing as hash, unless the options say otherwise", async () => {
    nuxt.options.app.baseURL = '/shop/'
    nuxt.options.router.options.hashMode = true
    expect((await install({ endpoint: '/telemetry', app: { name: 'shop' } })).options).toMatchObject({
      base: '/shop/',
      hash: true,
    })
    nuxt.options._requiredModules = {}
    expect(
      (await install({ endpoint: '/telemetry', app: { name: 'shop' }, base: '/', hash: false })).options,
    ).toMatchObject({ base: '/', hash: false })
  })

  it("inline options (modules: [['spa-telemetry/nuxt', { … }]]) count as the config key does", async () => {
    const { options } = await install(undefined, { endpoint: '/t', app: { name: 'inline' } })
    expect(options.app).toEqual({ name: 'inline' })
  })
})

describe('options a config file cannot carry fail the build, with the [spa-telemetry] message', () => {
  it.each([
    [{ endpoint: '/t' }, '[spa-telemetry] spaTelemetry.app is undefined: expected { name: "shop" }'],
    [{ endpoint: '/t', app: { name: '' } }, '[spa-telemetry] spaTelemetry.app is an object: expected { name: "shop" }'],
    [
      { app: { name: 'shop' } },
      '[spa-telemetry] spaTelemetry.endpoint is undefined: expected where batches go, like "/telemetry"',
    ],
    [
      { endpoint: '/t', app: { name: 'shop' }, unmatched: () => null },
      '[spa-telemetry] spaTelemetry.unmatched is a function: expected what nuxt.config can hold',
    ],
    [
      { endpoint: '/t', app: { name: 'shop' }, keepQuery: { page: /^\d+$/ } },
      '[spa-telemetry] spaTelemetry.keepQuery.page is a RegExp: expected what nuxt.config can hold',
    ],
    [
      { endpoint: '/t', app: { name: 'shop' }, routes: ['/a', new Date(0)] },
      '[spa-telemetry] spaTelemetry.routes[1] is an object: expected what nuxt.config can hold',
    ],
    [
      { endpoint: '/t', app: { name: 'shop' }, batch: { size: Infinity } },
      '[spa-telemetry] spaTelemetry.batch.size is Infinity: expected what nuxt.config can hold',
    ],
  ])('%o', async (config, message) => {
    await expect(install(config)).rejects.toThrow(message)
  })
})
