import type { AnonymizerOptions, LocationLike } from './anonymize.js'
import type { PayloadFormat } from './payload.js'
import type { Transport } from './transport.js'

/** A `track()` property value: strings are length-capped, numbers finite. */
export type PropValue = string | number | boolean

export interface TrackerOptions extends AnonymizerOptions {
  /** Where batches are POSTed (`text/plain` JSON). Same origin, or a collector that answers with CORS headers. */
  endpoint: string
  /** The app, as it appears in every payload. */
  app: { name: string; version?: string; env?: string }
  /** `'opt-out'` (default): on until the user opts out. `'opt-in'`: off until `optIn()`. */
  consent?: 'opt-out' | 'opt-in'
  /** An app-level switch, checked before every event and send (`NC_DISABLE_TELE`). */
  enabled?: boolean | (() => boolean)
  /** Honour Do Not Track and Global Privacy Control. Default `true`. */
  respectPrivacySignals?: boolean
  /** `'persistent'` (default) install id in localStorage, `'session'` (sessionStorage) or `'none'`. */
  identity?: 'persistent' | 'session' | 'none'
  /** Passed through unchanged, like a server's uuid. */
  instanceId?: string
  /** Send when `size` events are queued or after `intervalMs`. Defaults 20 and 5000. */
  batch?: { size?: number; intervalMs?: number }
  /** Keep unacknowledged (anonymized) events in localStorage for the next load. Default `true`. */
  persist?: boolean
  /**
   * `'fetch'` (default): keepalive `fetch` with no `Referer` and no cookies,
   * each event kept until the collector answers 2xx. `'beacon'`:
   * `navigator.sendBeacon`, which sends the page's URL as `Referer` (per the
   * page's referrer policy) and its cookies, and never learns the answer.
   */
  transport?: Transport
  /** Send a heartbeat at most once per this many ms across the origin's tabs, while visible. */
  heartbeatMs?: number
  /** Record uncaught errors and unhandled rejections (constructor name only). */
  captureErrors?: boolean
  /** `true` logs every payload and drop; `'dry-run'` logs and sends nothing. */
  debug?: boolean | 'dry-run'
  /** How a schema 1 payload is written for the collector: `segmentFormat` for Segment or RudderStack. Default: schema 1 as it is. */
  format?: PayloadFormat
}

/** One event of schema 1, as it is queued, stored and sent. */
export interface TelemetryEvent {
  type: 'page' | 'track' | 'action' | 'heartbeat' | 'error'
  /** unique, so a collector can de-duplicate retries */
  id: string
  /** milliseconds since the epoch */
  ts: number
  /** the anonymized path: a route template or a masked path */
  path?: string
  /** page: the anonymized previous path */
  from?: string
  /** first page view: `external`, an allowed host, or a same-origin template */
  referrer?: string
  /** track, action, error: the event's name; page: the route's name */
  name?: string
  /** track: primitive properties */
  props?: Record<string, PropValue>
}

/** Options of one page view. */
export interface PageOptions {
  /**
   * A template of the route table that matched (a router's own match), or
   * `null` when the router matched no real route (a catch-all, a not-found
   * page): the path is then treated as unmatched (masked, or dropped with
   * `unmatched: 'drop'`).
   */
  route?: string | null
  /** A static name for the screen, like `'table'`. */
  name?: string
}

/** Options of one action. */
export interface ActionOptions {
  /**
   * The app vouches for this type (the Redux middleware's `include` names it
   * as a string): it is sent even if it does not follow the name grammar,
   * within the schema's limits, unless it looks like data.
   */
  verbatim?: boolean
}

/**
 * Whether the tracker records and sends right now, and if not, why:
 * `'on'`; `'opted-out'` (the user, in this tab or another); `'awaiting-consent'`
 * (opt-in mode before `optIn()`); `'disabled'` (the app's `enabled`);
 * `'do-not-track'`, `'global-privacy-control'` (the browser's signals);
 * `'inactive'` (destroyed, or not in a browser).
 */
export type TrackerStatus =
  'on' | 'opted-out' | 'awaiting-consent' | 'disabled' | 'do-not-track' | 'global-privacy-control' | 'inactive'

