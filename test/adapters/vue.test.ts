/**
 * `spa-telemetry/vue` with a real vue-router 4 and Vue 3 in jsdom:
 * navigation semantics, route tables, `useTelemetry`, `v-track`, errors,
 * setup errors, and what the real tracker sends.
 */
import { mount } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter, createWebHashHistory, createWebHistory } from 'vue-router'
import type { RouteRecordRaw, Router } from 'vue-router'
import { createTracker } from 'spa-telemetry'
import type { Tracker } from 'spa-telemetry'
import { createTelemetryPlugin, trackRouter, useTelemetry } from 'spa-telemetry/vue'
import type { TelemetryPluginOptions } from 'spa-telemetry/vue'

import { setup, useFakeBrowser } from '../helpers/browser.js'
import { fakeTracker } from '../helpers/adapters.js'

const View = defineComponent({ render: () => h('div') })
const Shell = defineComponent({ render: () => h('main', [h('router-view')]) })

const ROUTES: RouteRecordRaw[] = [
  { path: '/', component: View },
  { path: '/nc/:project_id', component: View },
  {
    path: '/nc/:project_id/table',
    name: 'tables',
    component: Shell,
    children: [
      // named: a child with an empty path under a named parent and no name of its own makes vue-router warn
      { path: '', name: 'tables-index', component: View },
      { path: ':table_id(\\d+)', name: 'table-view', component: View, meta: { telemetry: { name: 'table' } } },
    ],
  },
  { path: '/settings/:tab?', component: View, alias: ['/preferences/:tab?'] },
  { path: '/private', component: View, meta: { telemetry: false } },
  {
    path: '/admin',
    component: Shell,
    meta: { telemetry: false },
    children: [
      { path: 'users/:id', component: View },
      { path: 'overview', component: View, meta: { telemetry: { name: 'admin_overview' } } },
    ],
  },
  { path: '/old/:id', redirect: to => `/nc/${to.params.id}` },
  { path: '/guarded', component: View, beforeEnter: () => false },
  { path: '/login-first', component: View, beforeEnter: () => '/nc/welcome' },
  { path: '/slow', component: View, beforeEnter: () => new Promise(resolve => setTimeout(() => resolve(true), 20)) },
  { path: '/docs/:chapters+', name: 'docs', component: View },
  { path: '/:pathMatch(.*)*', component: View },
]

/** Captures console.warn for a test that makes vue-router warn on purpose; the test asserts what it said. */
const captureWarnings = () => vi.spyOn(console, 'warn').mockImplementation(() => {})

/** The URL a recorded page view was handed (a location: path, then query and hash). */
const urlOf = ([location]: unknown[]): string => {
  const { pathname, search } = location as { pathname: string; search: string }
  return pathname + search
}

/** A Vue app with a memory router at `at`, the plugin installed before the initial navigation, which is done. */
const start = async (at = '/', options: Partial<TelemetryPluginOptions> = {}, routes = ROUTES) => {
  const router = createRouter({ history: createMemoryHistory(), routes })
  const fake = fakeTracker()
  const app = createApp({ render: () => h('router-view') })
  app.use(router)
  app.use(createTelemetryPlugin(fake.tracker, router, options))
  router.push(at)
  await router.isReady()
  return { router, app, ...fake, urls: () => fake.pages().map(urlOf) }
}

/** Resolves after the router's next navigation, failed or not. */
const nextNavigation = (router: Router): Promise<void> =>
  new Promise(resolve => {
    const stop = router.afterEach(() => {
      stop()
      resolve()
    })
  })

useFakeBrowser({ timers: false })

