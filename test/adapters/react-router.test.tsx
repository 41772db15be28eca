/**
 * `spa-telemetry/react-router` with real React Router 7 and React 19 in
 * jsdom: which navigations of a data router and of a component router
 * become page views, with which template (against a recording fake
 * tracker), then what the real tracker sends. Chromium:
 * test/browser/react-router.test.ts; Redux: react-router.redux.test.tsx.
 */
import { act, cleanup, render } from '@testing-library/react'
import { StrictMode, useEffect } from 'react'
import {
  BrowserRouter,
  HashRouter,
  MemoryRouter,
  Outlet,
  Route,
  RouterProvider,
  Routes,
  createBrowserRouter,
  createHashRouter,
  createMemoryRouter,
  createRoutesFromElements,
  data,
  redirect,
  useBlocker,
  useNavigate,
  useRoutes,
} from 'react-router'
import type { Blocker, BlockerFunction, NavigateFunction, RouteObject } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { Tracker } from 'spa-telemetry'
import { trackRouter, useTrackRoutes } from 'spa-telemetry/react-router'
import { destroyAll, setup, useFakeBrowser } from '../helpers/browser.js'
import { fakeTracker } from '../helpers/adapters.js'

/** The app's route objects: nested, index, optional, splat, pathless, absolute, case-sensitive, loaders and actions. */
const ROUTES: RouteObject[] = [
  {
    path: '/',
    children: [
      { index: true },
      {
        path: 'projects/:project_id',
        children: [
          { index: true },
          { path: 'tables/:table_id', handle: { telemetry: { name: 'table' } } },
          { path: 'settings/:tab?' },
          { path: '/projects/:project_id/members' },
        ],
      },
      // a pathless layout
      { children: [{ path: 'docs/*' }] },
      { path: ':lang?/about' },
      { path: 'files/edit?' },
      { path: 'Admin', caseSensitive: true },
      { path: 'old/:id', loader: ({ params }) => redirect(`/projects/${params.id}`) },
      { path: 'login', action: () => redirect('/projects/welcome') },
      { path: 'form', loader: () => null, action: () => ({ saved: true }) },
      { path: 'slow', loader: () => new Promise(resolve => setTimeout(() => resolve(null), 30)) },
      {
        path: 'missing/:id',
        loader: () => {
          throw data('gone', { status: 404 })
        },
      },
      {
        path: 'private',
        handle: { telemetry: false },
        children: [{ path: 'inside/:x' }, { path: 'named', handle: { telemetry: { name: 'private_named' } } }],
      },
      { path: '*' },
    ],
  },
]

/** Every template of ROUTES, as the tracker's table gets them. */
const TEMPLATES = [
  '/',
  '/projects/:project_id',
  '/projects/:project_id/tables/:table_id',
  '/projects/:project_id/settings{/:tab}',
  '/projects/:project_id/members',
  '/docs{/*splat}',
  '{/:lang}/about',
  '/files{/edit}',
  '/Admin',
  '/old/:id',
  '/login',
  '/form',
  '/slow',
  '/missing/:id',
  '/private',
  '/private/inside/:x',
  '/private/named',
  '{/*splat}',
]

/** The routes with an element on each (React Router warns of a rendered leaf without one). */
const withElements = (routes: RouteObject[]): RouteObject[] =>
  routes.map(
    route =>
      ({
        ...route,
        element: route.element ?? <Outlet />,
        children: route.children && withElements(route.children),
      }) as RouteObject,
  )

type Fake = ReturnType<typeof fakeTracker>
/** The fake tracker's page views as [path and query, route, name]. */
const viewsOf = (fake: Fake) => () =>
  fake.pages().map(([location, options]) => {
    const { pathname, search } = location as { pathname: string; search: string }
    const { route, name } = options as { route: string | null; name?: string }
    return name === undefined ? [pathname + search, route] : [pathname + search, route, name]
  })

const routers: { dispose(): void }[] = []
const stops: (() => void)[] = []

