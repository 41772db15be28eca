/**
 * No-leak property for the adapters: generated Redux slices whose payloads,
 * meta, errors and state carry canaries, and History navigations whose URLs
 * carry them. Nothing of them may appear in a body, in storage or in debug
 * output.
 */
import { configureStore, createAsyncThunk, createSlice } from '@reduxjs/toolkit'
import fc from 'fast-check'
import { beforeEach, describe, expect, it, vi } from 'vitest'

import { createApp, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'

import { createTracker } from '../../src/index.js'
import { trackHistory } from '../../adapters/history.js'
import { createTelemetryPlugin } from '../../adapters/vue.js'
import { createTelemetryMiddleware } from '../../adapters/redux.js'
import { canary, leaks } from '../helpers/canaries.js'
import { resetBrowser, useFakeBrowser } from '../helpers/browser.js'
import { NO_TIMING_WARNINGS } from '../helpers/adapters.js'
import { checkBody } from '../helpers/schema.js'

let bodies: string[] = []
let logs: string[] = []

useFakeBrowser({ timers: false })
beforeEach(() => {
  Object.defineProperty(navigator, 'sendBeacon', {
    value: (_: string, body: string) => (checkBody(body), bodies.push(body), true),
    configurable: true,
  })
  vi.stubGlobal('fetch', async (_: string, init: RequestInit) => {
    checkBody(init.body)
    bodies.push(String(init.body))
    return new Response(null, { status: 204 })
  })
  vi.spyOn(console, 'info').mockImplementation(
    (...args) => void logs.push(args.map(a => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')),
  )
})

/** Everything that left or stayed: bodies, storage, debug output. */
const everything = (): string =>
  [
    ...bodies,
    ...logs,
    ...Object.keys(localStorage),
    ...Object.values(localStorage),
    ...Object.values(sessionStorage),
  ].join('\n')

const reset = (): void => {
  resetBrowser()
  bodies = []
  logs = []
}

describe('Redux: payloads, meta, errors and state never leave', () => {
  const step = fc.tuple(fc.constantFrom('add', 'rename', 'fail', 'thunk', 'raw', 'rejected'), canary)

  it('for generated dispatch sequences through Redux Toolkit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 10 }),
        fc.constantFrom(0, 1000),
        async (steps, throttleMs) => {
          reset()
          const tracker = createTracker({
            endpoint: '/t',
            app: { name: 'redux' },
            routes: ['/nc/:project_id'],
            debug: true,
          })
          tracker.page('/nc/p_1')
          const tables = createSlice({
            name: 'tables',
            initialState: { names: [] as string[], owner: '' },
            reducers: {
              add: (state, action: { payload: string }) => void state.names.push(action.payload),
              rename: {
                reducer: (state, action: { payload: string; meta: string }) => void (state.owner = action.meta),
                prepare: (value: string) => ({ payload: value, meta: value }),
              },
            },
          })
          const load = createAsyncThunk('tables/load', async (value: string, { rejectWithValue }) =>
            value.length % 2 ? rejectWithValue({ reason: value }) : value,
          )
          const store = configureStore({
            reducer: { tables: tables.reducer },
            middleware: gdm => gdm(NO_TIMING_WARNINGS).concat(createTelemetryMiddleware(tracker, { throttleMs })),
          })
          const tokens: string[] = []
          for (const [kind, [token, value]] of steps) {
            tokens.push(token)
            if (kind === 'add') store.dispatch(tables.actions.add(value))
            else if (kind === 'rename') store.dispatch(tables.actions.rename(value))
            else if (kind === 'thunk' || kind === 'rejected')
              await store.dispatch(load(kind === 'rejected' ? value + 'x' : value))
            else if (kind === 'raw')
              store.dispatch({ type: 'tables/raw', payload: value, meta: { value }, error: { message: value } })
            else store.dispatch({ type: 'tables/failed', error: true, payload: { name: 'Error', message: value } })
          }
          tracker.flush()
          window.dispatchEvent(new Event('pagehide'))
          tracker.destroy()
          expect(leaks(everything(), tokens)).toEqual([])
          expect(bodies.join('')).toContain('"type":"action"')
        },
      ),
      { numRuns: 4_000 },
    )
  }, 120_000)

  it('for action types that are themselves user data (free text): they are dropped', () => {
    fc.assert(
      fc.property(canary, ([token, value]) => {
        reset()
        const tracker = createTracker({ endpoint: '/t', app: { name: 'redux' }, debug: true })
        const dispatch = createTelemetryMiddleware(tracker, { throttleMs: 0 })(null)(() => undefined)
        dispatch({ type: `user ${value} @` })
        dispatch({ type: `${value}/${'x'.repeat(70)}` })
        tracker.destroy()
        expect(leaks(everything(), [token])).toEqual([])
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('History: URLs never leave', () => {
  const where = fc.tuple(
    fc.array(
      fc.oneof(
        fc.constantFrom('nc', 'table', 'settings').map(w => ['', w] as [string, string]),
        canary,
      ),
      { minLength: 1, maxLength: 4 },
    ),
    fc.option(canary),
    fc.option(canary),
  )
  const navigation = fc.tuple(fc.constantFrom('push', 'replace', 'back', 'hash'), where)

  it('for generated navigations with pushState, replaceState, back and hash changes', () => {
    fc.assert(
      fc.property(fc.array(navigation, { minLength: 1, maxLength: 8 }), fc.boolean(), (navigations, hash) => {
        reset()
        const tracker = createTracker({
          endpoint: '/t',
          app: { name: 'history' },
          routes: ['/nc/:project_id', '/nc/:project_id/table/:table_id'],
          hash,
          debug: true,
        })
        const stop = trackHistory(tracker, window, { trackQueryChanges: true })
        const tokens: string[] = []
        for (const [kind, [segments, query, fragment]] of navigations) {
          tokens.push(...[...segments, query ?? ['', ''], fragment ?? ['', '']].map(([t]) => t).filter(Boolean))
          const path = '/' + segments.map(([, v]) => encodeURIComponent(v)).join('/')
          const url = `${hash ? '/#' : ''}${path}${query ? `?q=${encodeURIComponent(query[1])}` : ''}${fragment && !hash ? `#${encodeURIComponent(fragment[1])}` : ''}`
          if (kind === 'push') history.pushState({ secret: tokens.at(-1) }, '', url)
          else if (kind === 'replace') history.replaceState({ secret: tokens.at(-1) }, '', url)
          else if (kind === 'hash') location.hash = hash ? path : encodeURIComponent(segments[0][1])
          else window.dispatchEvent(new PopStateEvent('popstate', { state: { secret: tokens.at(-1) } }))
        }
        window.dispatchEvent(new Event('pagehide'))
        stop()
        tracker.destroy()
        expect(leaks(everything(), tokens)).toEqual([])
      }),
      { numRuns: 4_000 },
    )
  }, 120_000)
})

describe('Vue: route params, queries and hashes never leave', () => {
  // ':a-:b(.*)': a template the anonymizer refuses, reported one segment wide
  const segment = fc.constantFrom(
    'nc',
    'table',
    'settings',
    ':id',
    ':id(\\d+)',
    ':slug?',
    ':rest+',
    ':key()',
    ':a-:b(.*)',
  )
  const path = fc
    .array(segment, { minLength: 1, maxLength: 3 })
    .map(parts => '/' + parts.map((p, i) => p.replace(/:(id|slug|rest|key|a|b)\b/g, `:$1${i}`)).join('/'))
    .filter(p => !/\+\/./.test(p))
  const where = fc.tuple(
    fc.array(
      fc.oneof(
        fc.constantFrom('nc', 'table', '42').map(w => ['', w] as [string, string]),
        canary,
      ),
      { minLength: 1, maxLength: 3 },
    ),
    fc.option(canary),
    fc.option(canary),
  )

  it('for generated vue-router tables and navigations', async () => {
    // navigations the table misses on purpose make vue-router warn: captured, and checked below
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(path, { minLength: 1, maxLength: 5 }),
        fc.array(where, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (paths, navigations, catchAll) => {
          reset()
          const View = { render: () => h('div') }
          const routes = paths.map((p, i) => ({
            path: p,
            component: View,
            meta: i % 2 ? { telemetry: { name: `screen_${i}` } } : {},
          }))
          const router = createRouter({
            history: createMemoryHistory(),
            routes: catchAll ? [...routes, { path: '/:pathMatch(.*)*', component: View }] : routes,
          })
          const plugin = createTelemetryPlugin(
            createTracker({ endpoint: '/t', app: { name: 'vue' }, debug: true }),
            router,
            { trackQueryChanges: true },
          )
          createApp(View).use(router).use(plugin)
          const tokens: string[] = []
          for (const [segments, query, fragment] of navigations) {
            tokens.push(...[...segments, query ?? ['', ''], fragment ?? ['', '']].map(([t]) => t).filter(Boolean))
            const url =
              '/' +
              segments.map(([, v]) => encodeURIComponent(v)).join('/') +
              (query ? `?q=${encodeURIComponent(query[1])}` : '') +
              (fragment ? `#${encodeURIComponent(fragment[1])}` : '')
            await router.push(url).catch(() => undefined)
          }
          plugin.tracker.flush()
          window.dispatchEvent(new Event('pagehide'))
          plugin.tracker.destroy()
          expect(leaks(everything(), tokens)).toEqual([])
        },
      ),
      { numRuns: 2_000 },
    )
    const warnings = new Set(warn.mock.calls.map(([message]) => String(message).replace(/"[^"]*"/, 'PATH')))
    expect([...warnings]).toEqual(['[Vue Router warn]: No match found for location with path PATH'])
  }, 120_000)
})
