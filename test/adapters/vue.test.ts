/**
 * `spa-telemetry/vue` with a real vue-router 4 and Vue 3 in jsdom: route
 * conversion, navigation semantics, `useTelemetry`, `v-track`, errors, and
 * what the real tracker sends.
 */
import { mount } from '@vue/test-utils'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter, createWebHistory } from 'vue-router'
import type { RouteRecordRaw, Router } from 'vue-router'

import { createAnonymizer } from '../../src/index.js'
import type { Tracker } from '../../src/index.js'
import { createTelemetryPlugin, toTemplate, useTelemetry } from '../../adapters/vue.js'
import type { TelemetryPluginOptions } from '../../adapters/vue.js'
import { destroyAll, fakeTracker, resetBrowser, setup } from '../helpers.js'

const View = defineComponent({ render: () => h('div') })
const Shell = defineComponent({ render: () => h('main', [h('router-view')]) })

const ROUTES: RouteRecordRaw[] = [
  { path: '/', component: View },
  { path: '/nc/:project_id', component: View },
  {
    path: '/nc/:project_id/table',
    component: Shell,
    children: [
      { path: '', component: View },
      { path: ':table_id(\\d+)', component: View, meta: { telemetry: { name: 'table' } } },
    ],
  },
  { path: '/settings/:tab?', component: View, alias: ['/preferences/:tab?'] },
  { path: '/private', component: View, meta: { telemetry: false } },
  { path: '/old/:id', redirect: to => `/nc/${to.params.id}` },
  { path: '/guarded', component: View, beforeEnter: () => false },
  { path: '/slow', component: View, beforeEnter: () => new Promise(resolve => setTimeout(() => resolve(true), 20)) },
  { path: '/docs/:chapters+', component: View },
  { path: '/:pathMatch(.*)*', component: View },
]

/** A Vue app with a memory router at `start`, the plugin installed, the initial navigation done. */
const start = async (at = '/', options: Partial<TelemetryPluginOptions> = {}, routes = ROUTES) => {
  const router = createRouter({ history: createMemoryHistory(), routes })
  const fake = fakeTracker()
  const app = createApp({ render: () => h('router-view') })
  app.use(router)
  app.use(createTelemetryPlugin({ router, tracker: fake.tracker, ...options }))
  router.push(at)
  await router.isReady()
  return { router, app, ...fake }
}

beforeEach(() => resetBrowser())
afterEach(() => {
  destroyAll()
  vi.restoreAllMocks()
})

describe('route conversion', () => {
  it.each([
    ['/', '/'],
    ['/nc/:project_id', '/nc/:project_id'],
    ['/users/:id(\\d+)', '/users/:id'],
    ['/users/:id(\\d+)/posts/:slug?', '/users/:id/posts{/:slug}'],
    ['/docs/:chapters+', '/docs/*chapters'],
    ['/docs/:chapters*', '/docs{/*chapters}'],
    ['/:pathMatch(.*)*', '{/*pathMatch}'],
    ['/files/:path(.*)', '/files{/*path}'],
    ['/files/:path(.+)', '/files/*path'],
    ['/projects/:id()', '/projects/:id'],
    ['/projects/:id()/edit', '/projects/:id/edit'],
    ['/files/:name.:ext', '/files/:name.:ext'],
    ['/files/:name-:version?', '/files/:name-{:version}'],
    ['/a\\:b/(x)', '/a\\:b/\\(x\\)'],
    ['/re/:id([a-z]+(?:-[a-z]+)*)', '/re/:id'],
  ])('%s → %s', (path, template) => {
    expect(toTemplate(path)).toBe(template)
    expect(() => createAnonymizer({ routes: [template] })).not.toThrow()
  })

  it('refuses what vue-router refuses', () => {
    expect(() => toTemplate('/a/:')).toThrow('a parameter with no name')
    expect(() => toTemplate('/a/:id(\\d+')).toThrow('an unclosed "("')
  })

  it('every converted template matches the URLs vue-router resolves to its record', () => {
    const segment = fc.constantFrom('nc', 'table', 'users', ':id', ':id(\\d+)', ':slug?', ':rest+', ':rest*', ':key()', ':a.:b')
    const path = fc
      .array(segment, { minLength: 1, maxLength: 4 })
      .map(parts => parts.map((p, i) => p.replace(/:(id|slug|rest|key|a|b)/g, `:$1${i}`)).join('/'))
      .map(p => '/' + p)
      .filter(p => !/[+*]\/./.test(p))
    const url = fc.array(fc.constantFrom('nc', 'table', 'users', '42', 'x.y', 'NC', 'p_8f2k'), { maxLength: 5 }).map(parts => '/' + parts.join('/'))
    fc.assert(
      fc.property(fc.uniqueArray(path, { minLength: 1, maxLength: 6 }), fc.array(url, { minLength: 1, maxLength: 8 }), (paths, urls) => {
        const router = createRouter({ history: createMemoryHistory(), routes: paths.map(p => ({ path: p, component: View })) })
        for (const u of urls) {
          const leaf = router.resolve(u).matched.at(-1)
          if (!leaf) continue
          const template = toTemplate(leaf.path)
          expect([u, createAnonymizer({ routes: [template], unmatched: 'drop' }).anonymize(u)]).toEqual([u, template])
        }
      }),
      { numRuns: 1_000 },
    )
  })
})