describe('page views', () => {
  it('one for the initial navigation, after isReady(), with the leaf template as the route', async () => {
    const { pages, routes } = await start('/nc/p_8f2k?sort=name#top')
    expect(pages()).toEqual([
      [
        { pathname: '/nc/p_8f2k', search: '?sort=name#top', hash: '#/nc/p_8f2k?sort=name#top' },
        { route: '/nc/:project_id', name: undefined },
      ],
    ])
    // the whole table, read from router.getRoutes(), reaches the tracker; but the catch-all (see "catch-all routes")
    expect(routes).toEqual(
      expect.arrayContaining([
        '/',
        '/nc/:project_id',
        '/nc/:project_id/table',
        '/nc/:project_id/table/:table_id',
        '/settings{/:tab}',
        '/preferences{/:tab}',
      ]),
    )
    expect(routes).not.toContain('{/*pathMatch}')
  })

  it('one per successful navigation; nested routes report their leaf record, and meta.telemetry.name', async () => {
    const { router, pages } = await start('/')
    await router.push('/nc/p1/table')
    await router.push('/nc/p1/table/42')
    expect(pages().slice(1)).toEqual([
      [
        { pathname: '/nc/p1/table', search: '', hash: '#/nc/p1/table' },
        { route: '/nc/:project_id/table', name: undefined },
      ],
      [
        { pathname: '/nc/p1/table/42', search: '', hash: '#/nc/p1/table/42' },
        { route: '/nc/:project_id/table/:table_id', name: 'table' },
      ],
    ])
  })

  it('none for aborted, cancelled or duplicated navigations', async () => {
    const { router, urls } = await start('/nc/p1')
    await router.push('/guarded')
    await router.push('/nc/p1')
    const slow = router.push('/slow')
    await router.push('/nc/p2')
    await slow
    expect(urls()).toEqual(['/nc/p1', '/nc/p2'])
  })

  it('a redirect, by the route record or by a guard, records only its final target', async () => {
    const { router, pages } = await start('/')
    await router.push('/old/p9')
    await router.push('/login-first')
    expect(pages().slice(1)).toEqual([
      [
        { pathname: '/nc/p9', search: '', hash: '#/nc/p9' },
        { route: '/nc/:project_id', name: undefined },
      ],
      [
        { pathname: '/nc/welcome', search: '', hash: '#/nc/welcome' },
        { route: '/nc/:project_id', name: undefined },
      ],
    ])
  })

  it('none for a query-only or hash-only change, unless trackQueryChanges', async () => {
    const quiet = await start('/nc/p1')
    await quiet.router.push('/nc/p1?sort=name')
    await quiet.router.push('/nc/p1?sort=name#row-3')
    await quiet.router.push('/nc/p2?sort=name#row-3')
    expect(quiet.urls()).toEqual(['/nc/p1', '/nc/p2?sort=name#row-3'])
    const loud = await start('/nc/p1', { trackQueryChanges: true })
    await loud.router.push('/nc/p1?sort=name')
    await loud.router.push('/nc/p1?sort=name#row-3')
    expect(loud.urls()).toEqual(['/nc/p1', '/nc/p1?sort=name', '/nc/p1?sort=name#row-3'])
  })

  it('back and forward (popstate, with createWebHistory) count like any navigation', async () => {
    const router = createRouter({ history: createWebHistory(), routes: ROUTES })
    const fake = fakeTracker()
    createApp(View).use(router).use(createTelemetryPlugin(fake.tracker, router))
    await router.push('/nc/p1')
    await router.push('/nc/p2')
    let arrived = nextNavigation(router)
    window.history.back()
    await arrived
    arrived = nextNavigation(router)
    window.history.forward()
    await arrived
    expect(fake.pages().map(urlOf)).toEqual(['/nc/p1', '/nc/p2', '/nc/p1', '/nc/p2'])
  })

  it('meta.telemetry: false records nothing, for the route and (as route meta is inherited) its children', async () => {
    const { router, urls } = await start('/')
    await router.push('/private')
    await router.push('/admin/users/alice')
    await router.push('/admin/overview')
    expect(urls()).toEqual(['/', '/admin/overview'])
  })

  it('an alias reports the template of the route it is an alias of', async () => {
    const { router, pages } = await start('/')
    await router.push('/preferences/billing')
    expect(pages().at(-1)).toEqual([
      { pathname: '/preferences/billing', search: '', hash: '#/preferences/billing' },
      { route: '/settings{/:tab}', name: undefined },
    ])
  })

  it('installed after the initial navigation: records the current route once', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    router.push('/nc/p1')
    await router.isReady()
    const fake = fakeTracker()
    createApp(View).use(router).use(createTelemetryPlugin(fake.tracker, router))
    await nextTick()
    await router.push('/nc/p2')
    expect(fake.pages().map(urlOf)).toEqual(['/nc/p1', '/nc/p2'])
  })

  it('a path starting with "//" is a path, not a host', async () => {
    const warn = captureWarnings()
    const { router, pages } = await start('/')
    await router.push('//evil.example/x')
    expect(pages().at(-1)).toEqual([
      { pathname: '//evil.example/x', search: '', hash: '#//evil.example/x' },
      { route: null, name: undefined },
    ])
    expect(warn.mock.calls).toEqual([
      [
        expect.stringContaining(
          'Location "//evil.example/x" resolved to "//evil.example/x". A resolved location cannot start with multiple slashes',
        ),
      ],
    ])
  })
})

