/**
 * Validation against schema/v1.json, through the validator generated from it
 * at build time (collector/schema-v1.js): no schema compiler at run time.
 */
import { validate } from './schema-v1.js'
import type { Payload } from './types.js'

/** The outcome of {@link validatePayload}. */
export type Validation = { ok: true; payload: Payload } | { ok: false; reason: string }

/**
 * Checks a parsed body against schema/v1.json (and refuses `__proto__` keys,
 * which the schema's property-name pattern would let through in `props`).
 *
 * @example
 * ```ts
 * import { validatePayload } from 'spa-telemetry/collector'
 *
 * const result = validatePayload(JSON.parse(body))
 * if (!result.ok) console.log(result.reason) // 'body does not match schema/v1.json: /events/0 must have required property 'id''
 * ```
 */
export const validatePayload = (value: unknown): Validation => {
  if (!validate(value)) {
    const error = validate.errors?.[0]
    const where = error?.instancePath || '/'
    const extra = error?.params.additionalProperty ?? error?.params.propertyName
    return { ok: false, reason: `body does not match schema/v1.json: ${where} ${error?.message ?? 'is invalid'}${extra === undefined ? '' : ` (${String(extra).slice(0, 64)})`}` }
  }
  const payload = value as Payload
  for (let i = 0; i < payload.events.length; i++) {
    const props = payload.events[i].props
    if (props && Object.prototype.hasOwnProperty.call(props, '__proto__')) return { ok: false, reason: `body refused: /events/${i}/props has a __proto__ key` }
  }
  return { ok: true, payload }
}
