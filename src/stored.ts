import type { Anonymizer } from './anonymize.js'
import { isHost, isName, isPath } from './grammar.js'
import { cleanProps } from './names.js'
import type { TelemetryEvent } from './types.js'
const TYPES = ['page', 'track', 'action', 'heartbeat', 'error']
const KEYS = ['type', 'id', 'ts', 'path', 'from', 'referrer', 'name', 'props']

export interface EventCheckOptions {
  anonymizer: Anonymizer
  /** Hash routing: paths are read after `#`. */
  hash?: boolean
  referrerHosts?: readonly string[]
  /** Action types the app vouched for (`action(type, { verbatim: true })`). */
  verbatim: Set<string>
}

export interface EventCheck {
  /** Whether an event is exactly one this tracker could have queued: schema 1, nothing raw, the same limits as fresh events. */
  isValid(event: TelemetryEvent): boolean
  /** Forgets the templates it knows: the route table changed. */
  reset(): void
}

/**
 * The check stored events pass before they are sent again: events come
 * back from storage, which other code (or a crafted page) may have
 * written, so each is checked as strictly as a fresh one.
 *
 * @example
 * ```ts
 * const { isValid } = createEventCheck({ anonymizer, verbatim: new Set() })
 * isValid({ type: 'page', id: 'V1StGXR8_Z5jdHi6B-myT', ts: Date.now(), path: '/nc/p_8f2k' }) // false: a raw path
 * ```
 */
export const createEventCheck = ({ anonymizer, hash, referrerHosts = [], verbatim }: EventCheckOptions): EventCheck => {
  let templates: Set<string> | undefined

  /** A path this tracker could have sent: in the path grammar (as the collector checks it), and a template of the table or a fixed point of the anonymizer. */
  const isSafePath = (path: unknown): boolean => {
    templates ||= new Set(anonymizer.routes().map(route => anonymizer.anonymize(route, route)!))
    if (!isPath(path)) return false
    // read as the tracker reads a location: after '#' with hash routing
    return (
      templates.has(path) ||
      anonymizer.anonymize(hash ? { pathname: '/', hash: '#' + path } : { pathname: path }) === path
    )
  }

  const isValidName = (type: string, name: unknown): boolean =>
    name === undefined
      ? type === 'page' || type === 'heartbeat'
      : type !== 'heartbeat' && (isName(name) || (type === 'action' && verbatim.has(name as string)))

  const isValidProps = (props: unknown): boolean => {
    const clean = cleanProps(props)
    return (
      typeof clean === 'object' &&
      Object.keys(clean).every(key => clean[key] === (props as Record<string, unknown>)[key])
    )
  }

  return {
    isValid: event => {
      if (!event || typeof event !== 'object' || !Object.keys(event).every(key => KEYS.includes(key))) return false
      const { type, id, ts, path, from, referrer, name, props } = event
      const page = type === 'page'
      return (
        TYPES.includes(type) &&
        /^[\w-]{21}$/.test(id) &&
        Number.isFinite(ts) &&
        (type !== 'heartbeat' || path === undefined) &&
        (path === undefined ? !page : isSafePath(path)) &&
        (from === undefined || (page && isSafePath(from))) &&
        (referrer === undefined ||
          (page &&
            (referrer === 'external' ||
              (referrerHosts.includes(referrer) && isHost(referrer)) ||
              isSafePath(referrer)))) &&
        isValidName(type, name) &&
        (props === undefined || (type === 'track' && isValidProps(props)))
      )
    },
    reset: () => (templates = undefined),
  }
}