describe('route table', () => {
  it('routes added later with addRoute, at the top or as children, are learned on their first navigation', async () => {
    const { router, pages, routes } = await start('/')
    router.addRoute({ path: '/reports/:report_id', component: View })
    router.addRoute('tables', { path: ':table_id/rows/:row_id', component: View })
    await router.push('/reports/r_77')
    await router.push('/nc/p1/table/t1/rows/9')
    expect(routes).toEqual(
      expect.arrayContaining(['/reports/:report_id', '/nc/:project_id/table/:table_id/rows/:row_id']),
    )
    expect(
      pages()
        .slice(1)
        .map(([, options]) => options),
    ).toEqual([
      { route: '/reports/:report_id', name: undefined },
      { route: '/nc/:project_id/table/:table_id/rows/:row_id', name: undefined },
    ])
  })

  it('reads getRoutes() once at install, and again only when a navigation reaches an unknown record', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const getRoutes = vi.spyOn(router, 'getRoutes')
    createApp(View).use(router).use(createTelemetryPlugin(fakeTracker().tracker, router))
    for (const path of ['/', '/nc/p1', '/nc/p1/table/1', '/settings', '/nc/p2', '/docs/a/b']) await router.push(path)
    expect(getRoutes).toHaveBeenCalledTimes(1)
    router.addRoute({ path: '/late', component: View })
    await router.push('/late')
    await router.push('/nc/p3')
    expect(getRoutes).toHaveBeenCalledTimes(2)
  })

  it('explicit routes: a list adds templates; an object overrides the template of a route, by name or path', async () => {
    const listed = await start('/', { routes: ['/legacy/:id'] })
    expect(listed.routes).toContain('/legacy/:id')
    const { router, pages, routes } = await start('/', {
      routes: { docs: '/docs/:book', '/nc/:project_id': '/nc/:project' },
    })
    await router.push('/docs/a/b')
    await router.push('/nc/p1')
    expect(
      pages()
        .slice(1)
        .map(([, options]) => (options as { route: string }).route),
    ).toEqual(['/docs/:book', '/nc/:project'])
    expect(routes).not.toContain('/docs/*chapters')
  })

  it('a route the tracker refuses does not keep the others out', async () => {
    const warn = captureWarnings()
    const fake = fakeTracker()
    const refusing = {
      ...fake.tracker,
      addRoutes: (added: readonly string[]) =>
        added.some(t => t.includes('bad'))
          ? (() => {
              throw new Error('refused')
            })()
          : fake.tracker.addRoutes(added),
    }
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/bad/:x', component: View },
        { path: '/good/:y', component: View },
      ],
    })
    createApp(View).use(router).use(createTelemetryPlugin(refusing, router))
    expect(fake.routes).toEqual(['/good/:y'])
    await router.isReady()
    // the initial navigation, to "", matches no route of this table
    expect(warn.mock.calls).toEqual([[expect.stringContaining('No match found for location with path ""')]])
  })
})

