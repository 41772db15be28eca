/**
 * `spa-telemetry/react-router`: page views from React Router (6.4+ and 7),
 * as the template of the route that matched (`/projects/:id`, never
 * `/projects/42`), read from the app's own route objects.
 */
import { useEffect, useLayoutEffect, useState } from 'react'
import { matchRoutes, useLocation } from 'react-router'
import type { RouteTelemetry, RouterTrackingOptions, Tracker } from 'spa-telemetry'

import { DEV, check, safely } from './guards.js'
import { offer, routingOptions } from './routing.js'
import { toTemplate } from './react-router-routes.js'

export type { RouteTelemetry, RouterTrackingOptions } from 'spa-telemetry'
export { toTemplate }

/** The parts of a React Router route object the adapter reads (never `loader`, `element` or params). */
export interface RouteObjectLike {
  id?: string
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
  location: { pathname: string; search: string; hash?: string }
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
const join = (parent: string, path: string): string =>
  (path[0] === '/' ? path : parent + '/' + path).replace(/\/\/+/g, '/')

/**
 * What both routers share: the app's route table joins the tracker's, then
 * a page view for each new path (with `trackQueryChanges`: new query or
 * hash too), as the template of its deepest match: its own, one the
 * `routes` option gives for its id or path, or none (masked) when the
 * anonymizer refuses its template, never another route's.
 */
const createRecorder = (
  tracker: Tracker,
  table: readonly RouteObjectLike[],
  options: RouterTrackingOptions | undefined,
) => {
  const { overrides, trackQueryChanges } = routingOptions(tracker, options, 'route id or path')

  /** template → itself once it is in the tracker's table, null if the tracker refused it: each is offered once */
  const adopted = new Map<string, string | null>()
  const adoptAll = (templates: string[]): void => {
    const fresh = templates.filter(template => !adopted.has(template))
    const table = offer(tracker, fresh)
    for (const template of fresh) adopted.set(template, table.has(template) ? template : null)
  }
  const adopt = (template: string): string | null => (adoptAll([template]), adopted.get(template)!)
  /** The templates of every route that can match by itself (not a pathless layout). */
  const collect = (routes: readonly RouteObjectLike[] = [], parent = '', into: string[] = []): string[] => {
    for (const route of routes) {
      safely(() => {
        const path = route.path == null ? parent : join(parent, route.path)
        if (route.path != null || route.index) into.push(toTemplate(path))
        collect(route.children, path, into)
      })
    }
    return into
  }
  safely(() => adoptAll(collect(table)))

  let last: string | undefined
  return (matches: Matches, { pathname, search, hash = '' }: RouterStateLike['location']): void => {
    // the same path again (a revalidation, a submission, a query or hash change) is the same page
    const where = trackQueryChanges ? pathname + search + hash : pathname
    if (where === last) return
    last = where
    let path = ''
    let own: string | undefined
    let leaf: RouteObjectLike | undefined
    let telemetry: RouteTelemetry | undefined
    for (const { route } of matches) {
      // not a route object of React Router's: nothing to report
      if (route.path != null && typeof route.path !== 'string') return
      if (route.path != null) path = join(path, (own = route.path))
      // the deepest handle that says something decides, as route meta is inherited
      telemetry = route.handle?.telemetry ?? telemetry
      leaf = route
    }
    if (telemetry === false) return
    const override = (leaf?.id !== undefined && overrides.get(leaf.id)) || overrides.get(path)
    // no route (React Router's 404 matches its root with an empty pathname), or a splat alone: the masked path.
    // A route added since (patchRoutesOnNavigation) joins the table on first use
    const route = override
      ? adopt(override)
      : !matches.at(-1)?.pathname || /^\/?\*$/.test(own!)
        ? null
        : adopt(toTemplate(path))
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
 * change of query or hash alone (unless `trackQueryChanges`) count zero. A
 * not-found page (no route, or a `*` route alone) is sent as the masked
 * path. Templates join the tracker's table from `router.routes`, and a
 * route added later (`patchRoutesOnNavigation`) on its first navigation. A
 * route's `handle: { telemetry: false }` records nothing there and below;
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
export const trackRouter = (tracker: Tracker, router: RouterLike, options?: RouterTrackingOptions): (() => void) => {
  let routes: readonly RouteObjectLike[] = []
  safely(() => (routes = router.routes))
  const record = createRecorder(tracker, routes, options)
  if (DEV)
    check(
      () => typeof router.subscribe === 'function' && Array.isArray(router.routes) && router.state,
      'router',
      router,
      'a data router from createBrowserRouter()',
    )
  let stop: () => void = () => {}
  // after the initial loaders (and their redirects), a completed navigation is where location changes
  const update = (state: RouterStateLike): void =>
    safely(() => state.initialized && record(state.matches, state.location))
  safely(() => update(router.state))
  safely(() => (stop = router.subscribe(update)))
  return () => safely(stop)
}

/**
 * The same for a component router (`<BrowserRouter>` with `<Routes>` or
 * `useRoutes`): call it once, in a component inside the router, with the
 * route objects the app renders (`useRoutes(routes)`, or
 * `createRoutesFromElements` of its `<Routes>` children). Each new path is
 * matched against them with React Router's own `matchRoutes`, never read
 * from `useParams()`, and recorded as above, before the new page's own
 * effects run. Bad arguments throw while rendering in development builds;
 * in production builds nothing it is given breaks rendering.
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
export const useTrackRoutes = (
  tracker: Tracker,
  routes: readonly RouteObjectLike[],
  options?: RouterTrackingOptions,
): void => {
  const location = useLocation()
  // the table once, with the recorder of this component (in development: bad arguments fail here)
  const [record] = useState(() => createRecorder(tracker, Array.isArray(routes) ? routes : [], options))
  if (DEV) check(Array.isArray(routes), 'routes', routes, 'the route objects the app passes to useRoutes()')
  // a layout effect runs before any passive effect of the new page (which may dispatch actions);
  // on the server neither runs, and React 18 warns about the layout one there
  ;(typeof document === 'object' ? useLayoutEffect : useEffect)(
    () => safely(() => record((matchRoutes(routes as never, location.pathname) || []) as Matches, location)),
    [location.pathname, location.search, location.hash],
  )
}