/** A memory data router at `at`, tracked from the start by a fake tracker. */
const start = (
  at: string | string[] = '/',
  routes = ROUTES,
  options: Parameters<typeof createMemoryRouter>[1] = {},
) => {
  const router = createMemoryRouter(routes, { initialEntries: ([] as string[]).concat(at), ...options })
  routers.push(router)
  const fake = fakeTracker()
  stops.push(trackRouter(fake.tracker, router))
  return { router, ...fake, views: viewsOf(fake) }
}

/** A POST navigation, as a `<Form method="post">` makes. */
const post = { formMethod: 'post', formData: new FormData() } as const

/** What React and React Router print, captured: each test asserts what it expects, and nothing else may appear. */
let printed: string[] = []
useFakeBrowser({ timers: false })
beforeEach(() => {
  printed = []
  for (const level of ['error', 'warn', 'log'] as const) {
    vi.spyOn(console, level).mockImplementation((...args) => void printed.push(args.map(String).join(' ')))
  }
})
afterEach(() => {
  cleanup()
  for (const stop of stops.splice(0)) stop()
  for (const router of routers.splice(0)) router.dispose()
  destroyAll()
  vi.unstubAllEnvs()
  expect(printed).toEqual([])
})

describe('data router: page views', () => {
  it('the initial location once, as its deepest match’s template; the whole table from router.routes', () => {
    const { pages, routes } = start('/projects/p_8f2k?sort=name#top')
    expect(pages()).toEqual([
      [
        { pathname: '/projects/p_8f2k', search: '?sort=name', hash: '#/projects/p_8f2k?sort=name' },
        { route: '/projects/:project_id', name: undefined },
      ],
    ])
    expect(new Set(routes)).toEqual(new Set(TEMPLATES))
  })

  it('nested, index, optional, splat, pathless-layout, absolute and optional static routes', async () => {
    const { router, views } = start('/')
    for (const path of [
      '/projects/p1',
      '/projects/p1/tables/t1',
      '/projects/p1/settings',
      '/projects/p1/settings/billing',
      '/projects/p1/members',
      '/docs',
      '/docs/guide/intro',
      '/about',
      '/fr/about',
      '/files',
      '/files/edit',
      '/',
    ]) {
      await router.navigate(path)
    }
    expect(views()).toEqual([
      ['/', '/'],
      ['/projects/p1', '/projects/:project_id'],
      ['/projects/p1/tables/t1', '/projects/:project_id/tables/:table_id', 'table'],
      ['/projects/p1/settings', '/projects/:project_id/settings{/:tab}'],
      ['/projects/p1/settings/billing', '/projects/:project_id/settings{/:tab}'],
      ['/projects/p1/members', '/projects/:project_id/members'],
      ['/docs', '/docs{/*splat}'],
      ['/docs/guide/intro', '/docs{/*splat}'],
      ['/about', '{/:lang}/about'],
      ['/fr/about', '{/:lang}/about'],
      ['/files', '/files{/edit}'],
      ['/files/edit', '/files{/edit}'],
      ['/', '/'],
    ])
  })

  it('none for the same location again, or a change of query or hash alone; back and forward count', async () => {
    const { router, views } = start('/projects/p1')
    await router.navigate('/projects/p1')
    await router.navigate('/projects/p1?sort=name')
    await router.navigate('/projects/p1?sort=name#row-3', { replace: true })
    await router.navigate('/projects/p2')
    await router.navigate(-1)
    await router.navigate(1)
    expect(views()).toEqual([
      ['/projects/p1', '/projects/:project_id'],
      ['/projects/p2', '/projects/:project_id'],
      ['/projects/p1?sort=name', '/projects/:project_id'],
      ['/projects/p2', '/projects/:project_id'],
    ])
  })

  it('a redirect from a loader or an action counts only where it ends', async () => {
    const { router, views } = start('/')
    await router.navigate('/old/p9')
    await router.navigate('/login', post)
    expect(router.state.location.pathname).toBe('/projects/welcome')
    expect(views().slice(1)).toEqual([
      ['/projects/p9', '/projects/:project_id'],
      ['/projects/welcome', '/projects/:project_id'],
    ])
  })

  it('the initial location after its loaders: a redirect there counts once, where it ends', async () => {
    const { router, views } = start('/old/p3')
    expect(router.state.initialized).toBe(false)
    expect(views()).toEqual([])
    await vi.waitFor(() => expect(router.state.initialized).toBe(true))
    expect(views()).toEqual([['/projects/p3', '/projects/:project_id']])
  })

  it('none for a submission that stays, a revalidation or a fetcher', async () => {
    const { router, views } = start('/')
    await router.navigate('/form', post)
    await router.navigate('/form', post)
    await router.revalidate()
    const leaf = router.state.matches.at(-1)!.route.id
    await router.fetch('rows', leaf, '/slow')
    await vi.waitFor(() => expect(router.getFetcher('rows').state).toBe('idle'))
    await router.fetch('save', leaf, '/form', post)
    await vi.waitFor(() => expect(router.getFetcher('save').state).toBe('idle'))
    expect(views()).toEqual([
      ['/', '/'],
      ['/form', '/form'],
    ])
  })

  it('none for an interrupted navigation: only the one that completes', async () => {
    const { router, views } = start('/')
    const slow = router.navigate('/slow')
    expect(router.state.navigation.state).toBe('loading')
    await router.navigate('/projects/p2')
    await slow
    await new Promise(resolve => setTimeout(resolve, 40))
    expect(views()).toEqual([
      ['/', '/'],
      ['/projects/p2', '/projects/:project_id'],
    ])
  })

  it('a not-found page (a splat alone, or no route at all) is reported masked (route null); a loader’s 404 is its route', async () => {
    const { router, views } = start('/')
    await router.navigate('/nope/alice')
    await router.navigate('/missing/42')
    await router.navigate('/projects/p1/tables/t1/rows')
    const bare = start('/nope', [{ path: '/projects/:project_id' }])
    await bare.router.navigate('/projects/p1')
    expect(views().slice(1)).toEqual([
      ['/nope/alice', null],
      ['/missing/42', '/missing/:id'],
      ['/projects/p1/tables/t1/rows', null],
    ])
    expect(bare.views()).toEqual([
      ['/nope', null],
      ['/projects/p1', '/projects/:project_id'],
    ])
  })

  it('a case-sensitive route matches only as written; otherwise the splat catches it', async () => {
    const { router, views } = start('/Admin')
    await router.navigate('/admin')
    expect(views()).toEqual([
      ['/Admin', '/Admin'],
      ['/admin', null],
    ])
  })

  it('handle.telemetry: false records nothing there and below; a child’s { name } records again, named', async () => {
    const { router, views } = start('/')
    await router.navigate('/private')
    await router.navigate('/private/inside/alice')
    await router.navigate('/private/named')
    await router.navigate('/projects/p1')
    expect(views()).toEqual([
      ['/', '/'],
      ['/private/named', '/private/named', 'private_named'],
      ['/projects/p1', '/projects/:project_id'],
    ])
  })

  it('routes added by patchRoutesOnNavigation join the table on their first use', async () => {
    const { router, views, routes } = start('/', [{ id: 'root', path: '/', children: [{ index: true }] }], {
      patchRoutesOnNavigation: ({ path, patch }) => {
        if (path.startsWith('/reports'))
          patch('root', [{ path: 'reports/:report_id', children: [{ path: 'rows/:row_id' }] }])
      },
    })
    expect(new Set(routes)).toEqual(new Set(['/']))
    await router.navigate('/reports/r_77')
    await router.navigate('/reports/r_77/rows/9')
    expect(views()).toEqual([
      ['/', '/'],
      ['/reports/r_77', '/reports/:report_id'],
      ['/reports/r_77/rows/9', '/reports/:report_id/rows/:row_id'],
    ])
    expect(routes).toEqual(expect.arrayContaining(['/reports/:report_id', '/reports/:report_id/rows/:row_id']))
  })

  it('a basename: the templates are the routes’, the page the router’s whole location', async () => {
    const { router, views } = start('/console/projects/p1', ROUTES, { basename: '/console' })
    await router.navigate('/nope')
    expect(views()).toEqual([
      ['/console/projects/p1', '/projects/:project_id'],
      ['/console/nope', null],
    ])
  })
})