describe('navigation', () => {
  it('one page view for the initial navigation, with the leaf template as the route', async () => {
    const { pages, routes } = await start('/nc/p_8f2k')
    expect(pages()).toEqual([['/nc/p_8f2k', { route: '/nc/:project_id', name: undefined }]])
    expect(routes).toContain('/nc/:project_id/table/:table_id')
    expect(routes).toContain('{/*pathMatch}')
  })

  it('one page view per successful navigation; nested routes use the leaf record', async () => {
    const { router, pages } = await start('/')
    await router.push('/nc/p1/table')
    await router.push('/nc/p1/table/42')
    expect(pages().slice(1)).toEqual([
      ['/nc/p1/table', { route: '/nc/:project_id/table', name: undefined }],
      ['/nc/p1/table/42', { route: '/nc/:project_id/table/:table_id', name: 'table' }],
    ])
  })

  it('none for aborted, cancelled or duplicated navigations', async () => {
    const { router, pages } = await start('/nc/p1')
    await router.push('/guarded')
    await router.push('/nc/p1')
    const slow = router.push('/slow')
    await router.push('/nc/p2')
    await slow
    expect(pages().map(([url]) => url)).toEqual(['/nc/p1', '/nc/p2'])
  })

  it('a redirect records only its final target', async () => {
    const { router, pages } = await start('/')
    await router.push('/old/p9')
    expect(pages().slice(1)).toEqual([['/nc/p9', { route: '/nc/:project_id', name: undefined }]])
  })

  it('none for a query-only or hash-only change, unless trackQueryChanges', async () => {
    const quiet = await start('/nc/p1')
    await quiet.router.push('/nc/p1?sort=name')
    await quiet.router.push('/nc/p1?sort=name#row-3')
    expect(quiet.pages()).toHaveLength(1)
    const loud = await start('/nc/p1', { trackQueryChanges: true })
    await loud.router.push('/nc/p1?sort=name')
    expect(loud.pages()).toHaveLength(2)
  })

  it('back and forward count like any navigation', async () => {
    const { router, pages } = await start('/nc/p1')
    await router.push('/nc/p2')
    router.back()
    await new Promise(resolve => setTimeout(resolve, 10))
    router.forward()
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(pages().map(([url]) => url)).toEqual(['/nc/p1', '/nc/p2', '/nc/p1', '/nc/p2'])
  })

  it('meta.telemetry: false records nothing; an alias reports its original template', async () => {
    const { router, pages } = await start('/')
    await router.push('/private')
    await router.push('/preferences/billing')
    expect(pages().slice(1)).toEqual([['/preferences/billing', { route: '/settings{/:tab}', name: undefined }]])
  })

  it('routes added later with addRoute are learned', async () => {
    const { router, pages, routes } = await start('/')
    router.addRoute({ path: '/reports/:report_id', component: View })
    await router.push('/reports/r_77')
    expect(routes).toContain('/reports/:report_id')
    expect(pages().at(-1)).toEqual(['/reports/r_77', { route: '/reports/:report_id', name: undefined }])
  })

  it('installed after the first navigation: records the current route once', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    router.push('/nc/p1')
    await router.isReady()
    const fake = fakeTracker()
    createApp(View).use(router).use(createTelemetryPlugin({ router, tracker: fake.tracker }))
    await nextTick()
    expect(fake.pages()).toEqual([['/nc/p1', { route: '/nc/:project_id', name: undefined }]])
  })

  it('explicit routes add templates, or override the template of a route', async () => {
    const { router, pages, routes } = await start('/', { routes: { '/docs/:chapters+': '/docs/:book' } })
    await router.push('/docs/a/b')
    expect(pages().at(-1)).toEqual(['/docs/a/b', { route: '/docs/:book', name: undefined }])
    expect(routes).toContain('/docs/:book')
  })

  it('a tracker that throws never breaks navigation', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const broken = { ...fakeTracker().tracker, page: () => { throw new Error('boom') }, addRoutes: () => { throw new Error('boom') } }
    createApp(View).use(router).use(createTelemetryPlugin({ router, tracker: broken }))
    await router.push('/nc/p1')
    await router.push('/nc/p2')
    expect(router.currentRoute.value.fullPath).toBe('/nc/p2')
  })
})