describe('catch-all routes', () => {
  const TABLE: RouteRecordRaw[] = [
    { path: '/nc/:project_id', component: View },
    { path: '/docs/:path(.*)*', component: View },
    { path: '/:pathMatch(.*)*', name: 'not-found', component: View, meta: { telemetry: { name: 'not_found' } } },
  ]

  it('a root-level catch-all is reported as the masked path with its page name, and stays out of the table', async () => {
    vi.useFakeTimers()
    const { tracker, events } = setup()
    const router = createRouter({ history: createMemoryHistory(), routes: TABLE })
    createApp(View).use(router).use(createTelemetryPlugin(tracker, router))
    await router.push('/nc/p_8f2k/secret-table')
    await router.push('/docs/guide/intro')
    await router.push('/alice@example.com')
    tracker.flush()
    await vi.runAllTimersAsync()
    vi.useRealTimers()
    expect(events().map(e => [e.path, e.name])).toEqual([
      ['/nc/*/*', 'not_found'],
      // a catch-all under a real path is a real route
      ['/docs{/*path}', undefined],
      ['/*', 'not_found'],
    ])
    // without the router's answer (trackHistory, referrers), unknown paths are masked too
    expect(tracker.routes()).toEqual(['/nc/:project_id', '/docs{/*path}'])
    expect(tracker.anonymize('/nc/p_8f2k/secret-table')).toBe('/nc/*/*')
  })

  it.each([['/:pathMatch(.*)*'], ['/:pathMatch(.*)'], ['/:slug(.*)*'], ['/:rest+'], ['/:all*']])(
    '%s reaches the tracker as route null',
    async path => {
      const { router, pages, routes } = await start('/', {}, [
        { path: '/', component: View },
        { path, component: View },
      ])
      await router.push('/a/b')
      expect(pages().at(-1)).toEqual([
        { pathname: '/a/b', search: '', hash: '#/a/b' },
        { route: null, name: undefined },
      ])
      expect(routes).toEqual(['/'])
    },
  )

  it('a template given for the catch-all is used', async () => {
    const { router, pages, routes } = await start('/', { routes: { 'not-found': '/404' } }, TABLE)
    await router.push('/x/y')
    expect(pages().at(-1)?.[1]).toEqual({ route: '/404', name: 'not_found' })
    expect(routes).toContain('/404')
  })
})

describe('never breaks the app', () => {
  it('a tracker that throws everywhere: navigation, clicks and errors go on', async () => {
    const boom = (): never => {
      throw new Error('boom')
    }
    const broken: Tracker = {
      ...fakeTracker().tracker,
      page: boom,
      track: boom,
      error: boom,
      addRoutes: boom,
      destroy: boom,
    }
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const handled = vi.fn()
    const app = createApp(
      defineComponent({
        render: () =>
          h(
            'button',
            {
              id: 'b',
              onClick: () => {
                throw new TypeError('x')
              },
            },
            [h('i', { id: 'i' })],
          ),
      }),
    )
    app.config.errorHandler = handled
    const root = document.createElement('div')
    app.use(router).use(createTelemetryPlugin(broken, router, { captureErrors: true }))
    app.mount(root)
    await router.push('/nc/p1')
    await router.push('/nc/p2')
    expect(router.currentRoute.value.fullPath).toBe('/nc/p2')
    root.querySelector('button')!.click()
    expect(handled).toHaveBeenCalledTimes(1)
    expect(() => app.unmount()).not.toThrow()
  })
})

describe('lifecycle', () => {
  it('unmounting stops page views and leaves the tracker, which belongs to the app, alone', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const given = fakeTracker()
    const app = createApp(View).use(router).use(createTelemetryPlugin(given.tracker, router))
    app.mount(document.createElement('div'))
    await router.push('/nc/p1')
    app.unmount()
    await router.push('/nc/p2')
    expect(given.pages().map(urlOf)).toEqual(['/nc/p1'])
    expect(given.calls.filter(([m]) => m === 'destroy')).toEqual([])
  })
})

