/**
 * The options every router adapter shares (`routes`, `trackQueryChanges`;
 * see `RouterTrackingOptions` in the core), read and checked in one place.
 */
import { createAnonymizer } from 'spa-telemetry'
import type { RouterTrackingOptions, Tracker } from 'spa-telemetry'

import { DEV, atSetup, check, isTracker, readOptions, safely } from './guards.js'

/**
 * Offers templates to the tracker's table and returns the table as it is
 * then: a template the anonymizer refuses is not in it (the tracker skips
 * it; a tracker that throws instead is offered them one at a time).
 *
 * @example
 * ```ts
 * const table = offer(tracker, ['/nc/:project_id'])
 * table.has('/nc/:project_id') // true
 * ```
 */
export const offer = (tracker: Tracker, templates: readonly string[]): Set<string> => {
  if (templates.length) {
    try {
      tracker.addRoutes(templates)
    } catch {
      for (const template of templates) safely(() => tracker.addRoutes([template]))
    }
  }
  let table = new Set<string>()
  safely(() => (table = new Set(tracker.routes())))
  return table
}

/**
 * Reads a router adapter's tracker and options once: in development builds
 * bad ones fail here, and so does a template `routes` lists that the
 * anonymizer refuses (the tracker would only skip it); they join the
 * tracker's table now. Returns the templates to
 * report instead of a route's own (by `keys`: route name, id or path) and
 * whether a change of query or hash alone is a page view.
 *
 * @example
 * ```ts
 * const { overrides, trackQueryChanges } = routingOptions(tracker, options, 'route name or path')
 * ```
 */
export const routingOptions = (tracker: Tracker, options: RouterTrackingOptions | undefined, keys: string) => {
  const { fields, ok } = readOptions(options)
  const { routes = [], trackQueryChanges = false } = fields
  if (DEV) {
    check(() => isTracker(tracker, 'page', 'addRoutes'), 'tracker', tracker, 'a tracker from createTracker()')
    check(ok, 'options', options, 'an object like { trackQueryChanges: true }')
    check(typeof trackQueryChanges === 'boolean', 'trackQueryChanges', trackQueryChanges, 'true or false')
    check(
      () => typeof routes === 'object' && Object.values(routes!).every(template => typeof template === 'string'),
      'routes',
      routes,
      `a list of templates, or { [${keys}]: template }`,
    )
  }
  /** route name, id or path → the template to report instead */
  const overrides = new Map<string, string>()
  let explicit: string[] = []
  safely(() => {
    if (Array.isArray(routes)) explicit = [...routes]
    else Object.entries(routes!).forEach(([key, template]) => overrides.set(key, template))
  })
  if (overrides.size) explicit = [...new Set(overrides.values())]
  if (DEV && explicit.length) atSetup(() => createAnonymizer({ routes: explicit }))
  offer(tracker, explicit)
  return { overrides, trackQueryChanges: trackQueryChanges === true }
}
