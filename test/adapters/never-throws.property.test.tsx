/**
 * Nothing an adapter is given makes it throw into the app after setup, in
 * any build (issue 21): every adapter function and hook, called with
 * generated arguments (null, numbers, strings, arrays of junk, objects whose
 * getters throw, proxies that throw on every operation, trackers and routers
 * whose methods throw, and real ones), then used as an app uses it
 * (navigations, clicks, dispatches, renders, stop()). At setup, the
 * development build may refuse with a `[spa-telemetry]` message and nothing
 * else; the production build (dist/) throws nothing at all. The same
 * properties run on the sources, dist/dev/ and dist/.
 */
import { act, cleanup, render } from '@testing-library/react'
import fc from 'fast-check'
import { MemoryRouter, createMemoryRouter, useNavigate } from 'react-router'
import type { NavigateFunction } from 'react-router'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, withDirectives } from 'vue'
import type { Directive } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'

import * as sourceHistory from '../../adapters/history.js'
import * as sourceNuxt from '../../adapters/nuxt.js'
import * as sourceReactRouter from '../../adapters/react-router.js'
import * as sourceRedux from '../../adapters/redux.js'
import * as sourceVue from '../../adapters/vue.js'
import { destroyAll, resetBrowser, setup } from '../helpers/browser.js'
import { fakeTracker } from '../helpers/adapters.js'

interface Build {
  vue: typeof sourceVue
  nuxt: typeof sourceNuxt
  history: typeof sourceHistory
  redux: typeof sourceRedux
  reactRouter: typeof sourceReactRouter
}
const load = async (dir: string): Promise<Build> => ({
  vue: await import(/* @vite-ignore */ `../../${dir}vue.js`),
  nuxt: await import(/* @vite-ignore */ `../../${dir}nuxt.js`),
  history: await import(/* @vite-ignore */ `../../${dir}history.js`),
  redux: await import(/* @vite-ignore */ `../../${dir}redux.js`),
  reactRouter: await import(/* @vite-ignore */ `../../${dir}react-router.js`),
})
const builds: [name: string, production: boolean, build: () => Promise<Build>][] = [
  [
    'sources',
    false,
    async () => ({
      vue: sourceVue,
      nuxt: sourceNuxt,
      history: sourceHistory,
      redux: sourceRedux,
      reactRouter: sourceReactRouter,
    }),
  ],
  ['dist/dev/', false, () => load('dist/dev/')],
  ['dist/ (production)', true, () => load('dist/')],
]

const boom = (): never => {
  throw new Error('boom')
}
/** A value on which every operation throws. */
const hostile = (target: object): object =>
  new Proxy(
    target,
    Object.fromEntries(
      [
        'get',
        'has',
        'ownKeys',
        'getPrototypeOf',
        'getOwnPropertyDescriptor',
        'apply',
        'construct',
        'set',
        'defineProperty',
      ].map(trap => [trap, boom]),
    ),
  )
/** An object whose named properties throw when read. */
const trapped = (...keys: string[]): object =>
  Object.defineProperties({}, Object.fromEntries(keys.map(key => [key, { get: boom, enumerable: true }])))

/**
 * A generated argument, made inside the property: fast-check itself reads
 * the values it generates (to clone and print them), which a hostile value
 * would not survive. Printed as its label.
 */
interface Made {
  make(): unknown
  toString(): string
}
const made = (label: string, make: () => unknown): Made => ({ make, toString: () => label })
const plain = (value: unknown): Made => made(fc.stringify(value), () => value)