describe('components', () => {
  const mountWith = async (component: object, options: Partial<TelemetryPluginOptions> = {}) => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const fake = fakeTracker()
    const plugin = createTelemetryPlugin(fake.tracker, router, options)
    router.push('/')
    await router.isReady()
    const wrapper = mount(component, { global: { plugins: [router, plugin] }, attachTo: document.body })
    return { wrapper, ...fake }
  }

  it('useTelemetry() returns the tracker inside setup(), as does this.$telemetry', async () => {
    let injected: Tracker | undefined
    let global: unknown
    const { tracker } = await mountWith(
      defineComponent({
        setup: () => ((injected = useTelemetry()), undefined),
        mounted() {
          global = this.$telemetry
        },
        render: () => h('div'),
      }),
    )
    expect(injected).toBe(tracker)
    expect(global).toBe(tracker)
  })

  it('useTelemetry() without the plugin says what is missing', () => {
    const Orphan = defineComponent({ setup: () => (useTelemetry(), () => h('div')) })
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(() => mount(Orphan)).toThrow(
      '[spa-telemetry] useTelemetry() found no tracker: install createTelemetryPlugin() first',
    )
  })

  it('useTelemetry() outside a browser (SSR without the plugin) returns an inert tracker', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.stubGlobal('window', undefined)
    const tracker = useTelemetry()
    const again = useTelemetry()
    vi.unstubAllGlobals()
    // one inert tracker serves every render
    expect(again).toBe(tracker)
    expect(tracker.isEnabled()).toBe(false)
    expect(() => tracker.track('x')).not.toThrow()
  })

  it('v-track records clicks and submits with static props; never the text, attributes or values', async () => {
    const Form = defineComponent({
      data: () => ({ name: 'export_clicked' }),
      template: `
        <div>
          <button id="export" v-track="name" title="alice@example.com">alice@example.com</button>
          <form id="form" v-track:submit="{ name: 'table_created', props: { kind: 'grid' } }" @submit.prevent>
            <input value="alice@example.com" />
          </form>
        </div>`,
    })
    const { wrapper, tracks, calls } = await mountWith(Form)
    await wrapper.find('#export').trigger('click')
    await wrapper.find('#form').trigger('submit')
    await wrapper.setData({ name: 'export_again' })
    await wrapper.find('#export').trigger('click')
    expect(tracks()).toEqual([['export_clicked'], ['table_created', { kind: 'grid' }], ['export_again']])
    expect(JSON.stringify(calls)).not.toContain('alice')
    wrapper.unmount()
  })

  it('v-track with a dynamic argument moves its listener to the new event', async () => {
    const Dynamic = defineComponent({ data: () => ({ event: 'click' }), template: `<i v-track:[event]="'toggled'" />` })
    const { wrapper, tracks } = await mountWith(Dynamic)
    const el = wrapper.find('i').element
    el.dispatchEvent(new Event('click'))
    await wrapper.setData({ event: 'dblclick' })
    el.dispatchEvent(new Event('click'))
    el.dispatchEvent(new Event('dblclick'))
    expect(tracks()).toEqual([['toggled'], ['toggled']])
  })

  it('v-track listeners are removed on unmount', async () => {
    const { wrapper, tracks } = await mountWith(defineComponent({ template: `<i v-track="'x'" />` }))
    const el = wrapper.find('i').element
    el.dispatchEvent(new Event('click'))
    wrapper.unmount()
    el.dispatchEvent(new Event('click'))
    expect(tracks()).toEqual([['x']])
  })

  it('captureErrors chains the app error handler and records the error itself', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const fake = fakeTracker()
    const previous = vi.fn()
    const app = createApp(
      defineComponent({
        setup: () => () => {
          throw new RangeError('alice@example.com')
        },
      }),
    )
    app.config.errorHandler = previous
    app.use(router).use(createTelemetryPlugin(fake.tracker, router, { captureErrors: true }))
    app.mount(document.createElement('div'))
    expect(fake.calls.filter(([m]) => m === 'error').map(([, e]) => (e as Error).constructor.name)).toEqual([
      'RangeError',
    ])
    expect(previous).toHaveBeenCalledTimes(1)
  })

  it('captureErrors with no handler before it logs the error as Vue would', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const fake = fakeTracker()
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const app = createApp(
      defineComponent({
        setup: () => () => {
          throw new TypeError('x')
        },
      }),
    )
    app.use(router).use(createTelemetryPlugin(fake.tracker, router, { captureErrors: true }))
    app.mount(document.createElement('div'))
    expect(fake.calls.filter(([m]) => m === 'error')).toHaveLength(1)
    expect(logged).toHaveBeenCalledWith(expect.any(TypeError))
  })
})

