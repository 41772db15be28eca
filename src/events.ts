import type { Anonymizer } from './anonymize.js'
import { DEV } from './dev.js'
import { MAX_PATH, isActionType, isName, isPath, isReferrer } from './grammar.js'
import { cleanProps, errorName } from './names.js'
import type { TelemetryEvent, Tracker } from './types.js'

export interface EventsOptions {
  anonymizer: Anonymizer
  /** Whether the tracker works: in a browser, and not destroyed. */
  active(): boolean
  /** Queues an event if consent allows it now (its id and time are set there); whether it did. */
  record(event: TelemetryEvent): boolean
  /** Counts an event that is not made; `why` is `false` in production builds. */
  drop(why: string | false): void
  /** Action types the app vouched for (`action(type, { verbatim: true })`): stored ones are accepted only if seen here. */
  verbatim: Set<string>
}

/** The tracker's event methods, unguarded, and what an opt-out forgets. */
export interface Events extends Pick<Tracker, 'page' | 'track' | 'action' | 'error'> {
  /** Forgets the last page (an opt-out): the next page view has no `from`. */
  forget(): void
}

/**
 * The event front: what the app calls, checked and made into events with
 * nothing raw in them (anonymized paths, names of the grammar, clean
 * props), each made with `id: ''` and `ts: 0` in their place for `record`
 * to fill in (one object per event). Everything refused is counted.
 *
 * @example
 * ```ts
 * const events = createEvents({ anonymizer, active: () => true, record: event => queue.push(event) > 0, drop: () => dropped++, verbatim: new Set() })
 * events.page('/nc/p_8f2k')           // { type: 'page', path: '/nc/:project_id', … }
 * events.track('alice@example.com')   // dropped and counted: not a name
 * ```
 */
export const createEvents = (options: EventsOptions): Events => {
  const { anonymizer, active, record, drop, verbatim } = options
  const { anonymize } = anonymizer
  /** the path of the last page view recorded (after consent only) */
  let lastPath: string | undefined
  /** whether the next page view is the document's first: only it may carry the referrer */
  let firstPage = true

  const currentPath = (): string | undefined => {
    const path = lastPath ?? anonymize(window.location)
    return isPath(path) ? path : undefined
  }

  return {
    page: (location, pageOptions) => {
      if (!active()) return
      const { route, name } = pageOptions || {}
      if (name !== undefined && !isName(name))
        return drop(DEV && 'a page view: its name does not follow the name grammar')
      const path = anonymize(
        location ?? window.location,
        typeof route === 'string' || route === null ? route : undefined,
      )
      if (path === null) return drop(DEV && 'a page view: no route matches it, or it is not a URL')
      if (path.length > MAX_PATH) return drop(DEV && `a page view: its path is longer than ${MAX_PATH} characters`)
      // what a collector would refuse is never queued: a template, a placeholder or an `unmatched` function with data in it
      if (!isPath(path)) return drop(DEV && 'a page view: its path is outside the path grammar')
      const event: TelemetryEvent = { type: 'page', id: '', ts: 0, path }
      if (lastPath !== undefined) event.from = lastPath
      // the referrer belongs to the document's first page view: never to a later one, even if the first was not recorded
      if (firstPage && document.referrer) {
        const referrer = anonymizer.anonymizeReferrer(document.referrer, window.location.origin)
        if (isReferrer(referrer)) event.referrer = referrer
      }
      if (name) event.name = name
      firstPage = false
      if (record(event)) lastPath = path
    },

    track: (name, props) => {
      if (!isName(name)) return drop(DEV && 'a track event: its name does not follow the name grammar')
      if (props === undefined) return void record({ type: 'track', id: '', ts: 0, name })
      const clean = cleanProps(props)
      if (typeof clean === 'string') return drop(DEV && `track "${name}": ${clean}`)
      record({ type: 'track', id: '', ts: 0, name, props: clean })
    },

    action: (type, actionOptions) => {
      const vouched = actionOptions?.verbatim === true && isActionType(type)
      if (!vouched && !isName(type)) return drop(DEV && 'an action: its type does not follow the name grammar')
      if (vouched) verbatim.add(type)
      if (active()) record({ type: 'action', id: '', ts: 0, name: type, path: currentPath() })
    },

    error: value => {
      if (active()) record({ type: 'error', id: '', ts: 0, name: errorName(value), path: currentPath() })
    },

    forget: () => {
      lastPath = undefined
    },
  }
}
