/**
 * The options every router adapter shares (`routes`, `trackQueryChanges`;
 * see `RouterTrackingOptions` in the core), read and checked in one place.
 */
import type { RouterTrackingOptions, Tracker } from 'spa-telemetry'

import { DEV, atSetup, check, isTracker, readOptions, safely } from './guards.js'

/**
 * Reads a router adapter's tracker and options once: in development builds
 * bad ones fail here; the templates `routes` lists join the tracker's table
 * now (so that a bad one fails at setup too). Returns the templates to
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
    check(() => typeof routes === 'object' && Object.values(routes!).every(template => typeof template === 'string'), 'routes', routes, `a list of templates, or { [${keys}]: template }`)
  }
  /** route name, id or path → the template to report instead */
  const overrides = new Map<string, string>()
  let explicit: string[] = []
  safely(() => {
    if (Array.isArray(routes)) explicit = [...routes]
    else Object.entries(routes!).forEach(([key, template]) => overrides.set(key, template))
  })
  if (overrides.size) explicit = [...new Set(overrides.values())]
  if (explicit.length) atSetup(() => tracker.addRoutes(explicit))
  return { overrides, trackQueryChanges: trackQueryChanges === true }
}