describe('with the real tracker', () => {
  it('sends templates, never the ids in the URL; from is the previous template', async () => {
    vi.useFakeTimers()
    const { sent } = setup()
    const router = createRouter({ history: createWebHistory(), routes: ROUTES })
    const plugin = createTelemetryPlugin(createTracker({ endpoint: '/telemetry', app: { name: 'vue' } }), router)
    createApp(View).use(router).use(plugin)
    await router.push('/nc/p_8f2k?q=alice')
    await router.push('/nc/p_8f2k/table/123456')
    await router.push('/private')
    await router.push('/unknown/alice@example.com')
    plugin.tracker.flush()
    await vi.runAllTimersAsync()
    vi.useRealTimers()
    expect(sent.flatMap(s => s.payload.events).map(e => [e.path, e.from, e.name])).toEqual([
      ['/nc/:project_id', undefined, undefined],
      ['/nc/:project_id/table/:table_id', '/nc/:project_id', 'table'],
      // the catch-all route: the masked path, "unknown" being no word of the table
      ['/*/*', '/nc/:project_id/table/:table_id', undefined],
    ])
    expect(sent.map(s => s.body).join('')).not.toMatch(/p_8f2k|alice|123456/)
    plugin.tracker.destroy()
  })

  it('a route whose template the anonymizer refuses is masked; the others keep their templates', async () => {
    const warn = captureWarnings()
    vi.useFakeTimers()
    const { tracker, events } = setup()
    // "/x/:a:b" is a fine vue-router path, but path-to-regexp needs text between two parameters
    const routes = [
      { path: '/x/:a:b', component: View },
      { path: '/nc/:project_id', component: View },
    ]
    const router = createRouter({ history: createMemoryHistory(), routes })
    createApp(View).use(router).use(createTelemetryPlugin(tracker, router))
    await router.push('/x/secret')
    await router.push('/nc/p1')
    tracker.flush()
    await vi.runAllTimersAsync()
    vi.useRealTimers()
    // "x" is static in no template the table holds, so it is masked too
    expect(events().map(e => e.path)).toEqual(['/*/*', '/nc/:project_id'])
    expect(warn.mock.calls).toEqual([[expect.stringContaining('No match found for location with path ""')]])
  })

  it('hash routing (createWebHashHistory) with a hash: true tracker keeps the allowed query and masks unknown paths', async () => {
    const warn = captureWarnings()
    vi.useFakeTimers()
    const { tracker, events } = setup({ hash: true, keepQuery: { tab: ['grid'] } })
    const routes = [
      { path: '/x/:a:b', component: View },
      { path: '/nc/:project_id', component: View },
    ]
    const router = createRouter({ history: createWebHashHistory(), routes })
    createApp(View).use(router).use(createTelemetryPlugin(tracker, router))
    await router.push('/nc/p1?tab=grid&q=alice')
    await router.push('/x/alice')
    tracker.flush()
    await vi.runAllTimersAsync()
    vi.useRealTimers()
    expect(events().map(e => e.path)).toEqual(['/nc/:project_id?tab=grid', '/*/*'])
    expect(warn.mock.calls).toEqual([[expect.stringContaining('No match found for location with path "/"')]])
  })

  it('captureErrors on the tracker and the plugin: uncaught errors and component errors', async () => {
    vi.useFakeTimers()
    const { sent } = setup()
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const plugin = createTelemetryPlugin(
      createTracker({ endpoint: '/telemetry', app: { name: 'vue' }, captureErrors: true }),
      router,
      { captureErrors: true },
    )
    createApp(View).use(router).use(plugin)
    await router.push('/nc/p1')
    window.dispatchEvent(new ErrorEvent('error', { error: new SyntaxError('alice') }))
    plugin.tracker.flush()
    await vi.runAllTimersAsync()
    vi.useRealTimers()
    expect(sent.flatMap(s => s.payload.events).filter(e => e.type === 'error')).toEqual([
      expect.objectContaining({ name: 'SyntaxError', path: '/nc/:project_id' }),
    ])
    plugin.tracker.destroy()
  })
})