describe('options: routes and trackQueryChanges, as for every router adapter', () => {
  it('trackQueryChanges: a change of query or hash alone counts; the same location again does not', async () => {
    const router = createMemoryRouter(ROUTES, { initialEntries: ['/projects/p1'] })
    routers.push(router)
    const fake = fakeTracker()
    stops.push(trackRouter(fake.tracker, router, { trackQueryChanges: true }))
    await router.navigate('/projects/p1?sort=name')
    await router.navigate('/projects/p1?sort=name')
    await router.navigate('/projects/p1?sort=name#row-3')
    await router.revalidate()
    expect(viewsOf(fake)()).toEqual([
      ['/projects/p1', '/projects/:project_id'],
      ['/projects/p1?sort=name', '/projects/:project_id'],
      ['/projects/p1?sort=name', '/projects/:project_id'],
    ])
  })

  it('routes: a list adds templates; an object gives the template of a route by its id or its (joined) path, the not-found page too', async () => {
    const table: RouteObject[] = [
      { path: '/', children: [{ id: 'project', path: 'projects/:project_id' }, { path: 'docs/*' }, { path: '*' }] },
    ]
    const router = createMemoryRouter(table, { initialEntries: ['/projects/p1'] })
    routers.push(router)
    const fake = fakeTracker()
    stops.push(
      trackRouter(fake.tracker, router, { routes: { project: '/projects/:id', '/docs/*': '/docs', '/*': '/404' } }),
    )
    await router.navigate('/docs/a/b')
    await router.navigate('/nope/alice')
    expect(viewsOf(fake)()).toEqual([
      ['/projects/p1', '/projects/:id'],
      ['/docs/a/b', '/docs'],
      ['/nope/alice', '/404'],
    ])
    const listed = fakeTracker()
    stops.push(trackRouter(listed.tracker, createMemoryRouter(table), { routes: ['/legacy/:id'] }))
    expect(listed.routes).toContain('/legacy/:id')
  })

  it('useTrackRoutes takes the same options', async () => {
    const fake = fakeTracker()
    const routes: RouteObject[] = [{ path: '/projects/:project_id', element: <p>project</p> }]
    let navigate: NavigateFunction = () => undefined
    const App = () => {
      navigate = useNavigate()
      useTrackRoutes(fake.tracker, routes, {
        trackQueryChanges: true,
        routes: { '/projects/:project_id': '/projects/:id' },
      })
      return useRoutes(routes)
    }
    render(
      <MemoryRouter initialEntries={['/projects/p1']}>
        <App />
      </MemoryRouter>,
    )
    await act(async () => navigate('/projects/p1?tab=2'))
    expect(viewsOf(fake)()).toEqual([
      ['/projects/p1', '/projects/:id'],
      ['/projects/p1?tab=2', '/projects/:id'],
    ])
  })

  it.each([
    [[], '[spa-telemetry] options is an array: expected an object like { trackQueryChanges: true }'],
    [{ trackQueryChanges: 'yes' }, '[spa-telemetry] trackQueryChanges is "yes": expected true or false'],
    [
      { routes: { a: 1 } },
      '[spa-telemetry] routes is an object: expected a list of templates, or { [route id or path]: template }',
    ],
    [{ routes: ['/bad/:'] }, '[spa-telemetry] routes[0] "/bad/:" is not a valid path template'],
  ])('in development, bad options throw: %j', (options, message) => {
    const router = createMemoryRouter(ROUTES)
    routers.push(router)
    expect(() => trackRouter(setup().tracker, router, options as never)).toThrow(message)
  })
})

