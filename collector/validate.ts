/**
 * Validation against schema/v1.json, through the validator generated from it
 * at build time (collector/schema-v1.js): no schema compiler at run time.
 * Then the grammar the tracker applies before it queues anything
 * (src/grammar.ts, the one source for both sides): names, prop names,
 * paths, `from` and referrers that the tracker could not have produced are
 * refused, and the reason names the field and the rule, never the value.
 */
import {
  HOST_SYNTAX,
  PATH_SYNTAX,
  isActionType,
  isName,
  isPath,
  isPropKey,
  isQueryWord,
  isReferrer,
  looksLikeData,
} from '../src/grammar.js'
import { validate } from './schema-v1.js'
import type { Payload, PayloadEvent } from './types.js'

/** The outcome of {@link validatePayload}. */
export type Validation = { ok: true; payload: Payload } | { ok: false; reason: string }

const PATH = new RegExp(`^${PATH_SYNTAX}$`, 'u')
const HOST = new RegExp(`^${HOST_SYNTAX}$`)
const ORIGIN = /^[a-z][a-z\d+.-]*:|^\/\//i
const DATA = 'looks like data (a number split by separators, a run of hex digits, a random or base64 token)'

/** The rule of the path grammar a path (or referrer) breaks first, in words: never its value. */
const pathRule = (path: string): string => {
  if (ORIGIN.test(path)) return 'it has an origin (scheme://host)'
  if (path.includes('@')) return 'it has an "@" (credentials or an email)'
  if (path.includes('#')) return 'it has a #fragment'
  const query = path.indexOf('?')
  const pairs =
    query < 0
      ? []
      : path
          .slice(query + 1)
          .split('&')
          .map(pair => pair.split('='))
  if (
    pairs.some(
      ([key, value, extra]) =>
        extra !== undefined ||
        !isQueryWord(key) ||
        value === undefined ||
        (value && value !== '*' && !isQueryWord(value)),
    )
  ) {
    return 'its query is not key=value pairs, each value a word (allowed by keepQuery) or *'
  }
  if (!PATH.test(path)) return 'it has a character or a shape the tracker never writes'
  if (path.split(/[/?&=]/).some(looksLikeData)) return `a segment ${DATA}`
  return 'its numbers, taken together, look like data'
}

/** Why an event's names, prop names and paths are outside the grammar (`at` is its place), or undefined. */
const grammarFault = (event: PayloadEvent, at: string): string | undefined => {
  const { type, name, props, path, from, referrer } = event
  if (name !== undefined && !(type === 'action' ? isActionType(name) : isName(name))) {
    return `${at}/name ${looksLikeData(name) ? DATA : 'does not follow the name grammar (identifier segments joined by "/" or ":")'}`
  }
  if (props)
    for (const key in props)
      if (!isPropKey(key)) return `${at}/props has a prop name that is not an identifier or ${DATA}`
  if (path !== undefined && !isPath(path)) return `${at}/path is outside the path grammar: ${pathRule(path)}`
  if (from !== undefined && !isPath(from)) return `${at}/from is outside the path grammar: ${pathRule(from)}`
  if (referrer !== undefined && !isReferrer(referrer)) {
    return `${at}/referrer is not external, a host name or a path: ${HOST.test(referrer) ? 'its host name looks like data (an IP address)' : pathRule(referrer)}`
  }
  return undefined
}

/**
 * Checks a parsed body against schema/v1.json, refuses `__proto__` keys
 * (which the schema's property-name pattern would let through in `props`),
 * then applies the grammar the tracker applies (src/grammar.ts): one event
 * outside it refuses the whole body, as only a forged or outdated client
 * sends one (docs/privacy.md, "What the collector refuses").
 *
 * @example
 * ```ts
 * import { validatePayload } from 'spa-telemetry/collector'
 *
 * const result = validatePayload(JSON.parse(body))
 * if (!result.ok) console.log(result.reason) // 'body refused: /events/0/path is outside the path grammar: it has a #fragment'
 * ```
 */
export const validatePayload = (value: unknown): Validation => {
  if (!validate(value)) {
    const error = validate.errors?.[0]
    const where = error?.instancePath || '/'
    // a path field the schema's pattern refused: the rule it breaks, in words (the pattern is long, the value never shown)
    const field = /^\/events\/(\d+)\/(path|from|referrer)$/.exec(where)
    if (field && error?.keyword === 'pattern') {
      const text = ((value as Payload).events[Number(field[1])] as unknown as Record<string, string>)[field[2]]
      return { ok: false, reason: `body refused: ${where} is outside the path grammar: ${pathRule(text)}` }
    }
    const extra = error?.params.additionalProperty ?? error?.params.propertyName
    return {
      ok: false,
      reason: `body does not match schema/v1.json: ${where} ${error?.message ?? 'is invalid'}${extra === undefined ? '' : ` (${String(extra).slice(0, 64)})`}`,
    }
  }
  const payload = value as Payload
  for (let i = 0; i < payload.events.length; i++) {
    const event = payload.events[i]
    if (event.props && Object.prototype.hasOwnProperty.call(event.props, '__proto__'))
      return { ok: false, reason: `body refused: /events/${i}/props has a __proto__ key` }
    const fault = grammarFault(event, `/events/${i}`)
    if (fault) return { ok: false, reason: `body refused: ${fault}` }
  }
  return { ok: true, payload }
}