const KEYS = [
  'page',
  'track',
  'action',
  'addRoutes',
  'anonymize',
  'options',
  'routes',
  'trackQueryChanges',
  'captureErrors',
  'initial',
  'include',
  'rename',
  'throttleMs',
  'app',
  'router',
  'tracker',
  'history',
  'location',
  'getRoutes',
  'afterEach',
  'currentRoute',
  'subscribe',
  'state',
  'path',
  'children',
]
/** Anything at all, as an argument may be. */
const junk: fc.Arbitrary<Made> = fc.oneof(
  fc
    .constantFrom(null, undefined, 0, -1, NaN, Infinity, '', 'x', '/users/:', true, false, Symbol.for('s'), 10n)
    .map(plain),
  fc
    .constantFrom('regexp', 'date', 'null prototype')
    .map(kind => made(kind, () => (kind === 'regexp' ? /x/g : kind === 'date' ? new Date(0) : Object.create(null)))),
  fc.string().map(plain),
  fc.integer().map(plain),
  fc.array(fc.oneof(fc.anything(), fc.constantFrom(null, '/bad/:', { path: 7 })), { maxLength: 4 }).map(plain),
  fc
    .dictionary(fc.constantFrom(...KEYS), fc.oneof(fc.anything(), fc.constantFrom(boom, [null], { a: 1 })), {
      maxKeys: 4,
    })
    .map(plain),
  fc
    .subarray(KEYS, { minLength: 1, maxLength: 4 })
    .map(keys => made(`an object whose ${keys} throw`, () => trapped(...keys))),
  fc
    .constantFrom('object', 'function')
    .map(kind => made(`a ${kind} on which everything throws`, () => hostile(kind === 'object' ? {} : () => {}))),
  fc.func(fc.anything()).map(plain),
)
/** A tracker: junk, one whose every method throws, a recording fake, or a real one. */
const tracker: fc.Arbitrary<Made> = fc.oneof(
  junk,
  fc.constant(
    made('a tracker whose methods throw', () =>
      Object.fromEntries(
        Object.keys(fakeTracker().tracker).map(key => [
          key,
          key === 'options' ? { endpoint: '/t', app: { name: 'x' } } : boom,
        ]),
      ),
    ),
  ),
  fc.constant(made('a fake tracker', () => fakeTracker().tracker)),
  fc.constant(made('a real tracker', () => setup({ routes: ['/users/:id'] }).tracker)),
)
/** Options: junk, or the right keys with any values. */
const options: fc.Arbitrary<Made> = fc.oneof(
  junk,
  fc
    .tuple(
      fc.oneof(junk, fc.constantFrom(['/users/:id'], { a: '/a' }, ['/bad/:']).map(plain)),
      fc.oneof(junk, fc.boolean().map(plain)),
    )
    .map(([routes, trackQueryChanges]) =>
      made(`{ routes: ${routes}, trackQueryChanges: ${trackQueryChanges} }`, () => ({
        routes: routes.make(),
        trackQueryChanges: trackQueryChanges.make(),
      })),
    ),
)

/**
 * Runs a setup call: in production it must return; in development it may
 * also refuse with a `[spa-telemetry]` message. Returns what it made, or
 * undefined when it refused.
 */
const atSetup = <T,>(production: boolean, call: () => T): T | undefined => {
  try {
    return call()
  } catch (error) {
    if (production || !(error instanceof Error) || !error.message.startsWith('[spa-telemetry] ')) throw error
    return undefined
  }
}

const View = defineComponent({ render: () => h('div') })