describe('data router with RouterProvider: blocked navigations', () => {
  let blocker: Blocker
  let block: BlockerFunction = () => false
  const Guard = () => {
    blocker = useBlocker(args => block(args))
    return <Outlet />
  }

  it('a blocked navigation counts zero, a reset one too; proceeding counts once; a blocked Back counts zero', async () => {
    const router = createMemoryRouter([{ path: '/', Component: Guard, children: withElements(ROUTES[0].children!) }], {
      initialEntries: ['/projects/p1'],
    })
    routers.push(router)
    const fake = fakeTracker()
    stops.push(trackRouter(fake.tracker, router))
    render(<RouterProvider router={router} />)
    block = ({ nextLocation }) => nextLocation.pathname.endsWith('/settings')
    await act(() => router.navigate('/projects/p1/settings'))
    expect(blocker.state).toBe('blocked')
    await act(async () => blocker.reset?.())
    await act(() => router.navigate('/projects/p1/settings'))
    expect(blocker.state).toBe('blocked')
    await act(async () => blocker.proceed?.())
    expect(router.state.location.pathname).toBe('/projects/p1/settings')
    block = ({ historyAction }) => historyAction === 'POP'
    await act(() => router.navigate(-1))
    expect(blocker.state).toBe('blocked')
    await act(async () => blocker.reset?.())
    expect(router.state.location.pathname).toBe('/projects/p1/settings')
    expect(viewsOf(fake)()).toEqual([
      ['/projects/p1', '/projects/:project_id'],
      ['/projects/p1/settings', '/projects/:project_id/settings{/:tab}'],
    ])
  })
})