describe('setup errors', () => {
  it.each([
    [[undefined, 'router'], '[spa-telemetry] tracker is undefined: expected a tracker from createTracker()'],
    [['tracker', undefined], '[spa-telemetry] router is undefined: expected a vue-router Router'],
    [['tracker', {}], '[spa-telemetry] router is an object: expected a vue-router Router'],
    [['x', 'router'], '[spa-telemetry] tracker is "x": expected a tracker from createTracker()'],
    [[null, 'router'], '[spa-telemetry] tracker is null: expected a tracker from createTracker()'],
    [
      ['tracker', 'router', []],
      '[spa-telemetry] options is an array: expected an object like { trackQueryChanges: true }',
    ],
    [
      ['tracker', 'router', { trackQueryChanges: 'yes' }],
      '[spa-telemetry] trackQueryChanges is "yes": expected true or false',
    ],
    [['tracker', 'router', { captureErrors: 1 }], '[spa-telemetry] captureErrors is 1: expected true or false'],
    [['tracker', 'router', { routes: { a: 1 } }], '[spa-telemetry] routes is an object: expected a list of templates'],
    [['tracker', 'router', { routes: '/a' }], '[spa-telemetry] routes is "/a": expected a list of templates'],
    [['real', 'router', { routes: ['/bad/:'] }], '[spa-telemetry] routes[0] "/bad/:" is not a valid path template'],
  ])('%j', (args, message) => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const given = { tracker: fakeTracker().tracker, real: setup().tracker, router } as Record<string, unknown>
    const [tracker, target, options] = args.map(arg => (typeof arg === 'string' && arg in given ? given[arg] : arg))
    expect(() =>
      createTelemetryPlugin(tracker as Tracker, target as Router, options as TelemetryPluginOptions),
    ).toThrow(message)
    // captureErrors is the plugin's: trackRouter leaves it alone
    if (message.includes('captureErrors'))
      expect(() => trackRouter(tracker as Tracker, target as Router, options as TelemetryPluginOptions)()).not.toThrow()
    else
      expect(() => trackRouter(tracker as Tracker, target as Router, options as TelemetryPluginOptions)).toThrow(
        message,
      )
  })
})

describe('trackRouter: page views without the plugin', () => {
  it('records as the plugin does, from the current route on; stop() ends it', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    router.push('/nc/p1')
    await router.isReady()
    const fake = fakeTracker()
    const stop = trackRouter(fake.tracker, router, { routes: { 'table-view': '/nc/:project_id/table/:table' } })
    await router.push('/nc/p1/table/42')
    await router.push('/nc/p1/table/42?sort=name')
    stop()
    stop()
    await router.push('/nc/p2')
    expect(fake.pages()).toEqual([
      [
        { pathname: '/nc/p1', search: '', hash: '#/nc/p1' },
        { route: '/nc/:project_id', name: undefined },
      ],
      [
        { pathname: '/nc/p1/table/42', search: '', hash: '#/nc/p1/table/42' },
        { route: '/nc/:project_id/table/:table', name: 'table' },
      ],
    ])
  })

  it('called before the initial navigation, it records that navigation', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const fake = fakeTracker()
    trackRouter(fake.tracker, router)
    await router.push('/settings/billing')
    expect(fake.pages().map(urlOf)).toEqual(['/settings/billing'])
  })
})