/** Errors thrown where nobody catches them (an event listener, an effect): the page's window sees them. */
const uncaught: unknown[] = []
const onError = (event: ErrorEvent): void => void uncaught.push(event.error ?? event.message)
beforeAll(() => {
  // vue-router and React warn about junk tables and unmatched paths: not this test's subject
  for (const level of ['warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => {})
  window.addEventListener('error', onError)
})
afterAll(() => {
  window.removeEventListener('error', onError)
  vi.restoreAllMocks()
})

describe.each(builds)('%s', (_, production, get) => {
  let build: Build
  beforeAll(async () => void (build = await get()))
  /** After each run: nothing reached the window uncaught, and the page is clean for the next. */
  const after = (): void => {
    cleanup()
    destroyAll()
    resetBrowser()
    expect(uncaught.splice(0)).toEqual([])
  }

  it('spa-telemetry/vue: trackRouter, createTelemetryPlugin (both forms) and v-track, then navigations, clicks and unmount', async () => {
    const vueRouter = fc.oneof(
      junk,
      fc.constantFrom('real', 'throwing').map(kind => made(`a ${kind} router`, () => kind)),
    )
    await fc.assert(
      fc.asyncProperty(
        tracker,
        vueRouter,
        options,
        fc.boolean(),
        junk,
        async (trackerMade, routerMade, optionsMade, legacy, boundMade) => {
          const [given, kind, opts, bound] = [
            trackerMade.make(),
            routerMade.make(),
            optionsMade.make(),
            boundMade.make(),
          ]
          const real = createRouter({
            history: createMemoryHistory(),
            routes: [
              { path: '/', component: View },
              { path: '/users/:id', component: View },
            ],
          })
          const router =
            kind === 'real'
              ? real
              : kind === 'throwing'
                ? { getRoutes: boom, afterEach: boom, currentRoute: trapped('value') }
                : kind
          const stop = atSetup(production, () => build.vue.trackRouter(given as never, router as never, opts as never))
          const plugin = atSetup(production, () =>
            legacy
              ? build.vue.createTelemetryPlugin(
                  Object.assign(Object.create(null), { router, tracker: given, options: opts }) as never,
                )
              : build.vue.createTelemetryPlugin(given as never, router as never, opts as never),
          )
          const app = createApp(
            defineComponent({
              render: () =>
                withDirectives(h('button', { id: 'b' }), [
                  [build.vue.createTrackDirective(given as never) as Directive, bound],
                ]),
            }),
          )
          app.use(real)
          if (plugin) atSetup(production, () => app.use(plugin as never))
          const root = document.createElement('div')
          document.body.append(root)
          app.mount(root)
          await real.push('/users/42')
          root.querySelector('button')?.click()
          app.unmount()
          stop?.()
          stop?.()
          after()
        },
      ),
      { numRuns: 150 },
    )
  }, 120_000)

  it('spa-telemetry/vue: useTelemetry() where no plugin provides a tracker', () => {
    const seen: unknown[] = []
    const Orphan = defineComponent({
      setup: () => (seen.push(atSetup(production, () => build.vue.useTelemetry())), () => h('i')),
    })
    createApp(Orphan).mount(document.createElement('div'))
    if (production) expect((seen[0] as { status(): string }).status()).toBe('inactive')
  })

  it('spa-telemetry/nuxt: defineTelemetryNuxtPlugin, then the plugin run by Nuxt with any app', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(junk, fc.constant(plain({ endpoint: '/t', app: { name: 'shop' } }))),
        fc.oneof(junk, fc.constant(plain('app'))),
        fc.boolean(),
        async (optionsMade, appMade, server) => {
          const [opts, app] = [optionsMade.make(), appMade.make()]
          const plugin = atSetup(production, () => build.nuxt.defineTelemetryNuxtPlugin(opts as never))
          const router = createRouter({
            history: createMemoryHistory(),
            routes: [{ path: '/users/:id()', component: View }],
          })
          const nuxtApp =
            app === 'app'
              ? {
                  vueApp: createApp(View).use(router),
                  $router: router,
                  $config: { public: { telemetry: { endpoint: '/c' } } },
                }
              : app
          if (server) vi.stubGlobal('window', undefined)
          const result = plugin && atSetup(production, () => plugin(nuxtApp as never))
          vi.unstubAllGlobals()
          await router.push('/users/7').catch(() => undefined)
          result?.provide.telemetry.destroy()
          after()
        },
      ),
      { numRuns: 150 },
    )
  }, 60_000)

  it('spa-telemetry/history: trackHistory, then pushState, replaceState, Back, hash changes and stop()', async () => {
    const target = fc.oneof(junk, fc.constant(plain('window')))
    const { pushState, replaceState } = History.prototype
    await fc.assert(
      fc.asyncProperty(tracker, target, options, async (trackerMade, targetMade, optionsMade) => {
        const [given, where, opts] = [trackerMade.make(), targetMade.make(), optionsMade.make()]
        const stop = atSetup(production, () =>
          build.history.trackHistory(given as never, (where === 'window' ? window : where) as never, opts as never),
        )
        history.pushState({ secret: 1 }, '', '/users/1?q=2')
        history.replaceState(null, '', '/users/2#h')
        location.hash = '#/users/3'
        window.dispatchEvent(new PopStateEvent('popstate'))
        window.dispatchEvent(new HashChangeEvent('hashchange'))
        stop?.()
        stop?.()
        // whatever happened, the app's history is its own again
        expect([history.pushState, history.replaceState]).toEqual([pushState, replaceState])
        after()
      }),
      { numRuns: 200 },
    )
  }, 60_000)

  it('spa-telemetry/redux: createTelemetryMiddleware, then any action through it, passed on unchanged', () => {
    fc.assert(
      fc.property(
        tracker,
        fc.oneof(
          junk,
          fc.tuple(junk, junk, junk, junk).map(rules =>
            made(`{ include, exclude, rename, throttleMs: ${rules} }`, () => ({
              include: rules[0].make(),
              exclude: rules[1].make(),
              rename: rules[2].make(),
              throttleMs: rules[3].make(),
            })),
          ),
        ),
        fc.array(
          fc.oneof(
            junk,
            junk.map(type => made(`{ type: ${type} }`, () => ({ type: type.make() }))),
          ),
          { maxLength: 5 },
        ),
        (trackerMade, optionsMade, actionsMade) => {
          const [given, opts, actions] = [
            trackerMade.make(),
            optionsMade.make(),
            actionsMade.map(action => action.make()),
          ]
          const middleware = atSetup(production, () =>
            build.redux.createTelemetryMiddleware(given as never, opts as never),
          )
          if (middleware) {
            const dispatch = middleware({})((action: never) => ({ passed: action }))
            // compared by identity: a hostile action cannot be read, even by the test
            for (const action of actions) expect((dispatch(action as never) as { passed: unknown }).passed).toBe(action)
          }
          after()
        },
      ),
      { numRuns: 300 },
    )
  }, 60_000)

  it('spa-telemetry/react-router: trackRouter and useTrackRoutes, then navigations and renders', async () => {
    const router = fc.oneof(
      junk,
      fc.constantFrom('real', 'throwing').map(kind => made(`a ${kind} router`, () => kind)),
    )
    const routes = fc.oneof(junk, fc.constant(plain([{ path: '/users/:id' }])))
    await fc.assert(
      fc.asyncProperty(tracker, router, routes, options, async (trackerMade, routerMade, routesMade, optionsMade) => {
        const [given, kind, table, opts] = [
          trackerMade.make(),
          routerMade.make(),
          routesMade.make(),
          optionsMade.make(),
        ]
        const real = createMemoryRouter([{ path: '/users/:id' }, { path: '*' }], { initialEntries: ['/users/1'] })
        const target =
          kind === 'real'
            ? real
            : kind === 'throwing'
              ? Object.defineProperties({ routes: [], subscribe: boom }, { state: { get: boom } })
              : kind
        const stop = atSetup(production, () =>
          build.reactRouter.trackRouter(given as never, target as never, opts as never),
        )
        await real.navigate('/users/2?q=x#h')
        stop?.()
        real.dispose()
        let navigate: NavigateFunction = () => undefined
        const Page = () => {
          navigate = useNavigate()
          build.reactRouter.useTrackRoutes(given as never, table as never, opts as never)
          return <p>page</p>
        }
        let rendered = ''
        atSetup(
          production,
          () =>
            (rendered =
              render(
                <MemoryRouter initialEntries={['/users/1']}>
                  <Page />
                </MemoryRouter>,
              ).container.textContent ?? ''),
        )
        if (production) expect(rendered).toBe('page')
        if (rendered) await act(async () => navigate('/users/3?q=y'))
        after()
      }),
      { numRuns: 150 },
    )
  }, 120_000)
})