describe('components', () => {
  const mountWith = async (component: object, options: Partial<TelemetryPluginOptions> = {}) => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const fake = fakeTracker()
    const plugin = createTelemetryPlugin({ router, tracker: fake.tracker, ...options })
    router.push('/')
    await router.isReady()
    const wrapper = mount(component, { global: { plugins: [router, plugin] }, attachTo: document.body })
    return { wrapper, ...fake }
  }

  it('useTelemetry() returns the tracker inside setup()', async () => {
    let seen: Tracker | undefined
    const { tracker } = await mountWith(defineComponent({ setup: () => ((seen = useTelemetry()), () => h('div')) }))
    expect(seen).toBe(tracker)
  })

  it('useTelemetry() without the plugin says what is missing', () => {
    const Orphan = defineComponent({ setup: () => (useTelemetry(), () => h('div')) })
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(() => mount(Orphan)).toThrow('[spa-telemetry] useTelemetry() found no tracker: install createTelemetryPlugin() first')
  })

  it('v-track records clicks and submits with static props, never the text or values', async () => {
    const Form = defineComponent({
      data: () => ({ name: 'export_clicked' }),
      template: `
        <div>
          <button id="export" v-track="name">alice@example.com</button>
          <form id="form" v-track:submit="{ name: 'table_created', props: { kind: 'grid' } }" @submit.prevent>
            <input value="alice@example.com" />
          </form>
        </div>`,
    })
    const { wrapper, tracks } = await mountWith(Form)
    await wrapper.find('#export').trigger('click')
    await wrapper.find('#form').trigger('submit')
    await wrapper.setData({ name: 'export_again' })
    await wrapper.find('#export').trigger('click')
    expect(tracks()).toEqual([['export_clicked'], ['table_created', { kind: 'grid' }], ['export_again']])
    wrapper.unmount()
  })

  it('v-track listeners are removed on unmount', async () => {
    const { wrapper, tracks } = await mountWith(defineComponent({ template: `<i v-track="'x'" />` }))
    const el = wrapper.find('i').element
    el.dispatchEvent(new Event('click'))
    wrapper.unmount()
    el.dispatchEvent(new Event('click'))
    expect(tracks()).toEqual([['x']])
  })

  it('captureErrors chains the app error handler and records the constructor name only', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const fake = fakeTracker()
    const previous = vi.fn()
    const app = createApp(defineComponent({ setup: () => () => { throw new RangeError('alice@example.com') } }))
    app.config.errorHandler = previous
    app.use(router).use(createTelemetryPlugin({ router, tracker: fake.tracker, captureErrors: true }))
    app.mount(document.createElement('div'))
    expect(fake.calls.filter(([m]) => m === 'error').map(([, e]) => (e as Error).constructor.name)).toEqual(['RangeError'])
    expect(previous).toHaveBeenCalledTimes(1)
  })
})

