/**
 * The adapters' signatures, as a user's code meets them: one shape,
 * `(tracker, target, options?) → stop`, the options every router adapter
 * shares, and lines that must not compile (`@ts-expect-error`: if one
 * compiled, the check itself would fail). Run by `vitest --typecheck`
 * (project `types`) and by `npm run typecheck`.
 */
import { configureStore } from '@reduxjs/toolkit'
import { createBrowserRouter } from 'react-router'
import type { RouteObject } from 'react-router'
import { applyMiddleware, legacy_createStore } from 'redux'
import { describe, expectTypeOf, it } from 'vitest'
import { createApp } from 'vue'
import type { ComponentCustomProperties } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { RouteTelemetry, RouterTrackingOptions, Tracker } from 'spa-telemetry'
import { trackHistory } from 'spa-telemetry/history'
import type { TrackHistoryOptions } from 'spa-telemetry/history'
import * as reactRouter from 'spa-telemetry/react-router'
import { createTelemetryMiddleware } from 'spa-telemetry/redux'
import type { TelemetryMiddleware } from 'spa-telemetry/redux'
import * as vue from 'spa-telemetry/vue'

declare const tracker: Tracker

describe('what every router adapter shares', () => {
  it('RouterTrackingOptions: routes (a list, or templates by route), trackQueryChanges', () => {
    expectTypeOf<RouterTrackingOptions>().toEqualTypeOf<{
      routes?: readonly string[] | Readonly<Record<string, string>>
      trackQueryChanges?: boolean
    }>()
    expectTypeOf<RouteTelemetry>().toEqualTypeOf<false | { name?: string }>()
    // the adapters re-export the core's types, not copies
    expectTypeOf<vue.RouterTrackingOptions>().toEqualTypeOf<RouterTrackingOptions>()
    expectTypeOf<reactRouter.RouteTelemetry>().toEqualTypeOf<RouteTelemetry>()
  })
})

describe('spa-telemetry/vue', () => {
  const router = createRouter({ history: createMemoryHistory(), routes: [] })

  it('trackRouter(tracker, router, options?) → stop', () => {
    expectTypeOf(vue.trackRouter(tracker, router)).toEqualTypeOf<() => void>()
    expectTypeOf(
      vue.trackRouter(tracker, router, { routes: { 'not-found': '/404' }, trackQueryChanges: true }),
    ).toEqualTypeOf<() => void>()
    // @ts-expect-error the tracker comes first
    vue.trackRouter(router, tracker)
    // @ts-expect-error templates are strings
    vue.trackRouter(tracker, router, { routes: { a: 1 } })
    // @ts-expect-error captureErrors is the plugin's option
    vue.trackRouter(tracker, router, { captureErrors: true })
  })

  it('createTelemetryPlugin(tracker, router, options?) is a Vue plugin; the 0.1 form still compiles (deprecated)', () => {
    createApp({})
      .use(router)
      .use(vue.createTelemetryPlugin(tracker, router, { captureErrors: true }))
    expectTypeOf(vue.createTelemetryPlugin(tracker, router).tracker).toEqualTypeOf<Tracker>()
    createApp({}).use(vue.createTelemetryPlugin({ router, endpoint: '/telemetry', app: { name: 'console' } }))
    // @ts-expect-error a router is needed
    vue.createTelemetryPlugin(tracker)
    // @ts-expect-error not an option
    vue.createTelemetryPlugin(tracker, router, { endpoint: '/telemetry' })
  })

  it('useTelemetry() and this.$telemetry are the tracker', () => {
    expectTypeOf(vue.useTelemetry).returns.toEqualTypeOf<Tracker>()
    expectTypeOf<ComponentCustomProperties['$telemetry']>().toEqualTypeOf<Tracker>()
  })
})

describe('spa-telemetry/react-router', () => {
  const routes: RouteObject[] = [
    { path: '/projects/:id', handle: { telemetry: { name: 'project' } satisfies RouteTelemetry } },
  ]
  const router = createBrowserRouter(routes)

  it('trackRouter(tracker, router, options?) → stop; useTrackRoutes(tracker, routes, options?)', () => {
    expectTypeOf(reactRouter.trackRouter(tracker, router, { trackQueryChanges: true })).toEqualTypeOf<() => void>()
    expectTypeOf(reactRouter.useTrackRoutes(tracker, routes, { routes: ['/legacy/:id'] })).toEqualTypeOf<void>()
    // @ts-expect-error a data router is trackRouter's; the hook takes route objects
    reactRouter.useTrackRoutes(tracker, router)
    // @ts-expect-error trackQueryChanges is true or false
    reactRouter.trackRouter(tracker, router, { trackQueryChanges: 'yes' })
  })
})

describe('spa-telemetry/redux', () => {
  const reducer = (state = 0): number => state

  it('createTelemetryMiddleware(tracker, options?) fits Redux Toolkit and plain Redux', () => {
    configureStore({
      reducer,
      middleware: gdm =>
        gdm().concat(createTelemetryMiddleware(tracker, { include: [/^tables\//, 'users/loaded'], throttleMs: 0 })),
    })
    legacy_createStore(reducer, applyMiddleware(createTelemetryMiddleware(tracker)))
    expectTypeOf(createTelemetryMiddleware(tracker)).toEqualTypeOf<TelemetryMiddleware>()
    // @ts-expect-error rules are types, patterns or tests of the type
    createTelemetryMiddleware(tracker, { include: 42 })
    // @ts-expect-error milliseconds, a number
    createTelemetryMiddleware(tracker, { throttleMs: '1000' })
  })
})

describe('spa-telemetry/history', () => {
  it('trackHistory(tracker, window?, options?) → stop; the 0.1 form still compiles (deprecated)', () => {
    expectTypeOf(trackHistory(tracker)).toEqualTypeOf<() => void>()
    expectTypeOf(trackHistory(tracker, window, { initial: false, trackQueryChanges: true })).toEqualTypeOf<() => void>()
    expectTypeOf<TrackHistoryOptions>().toEqualTypeOf<{ initial?: boolean; trackQueryChanges?: boolean }>()
    trackHistory(tracker, { hash: true })
    // @ts-expect-error hash is the tracker's own option now
    trackHistory(tracker, window, { hash: true })
    // @ts-expect-error the target is a window
    trackHistory(tracker, document)
  })
})
