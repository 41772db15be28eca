/**
 * `spa-telemetry/nuxt` against a Nuxt-shaped app: a real Vue app and
 * vue-router with Nuxt's file-route paths, runtime config and hooks. The
 * real Nuxt build is exercised in test/browser/nuxt.test.ts.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, createSSRApp, defineComponent, h } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { createMemoryHistory, createRouter } from 'vue-router'
import { defineTelemetryNuxtPlugin } from 'spa-telemetry/nuxt'
import type { NuxtAppLike, NuxtTelemetryConfig } from 'spa-telemetry/nuxt'
import { useTelemetry } from 'spa-telemetry/vue'

import { setup, useFakeBrowser } from '../helpers/browser.js'

const View = defineComponent({ render: () => h('div') })

/** What Nuxt hands a plugin, for `pages/index.vue` and `pages/projects/[id].vue`. */
const nuxtApp = (telemetry?: NuxtTelemetryConfig) => {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'index', component: View },
      { path: '/projects/:id()', name: 'projects-id', component: View },
    ],
  })
  const vueApp = createApp(View).use(router)
  const hooks = new Map<string, (error: unknown) => void>()
  const app = {
    vueApp,
    $router: router,
    $config: { public: telemetry ? { telemetry } : {} },
    hook: (name: string, callback: (error: unknown) => void) => void hooks.set(name, callback),
  } satisfies NuxtAppLike
  return { app, router, vueApp, hooks }
}

let fetch: ReturnType<typeof setup>['fetch']
let sent: ReturnType<typeof setup>['sent']
useFakeBrowser()
beforeEach(() => {
  ;({ fetch, sent } = setup())
})

describe('in the browser', () => {
  it('reports pages/projects/[id].vue as /projects/:id, and provides the tracker as $telemetry and to useTelemetry()', async () => {
    const { app, router, vueApp } = nuxtApp({ endpoint: '/collect' })
    const result = defineTelemetryNuxtPlugin({ app: { name: 'shop' } })(app)
    const tracker = result!.provide.telemetry
    vueApp.mount(document.createElement('div'))
    const injected = vueApp.runWithContext(() => useTelemetry())
    await router.push('/projects/p_8f2k')
    await router.push('/')
    tracker.flush()
    await vi.runAllTimersAsync()
    expect(injected).toBe(tracker)
    expect(vueApp.config.globalProperties.$telemetry).toBe(tracker)
    expect(sent.flatMap(s => s.payload.events).map(e => [e.path, e.from])).toEqual([
      ['/projects/:id', undefined],
      ['/', '/projects/:id'],
    ])
    expect(fetch.mock.calls[0][0]).toBe(`${location.origin}/collect`)
    vueApp.unmount()
  })

  it('runtimeConfig.public.telemetry.endpoint (NUXT_PUBLIC_TELEMETRY_ENDPOINT) overrides the endpoint option; an empty one does not', async () => {
    for (const [config, expected] of [
      [{ endpoint: 'https://telemetry.example/c' }, 'https://telemetry.example/c'],
      [{ endpoint: '' }, `${location.origin}/telemetry`],
      [undefined, `${location.origin}/telemetry`],
    ] as const) {
      fetch.mockClear()
      const { app, router } = nuxtApp(config)
      const tracker = defineTelemetryNuxtPlugin({ endpoint: '/telemetry', app: { name: 'shop' } })(app)!.provide
        .telemetry
      await router.push('/')
      tracker.flush()
      await vi.runAllTimersAsync()
      expect(fetch.mock.calls[0]?.[0]).toBe(expected)
      tracker.destroy()
    }
  })

  it.each([
    [true, false],
    ['true', false],
    [1, false],
    ['1', false],
    [false, true],
    ['false', true],
    [undefined, true],
  ])('disabled: %j → enabled %j; when off, nothing is sent or stored', async (disabled, enabled) => {
    const { app, router } = nuxtApp({ endpoint: '/collect', disabled })
    const tracker = defineTelemetryNuxtPlugin({ app: { name: 'shop' } })(app)!.provide.telemetry
    await router.push('/projects/p1')
    tracker.track('clicked')
    tracker.flush()
    await vi.runAllTimersAsync()
    expect(tracker.isEnabled()).toBe(enabled)
    expect(sent.length > 0).toBe(enabled)
    if (!enabled) expect(Object.keys(localStorage).filter(key => key.includes('queue'))).toEqual([])
    tracker.destroy()
  })

  it("captureErrors records through Nuxt's vue:error hook and leaves Nuxt's errorHandler alone", async () => {
    const { app, hooks, vueApp } = nuxtApp({ endpoint: '/collect' })
    const nuxtHandler = vi.fn()
    vueApp.config.errorHandler = nuxtHandler
    const tracker = defineTelemetryNuxtPlugin({ app: { name: 'shop' }, captureErrors: true })(app)!.provide.telemetry
    expect(vueApp.config.errorHandler).toBe(nuxtHandler)
    hooks.get('vue:error')!(new TypeError('alice@example.com'))
    tracker.flush()
    await vi.runAllTimersAsync()
    expect(
      sent
        .flatMap(s => s.payload.events)
        .filter(e => e.type === 'error')
        .map(e => e.name),
    ).toEqual(['TypeError'])
    expect(sent.map(s => s.body).join('')).not.toContain('alice')
    tracker.destroy()
  })

  it('without captureErrors it adds no hook', () => {
    const { app, hooks } = nuxtApp({ endpoint: '/collect' })
    defineTelemetryNuxtPlugin({ app: { name: 'shop' } })(app)!.provide.telemetry.destroy()
    expect([...hooks.keys()]).toEqual([])
  })
})

describe('on the server', () => {
  const Page = defineComponent({
    setup: () => ({ telemetry: useTelemetry() }),
    template: `<main><button v-track="'export_clicked'">Export</button><p>{{ telemetry.isEnabled() }}</p></main>`,
  })

  it('declares v-track only, so that server-rendered pages using it render', async () => {
    const { app } = nuxtApp()
    const ssrApp = createSSRApp(Page)
    vi.stubGlobal('window', undefined)
    const result = defineTelemetryNuxtPlugin({ endpoint: '/telemetry', app: { name: 'shop' } })({
      ...app,
      vueApp: ssrApp as never,
    })
    vi.unstubAllGlobals()
    expect(result).toBeUndefined()
    expect(sent).toEqual([])
    vi.stubGlobal('window', undefined)
    const html = await renderToString(ssrApp)
    vi.unstubAllGlobals()
    expect(html).toBe('<main><button>Export</button><p>false</p></main>')
  })

  it('(why: a plugins/telemetry.client.ts never runs there, and Vue cannot render an undeclared v-track)', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.stubGlobal('window', undefined)
    await expect(renderToString(createSSRApp(Page))).rejects.toThrow(TypeError)
    vi.unstubAllGlobals()
  })
})

describe('setup errors', () => {
  it.each([undefined, null, 'shop'])('options %j', options => {
    expect(() => defineTelemetryNuxtPlugin(options as never)).toThrow(
      `[spa-telemetry] options is ${options === 'shop' ? '"shop"' : String(options)}: expected an object like { app: { name: "shop" } }`,
    )
  })

  it('bad tracker options fail when Nuxt runs the plugin', () => {
    const { app } = nuxtApp({ endpoint: 'not a url' })
    expect(() => defineTelemetryNuxtPlugin({ app: { name: 'shop' } })(app)).toThrow(
      '[spa-telemetry] endpoint is "not a url"',
    )
  })
})