describe('data router: lifecycle and errors', () => {
  it('stop() ends page views', async () => {
    const router = createMemoryRouter(ROUTES)
    routers.push(router)
    const fake = fakeTracker()
    const stop = trackRouter(fake.tracker, router)
    await router.navigate('/projects/p1')
    stop()
    stop()
    await router.navigate('/projects/p2')
    expect(viewsOf(fake)()).toEqual([
      ['/', '/'],
      ['/projects/p1', '/projects/:project_id'],
    ])
  })

  it('a tracker that throws everywhere: navigation goes on, and nothing reaches the app', async () => {
    const boom = (): never => {
      throw new Error('boom')
    }
    const broken: Tracker = { ...fakeTracker().tracker, page: boom, addRoutes: boom }
    const router = createMemoryRouter(ROUTES)
    routers.push(router)
    const stop = trackRouter(broken, router)
    await router.navigate('/projects/p1')
    await router.navigate('/old/p2')
    expect(router.state.location.pathname).toBe('/projects/p2')
    expect(stop).not.toThrow()
  })

  it('a router whose routes are not route objects: no page view, no error', () => {
    const fake = fakeTracker()
    const odd = {
      state: {
        initialized: true,
        location: { pathname: '/', search: '' },
        matches: [{ route: { path: 7 }, pathname: '/' }],
      },
      routes: [null],
      subscribe: () => () => {},
    }
    expect(() => trackRouter(fake.tracker, odd as never)()).not.toThrow()
    expect(fake.pages()).toEqual([])
  })

  it.each([
    [undefined, 'router', '[spa-telemetry] tracker is undefined: expected a tracker from createTracker()'],
    [{ page: 1 }, 'router', '[spa-telemetry] tracker is an object: expected a tracker from createTracker()'],
    ['tracker', undefined, '[spa-telemetry] router is undefined: expected a data router from createBrowserRouter()'],
    ['tracker', {}, '[spa-telemetry] router is an object: expected a data router from createBrowserRouter()'],
    [
      'tracker',
      { subscribe: () => () => {}, routes: 'x' },
      '[spa-telemetry] router is an object: expected a data router from createBrowserRouter()',
    ],
  ])('in development, bad arguments throw: %j, %j', (tracker, router, message) => {
    const given = {
      tracker: tracker === 'tracker' ? fakeTracker().tracker : tracker,
      router: router === 'router' ? createMemoryRouter(ROUTES) : router,
    }
    expect(() => trackRouter(given.tracker as never, given.router as never)).toThrow(message)
  })

  it('in production (dist/), the checks are gone and bad arguments do nothing', async () => {
    const production: typeof import('spa-telemetry/react-router') = await import('../../dist/react-router.js' as string)
    expect(() => production.trackRouter(undefined as never, undefined as never)()).not.toThrow()
    expect(() => production.trackRouter(fakeTracker().tracker, {} as never)()).not.toThrow()
  })
})

