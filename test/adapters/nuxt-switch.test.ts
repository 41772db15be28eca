/**
 * The deploy-time switch `NUXT_PUBLIC_TELEMETRY_DISABLED` as an operator
 * writes it (issue 21, our own pass): Nuxt reads `true`, `TRUE` and `1` as
 * true and 1, but `yes` and `on` stay strings, and tracking went on. A switch
 * that turns a privacy control on fails closed: anything but false, 0, empty,
 * `no` or `off` turns tracking off.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { defineTelemetryNuxtPlugin } from 'spa-telemetry/nuxt'
import type { NuxtTelemetryConfig } from 'spa-telemetry/nuxt'

const View = defineComponent({ render: () => h('div') })

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
  localStorage.clear()
})

/** A Nuxt-shaped app with this runtime config; what its tracker sent and stored after a page view and an event. */
const run = async (telemetry: NuxtTelemetryConfig): Promise<{ enabled: boolean; sent: number; stored: string[] }> => {
  vi.useFakeTimers()
  const fetch = vi.fn(async () => new Response(null, { status: 204 }))
  vi.stubGlobal('fetch', fetch)
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: View },
      { path: '/projects/:id()', component: View },
    ],
  })
  const vueApp = createApp(View).use(router)
  const tracker = defineTelemetryNuxtPlugin({ app: { name: 'shop' } })({
    vueApp,
    $router: router,
    $config: { public: { telemetry: { endpoint: '/collect', ...telemetry } } },
  })!.provide.telemetry
  await router.push('/projects/p1')
  tracker.track('clicked')
  tracker.flush()
  await vi.runAllTimersAsync()
  const result = {
    enabled: tracker.isEnabled(),
    sent: fetch.mock.calls.length,
    stored: Object.keys(localStorage).filter(key => key.includes('queue')),
  }
  tracker.destroy()
  return result
}

describe('NUXT_PUBLIC_TELEMETRY_DISABLED fails closed', () => {
  it.each(['yes', 'on', 'YES', ' on ', 'disable', 'y'])(
    '%j turns tracking off: nothing sent or stored',
    async disabled => {
      expect(await run({ disabled })).toEqual({ enabled: false, sent: 0, stored: [] })
    },
  )

  it.each([false, 0, '', 'false', 'FALSE', '0', 'no', 'off', 'Off'])('%j leaves it on', async disabled => {
    const { enabled, sent } = await run({ disabled })
    expect([enabled, sent > 0]).toEqual([true, true])
  })
})
