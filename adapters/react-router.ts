/**
 * `spa-telemetry/react-router`: page views from React Router (6.4+ and 7),
 * as the template of the route that matched (`/projects/:id`, never
 * `/projects/42`), read from the app's own route objects.
 */
import { useEffect, useLayoutEffect, useState } from 'react'
import { matchRoutes, useLocation } from 'react-router'
import type { Tracker } from 'spa-telemetry'

import { check, safely } from './guards.js'
import { toTemplate } from './react-router-routes.js'

export { toTemplate }

/**
 * `handle.telemetry` of a route: `false` records no page views there (nor
 * in its children, unless one sets its own), `{ name }` adds a screen name.
 */
export type RouteTelemetry = false | { name?: string }

/** The parts of a React Router route object the adapter reads (never `loader`, `element` or params). */
export interface RouteObjectLike {
  path?: string
  index?: boolean
  // React Router types `handle` as `any`
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handle?: any
  children?: readonly RouteObjectLike[]
}

/** The parts of a data router's state the adapter reads (never `loaderData`, `params` or `location.state`). */
export interface RouterStateLike {
  initialized: boolean
  location: { pathname: string; search: string }
  matches: readonly { route: RouteObjectLike; pathname: string }[]
}

/** The parts of a data router (`createBrowserRouter`, `createHashRouter`, `createMemoryRouter`) the adapter uses. */
export interface RouterLike {
  readonly state: RouterStateLike
  readonly routes: readonly RouteObjectLike[]
  subscribe(subscriber: (state: RouterStateLike) => void): () => void
}

type Matches = RouterStateLike['matches']

/**
 * A path under its parent's, as React Router joins them: an absolute child
 * path repeats its parent's; repeated slashes are one.
 */
const join = (parent: string, path: string): string => (path[0] === '/' ? path : parent + '/' + path).replace(/\/\/+/g, '/')

/**
 * Adds the template of every route that can match by itself (not a
 * pathless layout) to the tracker's table, one at a time: a template the
 * anonymizer refuses costs only its own route.
 */
const learn = (tracker: Tracker, routes: readonly RouteObjectLike[] = [], parent = ''): void => {
  for (const route of routes) {
    const path = route.path == null ? parent : join(parent, route.path)
    if (route.path != null || route.index) safely(() => tracker.addRoutes([toTemplate(path)]))
    learn(tracker, route.children, path)
  }
}

/** What both routers share: a page view for each new path, as the template of its deepest match. */
const createRecorder = (tracker: Tracker) => {
  let last: string | undefined
  return (matches: Matches, { pathname, search }: RouterStateLike['location']): void => {
    // the same path again (a revalidation, a submission, a query or hash change) is the same page
    if (pathname === last) return
    last = pathname
    let path = ''
    let own: string | undefined
    let telemetry: RouteTelemetry | undefined
    for (const { route } of matches) {
      if (route.path != null) path = join(path, (own = route.path))
      // the deepest handle that says something decides, as route meta is inherited
      telemetry = route.handle?.telemetry ?? telemetry
    }
    if (telemetry === false) return
    // no route (React Router's 404 matches its root with an empty pathname), or a splat alone
    const route = !matches.at(-1)?.pathname || /^\/?\*$/.test(own!) ? null : toTemplate(path)
    // a route added since (patchRoutesOnNavigation) joins the table on first use; the tracker
    // keeps a template it has already as it is
    if (route) safely(() => tracker.addRoutes([route]))
    // a location, not a URL string; the route again as the hash serves a tracker made for hash routing
    tracker.page({ pathname, search, hash: '#' + pathname + search }, { route, name: telemetry?.name })
  }
}

/**
 * Records one page view per completed navigation of a data router, as the
 * template of its deepest match (parents' paths joined: `/projects/:id`):
 * the current location once (after the initial loaders, and their
 * redirects), then each navigation that ends on a new path. Redirects from
 * loaders and actions count only where they end; revalidations, fetchers,
 * submissions to the same path, blocked and interrupted navigations, and a
 * change of query or hash alone count zero. A not-found page (no route, or
 * a `*` route alone) is sent as the masked path. Templates join the
 * tracker's table from `router.routes`, and a route added later
 * (`patchRoutesOnNavigation`) on its first navigation. A route's
 * `handle: { telemetry: false }` records nothing there and below;
 * `handle: { telemetry: { name: 'table' } }` adds a screen name.
 *
 * Returns a function that stops tracking. Bad arguments throw in
 * development; afterwards it never throws.
 *
 * @example
 * ```ts
 * import { createBrowserRouter } from 'react-router'
 * import { trackRouter } from 'spa-telemetry/react-router'
 *
 * const router = createBrowserRouter([{ path: '/projects/:id', Component: Project }])
 * const stop = trackRouter(tracker, router) // '/projects/:id', never '/projects/42'
 * ```
 */
export const trackRouter = (tracker: Tracker, router: RouterLike): (() => void) => {
  if (process.env.NODE_ENV !== 'production') {
    check(tracker && typeof tracker.page === 'function' && typeof tracker.addRoutes === 'function', 'tracker', tracker, 'a tracker from createTracker()')
    check(router && typeof router.subscribe === 'function' && Array.isArray(router.routes) && router.state, 'router', router, 'a data router from createBrowserRouter()')
  }
  const record = createRecorder(tracker)
  let stop: () => void
  // after the initial loaders (and their redirects), a completed navigation is where location changes
  const update = (state: RouterStateLike): void => safely(() => state.initialized && record(state.matches, state.location))
  safely(() => {
    learn(tracker, router.routes)
    update(router.state)
    stop = router.subscribe(update)
  })
  return () => safely(stop)
}

/**
 * The same for a component router (`<BrowserRouter>` with `<Routes>` or
 * `useRoutes`): call it once, in a component inside the router, with the
 * route objects the app renders (`useRoutes(routes)`, or
 * `createRoutesFromElements` of its `<Routes>` children). Each new path is
 * matched against them with React Router's own `matchRoutes`, never read
 * from `useParams()`, and recorded as above, before the new page's own
 * effects run.
 *
 * @example
 * ```tsx
 * import { useRoutes } from 'react-router'
 * import { useTrackRoutes } from 'spa-telemetry/react-router'
 *
 * const routes = [{ path: '/projects/:id', element: <Project /> }]
 * const App = () => {
 *   useTrackRoutes(tracker, routes)
 *   return useRoutes(routes)
 * }
 * ```
 */
export const useTrackRoutes = (tracker: Tracker, routes: readonly RouteObjectLike[]): void => {
  if (process.env.NODE_ENV !== 'production') {
    check(tracker && typeof tracker.page === 'function' && typeof tracker.addRoutes === 'function', 'tracker', tracker, 'a tracker from createTracker()')
    check(Array.isArray(routes), 'routes', routes, 'the route objects the app passes to useRoutes()')
  }
  const location = useLocation()
  // the table once, with the recorder of this component
  const [record] = useState(() => (learn(tracker, routes), createRecorder(tracker)))
  // a layout effect runs before any passive effect of the new page (which may dispatch actions);
  // on the server neither runs, and React 18 warns about the layout one there
  ;(typeof document === 'object' ? useLayoutEffect : useEffect)(
    () => safely(() => record((matchRoutes(routes as never, location.pathname) || []) as Matches, location)),
    [location.pathname],
  )
}
