/**
 * Server-side rendering: plain Node, no DOM. Importing the core must not
 * touch window, document or storage, and a tracker made here does nothing.
 */
import { describe, expect, it, vi } from 'vitest'

import { createTracker, describeTracker } from '../../src/index.js'

describe('SSR', () => {
  it('runs in plain Node with no DOM', () => {
    expect(typeof window).toBe('undefined')
    expect(typeof document).toBe('undefined')
  })

  const ENTRIES = [
    '../../src/index.ts',
    '../../adapters/vue.ts',
    '../../adapters/nuxt.ts',
    '../../adapters/redux.ts',
    '../../adapters/history.ts',
    '../../adapters/react-router.ts',
  ]
  const GLOBALS = ['window', 'document', 'localStorage', 'sessionStorage', 'navigator', 'location', 'history']

  it.each(ENTRIES)('importing %s touches no browser global', async entry => {
    // vue's own SSR-safe checks (typeof document) run when it is first imported: before the traps
    await import('vue')
    // and React's and React Router's
    await Promise.all([import('react'), import('react-router')])
    const touched: string[] = []
    const saved = GLOBALS.map(name => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const)
    for (const name of GLOBALS) {
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get: () => void touched.push(name),
      })
    }
    vi.resetModules()
    try {
      await import(/* @vite-ignore */ entry)
    } finally {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor)
        else delete (globalThis as Record<string, unknown>)[name]
      }
    }
    expect(touched).toEqual([])
  })

  it('a tracker created here does nothing, and says why', () => {
    const fetch = vi.fn()
    vi.stubGlobal('fetch', fetch)
    const tracker = createTracker({
      endpoint: '/telemetry',
      app: { name: 'shop' },
      routes: ['/products/:id'],
      captureErrors: true,
      heartbeatMs: 1000,
    })
    tracker.page('/products/42')
    tracker.track('added_to_cart')
    tracker.action('cart/add')
    tracker.error(new Error('x'))
    tracker.flush()
    tracker.optIn()
    tracker.optOut()
    tracker.destroy()
    expect(fetch).not.toHaveBeenCalled()
    expect(tracker.isEnabled()).toBe(false)
    expect(tracker.anonymize('/products/42')).toBe('/products/:id')
    expect(tracker.status()).toBe('inactive')
    expect(describeTracker(tracker)).toContain('Tracking is off: not running in a browser')
    vi.unstubAllGlobals()
  })

  it('the Nuxt plugin on the server only declares v-track, and creates no tracker', async () => {
    const { defineTelemetryNuxtPlugin } = await import('../../adapters/nuxt.js')
    const directives: string[] = []
    const used: unknown[] = []
    const result = defineTelemetryNuxtPlugin({ app: { name: 'shop' }, endpoint: '/telemetry' })({
      vueApp: {
        directive: (name: string) => void directives.push(name),
        use: (plugin: unknown) => void used.push(plugin),
      } as never,
      $router: {} as never,
    })
    expect(result).toBeUndefined()
    expect(directives).toEqual(['track'])
    expect(used).toEqual([])
  })

  it('useTrackRoutes during server rendering records nothing, warns nothing, and renders', async () => {
    const [{ createElement }, { renderToString }, { StaticRouter, useRoutes }, { useTrackRoutes }, { fakeTracker }] =
      await Promise.all([
        import('react'),
        import('react-dom/server'),
        import('react-router'),
        import('../../adapters/react-router.js'),
        import('../helpers/adapters.js'),
      ])
    const fake = fakeTracker()
    const routes = [{ path: '/projects/:project_id', element: createElement('h1', null, 'project') }]
    const App = () => (useTrackRoutes(fake.tracker, routes), useRoutes(routes))
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    const html = renderToString(createElement(StaticRouter, { location: '/projects/p_8f2k' }, createElement(App)))
    expect(html).toBe('<h1>project</h1>')
    expect(fake.pages()).toEqual([])
    expect(printed).not.toHaveBeenCalled()
    printed.mockRestore()
  })

  it('still fails fast on bad options', () => {
    expect(() => createTracker({ endpoint: 'nope', app: { name: 'shop' } })).toThrow(
      '[spa-telemetry] endpoint is "nope"',
    )
  })
})