describe('component router: useTrackRoutes', () => {
  const COMPONENT_ROUTES: RouteObject[] = withElements([
    {
      path: '/',
      element: <Outlet />,
      children: [
        { index: true, element: <p>home</p> },
        {
          path: 'projects/:project_id',
          element: <Outlet />,
          children: [
            { index: true },
            { path: 'tables/:table_id', handle: { telemetry: { name: 'table' } } },
            { path: 'settings/:tab?' },
          ],
        },
        { element: <Outlet />, children: [{ path: 'docs/*' }] },
        { path: 'private', handle: { telemetry: false } },
        { path: '*', element: <p>not found</p> },
      ],
    },
  ])

  let navigate: NavigateFunction
  /** The app: tracks the routes it renders, and lets the test navigate. */
  const App = ({ tracker, routes = COMPONENT_ROUTES }: { tracker: Tracker; routes?: RouteObject[] }) => {
    useTrackRoutes(tracker, routes)
    navigate = useNavigate()
    return useRoutes(routes)
  }
  const go = (to: string | number) => act(async () => void (typeof to === 'number' ? navigate(to) : navigate(to)))

  it('BrowserRouter with useRoutes: the initial location once, each new path once, as the template', async () => {
    window.history.replaceState(null, '', '/projects/p_8f2k?sort=name')
    const fake = fakeTracker()
    render(
      <BrowserRouter>
        <App tracker={fake.tracker} />
      </BrowserRouter>,
    )
    for (const to of [
      '/projects/p_8f2k?sort=size',
      '/projects/p_8f2k/tables/t1',
      '/projects/p_8f2k/settings',
      '/projects/p_8f2k/settings/billing',
      '/docs/a/b',
      '/private',
      '/nope/alice',
      '/',
    ]) {
      await go(to)
    }
    expect(viewsOf(fake)()).toEqual([
      ['/projects/p_8f2k?sort=name', '/projects/:project_id'],
      ['/projects/p_8f2k/tables/t1', '/projects/:project_id/tables/:table_id', 'table'],
      ['/projects/p_8f2k/settings', '/projects/:project_id/settings{/:tab}'],
      ['/projects/p_8f2k/settings/billing', '/projects/:project_id/settings{/:tab}'],
      ['/docs/a/b', '/docs{/*splat}'],
      ['/nope/alice', null],
      ['/', '/'],
    ])
    expect(new Set(fake.routes)).toEqual(
      new Set([
        '/',
        '/projects/:project_id',
        '/projects/:project_id/tables/:table_id',
        '/projects/:project_id/settings{/:tab}',
        '/docs{/*splat}',
        '/private',
        '{/*splat}',
      ]),
    )
  })

  it('back and forward (popstate) count like any navigation', async () => {
    const fake = fakeTracker()
    render(
      <BrowserRouter>
        <App tracker={fake.tracker} />
      </BrowserRouter>,
    )
    await go('/projects/p1')
    await go('/projects/p2')
    await act(async () => {
      window.history.back()
      await new Promise(resolve => window.addEventListener('popstate', resolve, { once: true }))
    })
    await act(async () => {
      window.history.forward()
      await new Promise(resolve => window.addEventListener('popstate', resolve, { once: true }))
    })
    expect(viewsOf(fake)().map(([url]) => url)).toEqual([
      '/',
      '/projects/p1',
      '/projects/p2',
      '/projects/p1',
      '/projects/p2',
    ])
  })

  it('<Routes> with <Route> elements: the same elements through createRoutesFromElements', async () => {
    const elements = (
      <Route path="/" element={<Outlet />}>
        <Route index element={<p>home</p>} />
        <Route path="projects/:project_id" element={<p>project</p>} />
        <Route path="files/edit?" element={<p>files</p>} />
      </Route>
    )
    const routes = createRoutesFromElements(elements)
    const Shell = ({ tracker }: { tracker: Tracker }) => {
      useTrackRoutes(tracker, routes)
      navigate = useNavigate()
      return <Routes>{elements}</Routes>
    }
    const fake = fakeTracker()
    render(
      <MemoryRouter initialEntries={['/projects/p1']}>
        <Shell tracker={fake.tracker} />
      </MemoryRouter>,
    )
    await go('/files/edit')
    await go(-1)
    expect(viewsOf(fake)()).toEqual([
      ['/projects/p1', '/projects/:project_id'],
      ['/files/edit', '/files{/edit}'],
      ['/projects/p1', '/projects/:project_id'],
    ])
  })

  it('in StrictMode (effects run twice on mount) the initial page still counts once', () => {
    const fake = fakeTracker()
    render(
      <StrictMode>
        <MemoryRouter initialEntries={['/projects/p1']}>
          <App tracker={fake.tracker} />
        </MemoryRouter>
      </StrictMode>,
    )
    expect(viewsOf(fake)()).toEqual([['/projects/p1', '/projects/:project_id']])
  })

  it('HashRouter: the path in the hash', async () => {
    window.history.replaceState(null, '', '/#/projects/p1')
    const fake = fakeTracker()
    render(
      <HashRouter>
        <App tracker={fake.tracker} />
      </HashRouter>,
    )
    await go('/projects/p1/tables/t2')
    expect(viewsOf(fake)()).toEqual([
      ['/projects/p1', '/projects/:project_id'],
      ['/projects/p1/tables/t2', '/projects/:project_id/tables/:table_id', 'table'],
    ])
  })

  it('the page view comes before the new page’s own effects (an action it dispatches carries its template)', async () => {
    const fake = fakeTracker()
    const Table = () => {
      useEffect(() => fake.tracker.action('tables/opened'), [])
      return null
    }
    const routes = withElements([
      { path: '/', children: [{ index: true }, { path: 'tables/:table_id', element: <Table /> }] },
    ])
    render(
      <MemoryRouter>
        <App tracker={fake.tracker} routes={routes} />
      </MemoryRouter>,
    )
    await go('/tables/t1')
    expect(
      fake.calls
        .filter(([method]) => method !== 'addRoutes')
        .map(([method, arg]) => (method === 'page' ? (arg as { pathname: string }).pathname : arg)),
    ).toEqual(['/', '/tables/t1', 'tables/opened'])
  })

  it('a tracker that throws everywhere: rendering and navigation go on', async () => {
    const boom = (): never => {
      throw new Error('boom')
    }
    const broken: Tracker = { ...fakeTracker().tracker, page: boom, addRoutes: boom }
    const { container } = render(
      <MemoryRouter>
        <App tracker={broken} />
      </MemoryRouter>,
    )
    await go('/nope')
    expect(container.textContent).toBe('not found')
  })

  it('in development, bad arguments throw', () => {
    const Bad = () => (useTrackRoutes(fakeTracker().tracker, 'routes' as never), null)
    expect(() =>
      render(
        <MemoryRouter>
          <Bad />
        </MemoryRouter>,
      ),
    ).toThrow('[spa-telemetry] routes is "routes": expected the route objects the app passes to useRoutes()')
  })

  it('in production (dist/), the checks are gone: bad arguments record nothing and break nothing', async () => {
    const production: typeof import('spa-telemetry/react-router') = await import('../../dist/react-router.js' as string)
    const Bad = () => (production.useTrackRoutes(undefined as never, 'routes' as never), (<p>still here</p>))
    const { container } = render(
      <MemoryRouter>
        <Bad />
      </MemoryRouter>,
    )
    expect(container.textContent).toBe('still here')
  })

  it.each([[null], [[null]], [[{ path: 7 }, 'x', { children: 5 }]]])(
    'in production (dist/), useTrackRoutes(tracker, %j) renders, and records nothing (issue 21, item 15)',
    async routes => {
      const production: typeof import('spa-telemetry/react-router') = await import(
        '../../dist/react-router.js' as string
      )
      const fake = fakeTracker()
      const Page = () => (production.useTrackRoutes(fake.tracker, routes as never), (<p>still here</p>))
      const { container } = render(
        <MemoryRouter initialEntries={['/projects/p1']}>
          <Page />
        </MemoryRouter>,
      )
      expect(container.textContent).toBe('still here')
      expect(fake.pages()).toEqual([])
    },
  )
})