/**
 * `status(true)`: the status, and the user's choice with whether it is
 * stored. A choice storage refused (full, blocked) holds in this tab only
 * (`stored: false`): an opt-out is honoured all the same, and written
 * again before every request and whenever storage changes, until it holds.
 */
export interface TrackerStatusDetail {
  status: TrackerStatus
  /** `optIn()` or `optOut()`, in this tab or another of the origin; none before either. */
  choice?: 'in' | 'out'
  /** Whether storage holds the choice, so that reloads and new tabs know it. */
  stored: boolean
}

/**
 * What `createTracker()` returns. No method throws into the app, whatever it is given: what goes
 * wrong is dropped (and counted, for events) and explained in `debug` output. Only `createTracker`
 * itself fails fast on bad options.
 */
export interface Tracker {
  /**
   * Records a page view of `location` (default: the current location), anonymized.
   * @example tracker.page() // or tracker.page('/nc/p_8f2k') → path '/nc/:project_id'
   */
  page(location?: LocationLike, options?: PageOptions): void
  /**
   * Records a named action with primitive props (other values are dropped and counted).
   * @example tracker.track('export_clicked', { format: 'csv', rows: 120 })
   */
  track(name: string, props?: Record<string, PropValue>): void
  /**
   * Records a Redux-style action type on the current page.
   * @example tracker.action('tables/create/fulfilled')
   */
  action(type: string, options?: ActionOptions): void
  /**
   * Records an error by its constructor name only, never its message or stack.
   * @example tracker.error(new TypeError('alice@example.com')) // → { type: 'error', name: 'TypeError' }
   */
  error(error: unknown): void
  /**
   * Sends what is queued now.
   * @example button.onclick = () => tracker.flush()
   */
  flush(): void
  /**
   * The user agrees: tracking starts (and the choice is kept).
   * @example acceptButton.onclick = () => tracker.optIn()
   */
  optIn(): void
  /**
   * The user refuses: the queue and stored data are cleared at once, timers stop.
   * @example toggle.onchange = () => (toggle.checked ? tracker.optIn() : tracker.optOut())
   */
  optOut(): void
  /**
   * Whether events are recorded and sent right now (consent, `enabled`, DNT and GPC).
   * @example toggle.checked = tracker.isEnabled()
   */
  isEnabled(): boolean
  /**
   * What a URL is sent as: its template, the masked path, or `null` (dropped).
   * @example tracker.anonymize('/nc/p_8f2k?q=alice') // '/nc/:project_id'
   */
  anonymize(location: LocationLike): string | null
  /**
   * Adds route templates (a router's `addRoute`). Never throws: a template the anonymizer refuses
   * (`'/users/:'`, not a string) is skipped, the others are added, and `debug` output names it
   * (development builds say why). To fail fast on a bad template, pass it in `routes` at setup.
   * @example tracker.addRoutes(['/reports/:report_id'])
   */
  addRoutes(routes: readonly string[]): void
  /**
   * Whether events are recorded and sent right now, and if not, why.
   * @example if (tracker.status() === 'global-privacy-control') banner.textContent = 'Your browser asked us not to track you.'
   */
  status(): TrackerStatus
  /**
   * The same, with the user's choice and whether storage holds it (`stored: false`: it holds in this
   * tab only, storage being full or blocked). The status itself keeps its values: `'opted-out'` all the same.
   * @example if (!tracker.status(true).stored) note.textContent = 'Your choice applies to this tab: the browser could not save it.'
   */
  status(detail: true): TrackerStatusDetail
  /**
   * The route templates in the anonymizer's table, in the order they were added.
   * @example tracker.routes() // ['/nc/:project_id', '/nc/:project_id/table/:table_id']
   */
  routes(): string[]
  /** The options the tracker was created with (read by `describeTracker`). */
  readonly options: Readonly<TrackerOptions>
  /**
   * Sends what is queued and removes every listener and timer; later calls do nothing.
   * @example onBeforeUnmount(() => tracker.destroy())
   */
  destroy(): void
}