describe('a route whose template the anonymizer refuses (issue 21, item 16)', () => {
  // "/:a-:b(.*)": two parameters share a segment, and the second spans segments: the
  // anonymizer cannot match "/:a-{*b}", so the route is reported as "/:a-{:b}", its own
  const TABLE: RouteRecordRaw[] = [
    { path: '/', component: View },
    { path: '/:w', component: View },
    { path: '/:a-:b(.*)', component: View },
    { path: '/x/:a:b', component: View },
    { path: '/x/:w', component: View },
  ]

  it('is reported as its own template kept to one segment, never as another route of the table', async () => {
    vi.useFakeTimers()
    const { tracker, events } = setup()
    const router = createRouter({ history: createMemoryHistory(), routes: TABLE })
    createApp(View).use(router).use(createTelemetryPlugin(tracker, router))
    for (const path of ['/release-2024/notes', '/release-2024', '/alice', '/x/secret']) await router.push(path)
    tracker.flush()
    await vi.runAllTimersAsync()
    vi.useRealTimers()
    expect(router.resolve('/x/secret').matched[0].path).toBe('/x/:a:b')
    // "/x/:a:b" fits no template the anonymizer takes ("missing text"): masked, not "/x/:w"
    expect(events().map(e => e.path)).toEqual(['/:a-{:b}', '/:a-{:b}', '/:w', '/x/*'])
    expect(tracker.routes().sort()).toEqual(['/', '/:a-{:b}', '/:w', '/x/:w'])
  })
})

describe('the 0.1 form, createTelemetryPlugin({ router, … }) (deprecated)', () => {
  beforeEach(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}))

  it('still works, and a development build warns once', async () => {
    const fake = fakeTracker()
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    createApp(View)
      .use(router)
      .use(createTelemetryPlugin({ router, tracker: fake.tracker, trackQueryChanges: true }))
    createTelemetryPlugin({ router, tracker: fake.tracker })
    await router.push('/nc/p1')
    await router.push('/nc/p1?tab=2')
    expect(fake.pages().map(urlOf)).toEqual(['/nc/p1', '/nc/p1?tab=2'])
    expect(vi.mocked(console.warn).mock.calls).toEqual([
      [
        '[spa-telemetry] createTelemetryPlugin({ router, … }) is deprecated and goes in the next minor version: create the tracker with createTracker() and call createTelemetryPlugin(tracker, router, options)',
      ],
    ])
  })

  it('creates the tracker from the other options, and destroys it when the app unmounts', async () => {
    setup() // sendBeacon stubbed
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const own = createTelemetryPlugin({ router, endpoint: '/t', app: { name: 'vue' }, routes: ['/legacy/:id'] })
    const app = createApp(View).use(own)
    app.mount(document.createElement('div'))
    expect(own.tracker.isEnabled()).toBe(true)
    expect(own.tracker.routes()).toContain('/legacy/:id')
    app.unmount()
    expect(own.tracker.isEnabled()).toBe(false)
  })

  it.each([
    [{ router: undefined }, '[spa-telemetry] router is undefined: expected a vue-router Router'],
    [{ tracker: 'x' }, '[spa-telemetry] tracker is "x": expected a tracker from createTracker()'],
    [{ tracker: null }, '[spa-telemetry] tracker is null: expected a tracker from createTracker()'],
    [{ trackQueryChanges: 'yes' }, '[spa-telemetry] trackQueryChanges is "yes": expected true or false'],
    [{ routes: '/a' }, '[spa-telemetry] routes is "/a": expected a list of templates'],
    [
      { tracker: undefined, endpoint: '/t', app: { name: 'a' }, routes: ['/bad/:'] },
      '[spa-telemetry] routes[0] "/bad/:" is not a valid path template',
    ],
    [{ tracker: undefined, endpoint: 'x', app: { name: 'a' } }, '[spa-telemetry] endpoint is "x"'],
    [
      { tracker: undefined, endpoint: '/t', app: { name: 'a' }, sendNow: true },
      '[spa-telemetry] unknown option "sendNow"',
    ],
  ])('setup errors as in 0.1: %j', (options, message) => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    expect(() => createTelemetryPlugin({ router, tracker: fakeTracker().tracker, ...options } as never)).toThrow(
      message,
    )
  })
})