describe('with the real tracker', () => {
  /** Flushes the tracker and waits for what it sent. */
  const sentEvents = async (tracker: Tracker, events: () => Record<string, unknown>[], count: number) => {
    tracker.flush()
    await vi.waitFor(() => expect(events().length).toBeGreaterThanOrEqual(count))
    return events()
  }

  it('createBrowserRouter: templates and masked not-found paths leave, never ids, queries or hashes; from is the previous template', async () => {
    window.history.replaceState(null, '', '/projects/p_8f2k?q=alice#row-1')
    const { tracker, events, sent } = setup()
    const router = createBrowserRouter(ROUTES)
    routers.push(router)
    stops.push(trackRouter(tracker, router))
    await router.navigate('/projects/p_8f2k/tables/123456')
    await router.navigate('/projects/p_8f2k/alice@example.com')
    await router.navigate('/private/inside/alice')
    await act(async () => {
      window.history.back()
      await new Promise(resolve => window.addEventListener('popstate', resolve, { once: true }))
    })
    const sentNow = await sentEvents(tracker, events, 4)
    expect(sentNow.map(e => [e.path, e.from, e.name])).toEqual([
      ['/projects/:project_id', undefined, undefined],
      ['/projects/:project_id/tables/:table_id', '/projects/:project_id', 'table'],
      ['/projects/*/*', '/projects/:project_id/tables/:table_id', undefined],
      ['/projects/*/*', '/projects/*/*', undefined],
    ])
    expect(sent.map(s => s.body).join('')).not.toMatch(/p_8f2k|alice|123456|row-1/)
  })

  it('createHashRouter with a hash: true tracker, keeping an allowed query key', async () => {
    window.history.replaceState(null, '', '/#/projects/p1?tab=grid&q=alice')
    const { tracker, events } = setup({ hash: true, keepQuery: { tab: ['grid'] } })
    const router = createHashRouter(ROUTES)
    routers.push(router)
    stops.push(trackRouter(tracker, router))
    await router.navigate('/nope/alice')
    expect((await sentEvents(tracker, events, 2)).map(e => e.path)).toEqual(['/projects/:project_id?tab=grid', '/*/*'])
  })

  it('a basename: the tracker’s base keeps it out of masked paths', async () => {
    window.history.replaceState(null, '', '/console/projects/p1')
    const { tracker, events } = setup({ base: '/console' })
    const router = createBrowserRouter(ROUTES, { basename: '/console' })
    routers.push(router)
    stops.push(trackRouter(tracker, router))
    await router.navigate('/nope/alice')
    expect((await sentEvents(tracker, events, 2)).map(e => e.path)).toEqual(['/projects/:project_id', '/*/*'])
  })

  it('a route whose template the anonymizer refuses is masked, never reported as another route of the table', async () => {
    const { tracker, events } = setup()
    // "/:1st/:b" matches "/x/alice" (listed first, ranked alike); the anonymizer refuses ":1st", and "/:a/:b" would match too
    const router = createMemoryRouter([{ path: '/:1st/:b' }, { path: '/:a/:b' }, { path: '/projects/:project_id' }], {
      initialEntries: ['/x/alice'],
    })
    routers.push(router)
    stops.push(trackRouter(tracker, router))
    await router.navigate('/projects/p1')
    expect(router.state.matches.length).toBe(1)
    expect(tracker.routes()).toEqual(['/:a/:b', '/projects/:project_id'])
    expect((await sentEvents(tracker, events, 2)).map(e => e.path)).toEqual(['/*/*', '/projects/:project_id'])
  })
})
