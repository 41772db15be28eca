/**
 * React Router, Redux Toolkit and the Redux middleware in one app, as
 * Hasura's and Appsmith's consoles are built: pages dispatch when they
 * mount, buttons dispatch on click, and the real tracker's events come out
 * in order, each action with the template of the page it happened on.
 */
import { configureStore, createAsyncThunk, createSlice } from '@reduxjs/toolkit'
import type { PayloadAction } from '@reduxjs/toolkit'
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { useEffect } from 'react'
import {
  BrowserRouter,
  Outlet,
  RouterProvider,
  createBrowserRouter,
  useNavigate,
  useParams,
  useRoutes,
} from 'react-router'
import type { NavigateFunction, RouteObject } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'

import type { Tracker } from 'spa-telemetry'
import { createTelemetryMiddleware } from 'spa-telemetry/redux'
import { trackRouter, useTrackRoutes } from 'spa-telemetry/react-router'
import { setup, useFakeBrowser } from '../helpers/browser.js'
import { NO_TIMING_WARNINGS } from '../helpers/adapters.js'

/** The console: a store with the middleware, pages that dispatch, and the routes that render them. */
const createConsole = (tracker: Tracker) => {
  const projects = createSlice({
    name: 'projects',
    initialState: { open: '' },
    reducers: { opened: (state, action: PayloadAction<string>) => void (state.open = action.payload) },
  })
  const tables = createSlice({
    name: 'tables',
    initialState: { names: [] as string[], open: '' },
    reducers: {
      created: (state, action: PayloadAction<{ name: string }>) => void state.names.push(action.payload.name),
      opened: (state, action: PayloadAction<string>) => void (state.open = action.payload),
    },
  })
  const loadSchema = createAsyncThunk('schema/load', async (project: string) => ({ project, tables: ['customers'] }))
  const store = configureStore({
    reducer: { projects: projects.reducer, tables: tables.reducer },
    middleware: getDefaultMiddleware =>
      getDefaultMiddleware(NO_TIMING_WARNINGS).concat(createTelemetryMiddleware(tracker, { throttleMs: 0 })),
  })

  const Project = () => {
    const { project_id } = useParams()
    useEffect(() => void store.dispatch(projects.actions.opened(project_id!)), [project_id])
    return (
      <button onClick={() => store.dispatch(tables.actions.created({ name: 'customers of alice@example.com' }))}>
        create table
      </button>
    )
  }
  const Table = () => {
    const { table_id } = useParams()
    useEffect(() => void store.dispatch(tables.actions.opened(table_id!)), [table_id])
    return <p>table</p>
  }
  const routes: RouteObject[] = [
    {
      path: '/',
      element: <Outlet />,
      children: [
        { index: true, element: <p>home</p> },
        { path: 'projects/:project_id', element: <Project /> },
        // a loader runs before its navigation completes: what it dispatches happens on the page the user is still on
        {
          path: 'projects/:project_id/schema',
          loader: ({ params }) => store.dispatch(loadSchema(params.project_id!)).unwrap(),
          element: <p>schema</p>,
        },
        { path: 'projects/:project_id/tables/:table_id', element: <Table /> },
      ],
    },
  ]
  return { routes, store }
}

/** The events the tracker sent, as [type, path, name]. */
const sentEvents = async (tracker: Tracker, events: () => Record<string, unknown>[], count: number) => {
  tracker.flush()
  await vi.waitFor(() => expect(events().length).toBeGreaterThanOrEqual(count))
  return events().map(({ type, path, name }) => [type, path, name])
}

const back = () =>
  act(async () => {
    window.history.back()
    await new Promise(resolve => window.addEventListener('popstate', resolve, { once: true }))
  })

/** The order both apps produce: page view, then what that page dispatched, each on its template. */
const EXPECTED = [
  ['page', '/projects/:project_id', undefined],
  ['action', '/projects/:project_id', 'projects/opened'],
  ['action', '/projects/:project_id', 'tables/created'],
  ['action', '/projects/:project_id', 'schema/load/fulfilled'],
  ['page', '/projects/:project_id/schema', undefined],
  ['page', '/projects/:project_id/tables/:table_id', undefined],
  ['action', '/projects/:project_id/tables/:table_id', 'tables/opened'],
  // Back to the schema page runs its loader again, before the navigation completes
  ['action', '/projects/:project_id/tables/:table_id', 'schema/load/fulfilled'],
  ['page', '/projects/:project_id/schema', undefined],
]

useFakeBrowser({ timers: false })
afterEach(() => cleanup())

describe('React Router + Redux Toolkit + the middleware', () => {
  it('a data router (createBrowserRouter, RouterProvider): page views and actions interleave in order', async () => {
    window.history.replaceState(null, '', '/projects/p_8f2k')
    const { tracker, events, sent } = setup()
    const { routes } = createConsole(tracker)
    const router = createBrowserRouter(routes)
    const stop = trackRouter(tracker, router)
    render(<RouterProvider router={router} />)
    fireEvent.click(screen.getByText('create table'))
    await act(() => router.navigate('/projects/p_8f2k/schema'))
    await act(() => router.navigate('/projects/p_8f2k/tables/t_42'))
    await back()
    expect(await sentEvents(tracker, events, EXPECTED.length)).toEqual(EXPECTED)
    expect(sent.map(s => s.body).join('')).not.toMatch(/p_8f2k|t_42|alice|customers/)
    stop()
    router.dispose()
  })

  it('a component router (BrowserRouter, useRoutes, useTrackRoutes): the same order', async () => {
    window.history.replaceState(null, '', '/projects/p_8f2k')
    const { tracker, events, sent } = setup()
    const { routes } = createConsole(tracker)
    let navigate: NavigateFunction
    // no loaders without a data router: the schema page dispatches nothing here
    const componentRoutes = routes.map(route => ({
      ...route,
      children: route.children?.map(({ loader: _, ...child }) => child),
    })) as RouteObject[]
    const App = () => {
      useTrackRoutes(tracker, componentRoutes)
      navigate = useNavigate()
      return useRoutes(componentRoutes)
    }
    render(
      <BrowserRouter>
        <App />
      </BrowserRouter>,
    )
    fireEvent.click(screen.getByText('create table'))
    await act(async () => void navigate('/projects/p_8f2k/schema'))
    await act(async () => void navigate('/projects/p_8f2k/tables/t_42'))
    await back()
    const expected = EXPECTED.filter(([, , name]) => name !== 'schema/load/fulfilled')
    expect(await sentEvents(tracker, events, expected.length)).toEqual(expected)
    expect(sent.map(s => s.body).join('')).not.toMatch(/p_8f2k|t_42|alice|customers/)
  })
})