describe('with the real tracker', () => {
  it('sends templates, never the ids in the URL', async () => {
    vi.useFakeTimers()
    const { sent } = setup()
    const router: Router = createRouter({ history: createWebHistory(), routes: ROUTES })
    const plugin = createTelemetryPlugin({ router, endpoint: '/telemetry', app: { name: 'vue' } })
    createApp(View).use(router).use(plugin)
    await router.push('/nc/p_8f2k?q=alice')
    await router.push('/nc/p_8f2k/table/123456')
    await router.push('/unknown/alice@example.com')
    plugin.tracker.flush()
    await vi.runAllTimersAsync()
    vi.useRealTimers()
    const events = sent.flatMap(s => s.payload.events)
    expect(events.map(e => [e.path, e.from, e.name])).toEqual([
      ['/nc/:project_id', undefined, undefined],
      ['/nc/:project_id/table/:table_id', '/nc/:project_id', 'table'],
      ['{/*pathMatch}', '/nc/:project_id/table/:table_id', undefined],
    ])
    expect(sent.map(s => s.body).join('')).not.toMatch(/p_8f2k|alice|123456/)
    plugin.tracker.destroy()
  })
})

describe('setup errors', () => {
  it.each([
    [{ router: undefined }, '[spa-telemetry] router is undefined: expected a vue-router Router'],
    [{ router: {} }, '[spa-telemetry] router is an object: expected a vue-router Router'],
    [{ tracker: 'x' }, '[spa-telemetry] tracker is "x": expected a tracker from createTracker()'],
    [{ trackQueryChanges: 'yes' }, '[spa-telemetry] trackQueryChanges is "yes": expected true or false'],
    [{ routes: { a: 1 } }, '[spa-telemetry] routes is an object: expected a list of templates'],
    [{ tracker: undefined, endpoint: '/t', app: { name: 'a' }, routes: ['/bad/:'] }, '[spa-telemetry] routes[0] "/bad/:" is not a valid path template'],
    [{ tracker: undefined, endpoint: 'x', app: { name: 'a' } }, '[spa-telemetry] endpoint is "x"'],
  ])('%j', (options, message) => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    expect(() => createTelemetryPlugin({ router, tracker: fakeTracker().tracker, ...options } as never)).toThrow(message)
  })
})

describe('lifecycle', () => {
  it('unmounting the app destroys the tracker the plugin created, never one it was given', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
    const given = fakeTracker()
    const app = createApp(View).use(router).use(createTelemetryPlugin({ router, tracker: given.tracker }))
    app.mount(document.createElement('div'))
    app.unmount()
    expect(given.calls.filter(([m]) => m === 'destroy')).toEqual([])
    const own = createTelemetryPlugin({ router: createRouter({ history: createMemoryHistory(), routes: ROUTES }), endpoint: '/t', app: { name: 'vue' } })
    const second = createApp(View).use(own)
    second.mount(document.createElement('div'))
    second.unmount()
    expect(own.tracker.isEnabled()).toBe(false)
  })

  it('a route the tracker refuses does not keep the others out', async () => {
    const fake = fakeTracker()
    const refusing = { ...fake.tracker, addRoutes: (added: readonly string[]) => (added.some(t => t.includes('bad')) ? (() => { throw new Error('refused') })() : fake.tracker.addRoutes(added)) }
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/bad/:x', component: View }, { path: '/good/:y', component: View }] })
    createApp(View).use(router).use(createTelemetryPlugin({ router, tracker: refusing }))
    expect(fake.routes).toEqual(['/good/:y'])
  })
})
