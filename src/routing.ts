/**
 * What the router adapters share (`spa-telemetry/vue`, `spa-telemetry/react-router`,
 * the Nuxt module and plugin; `spa-telemetry/history` takes `trackQueryChanges`):
 * types only, declared once here so that every adapter speaks the same words.
 */

/** The options every router adapter takes after `(tracker, router)`. */
export interface RouterTrackingOptions {
  /**
   * More templates for the tracker's table (a list), or the template to
   * report for some routes instead of their own (an object: route name, id
   * or path → template, like `{ 'not-found': '/404' }`). A template the
   * anonymizer refuses fails here, at setup.
   */
  routes?: readonly string[] | Readonly<Record<string, string>>
  /** Also record a navigation that changes only the query or the hash. Default `false`. */
  trackQueryChanges?: boolean
}

/**
 * A route's own setting, as vue-router's `meta.telemetry` or React Router's
 * `handle.telemetry`: `false` records no page views there nor in its
 * children (unless a child sets its own), `{ name: 'table' }` adds a
 * screen name to its page views.
 */
export type RouteTelemetry = false | { name?: string }
