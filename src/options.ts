import { check, fail, show } from './errors.js'
import type { TrackerOptions } from './types.js'

const OPTIONS = [
  ...['routes', 'placeholder', 'base', 'hash', 'unmatched', 'keepQuery', 'sensitive', 'referrerHosts'],
  ...['endpoint', 'app', 'consent', 'enabled', 'respectPrivacySignals', 'identity', 'instanceId'],
  ...['batch', 'persist', 'transport', 'heartbeatMs', 'captureErrors', 'debug', 'format'],
]

const isInteger = (value: unknown, min: number, max: number): boolean =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max

const optionalString = (name: string, value: unknown, max: number): void =>
  check(
    value === undefined || (typeof value === 'string' && value && value.length <= max),
    name,
    value,
    `a string of at most ${max} characters`,
  )

/**
 * Checks the tracker's options, failing with `[spa-telemetry] <option> is
 * <value>: expected <what>`. Development builds only: production builds
 * leave it out.
 *
 * @example
 * ```ts
 * validate({ endpoint: '/telemetry', app: { name: 'console' }, batch: { size: 0 } })
 * // Error: [spa-telemetry] batch.size is 0: expected a whole number from 1 to 1000
 * ```
 */
export const validate = (options: TrackerOptions): void => {
  check(
    options && typeof options === 'object',
    'options',
    options,
    'an object like { endpoint: "/telemetry", app: { name: "console" } }',
  )
  for (const key of Object.keys(options)) {
    if (!OPTIONS.includes(key)) fail(`unknown option ${show(key)}: expected one of ${OPTIONS.join(', ')}`)
  }
  const {
    endpoint,
    app,
    consent,
    enabled,
    respectPrivacySignals,
    identity,
    instanceId,
    batch,
    persist,
    transport,
    heartbeatMs,
    captureErrors,
    debug,
    format,
  } = options
  check(
    typeof endpoint === 'string' && /^(https?:\/\/[^/?#]+)?\/[^\s]*$/.test(endpoint),
    'endpoint',
    endpoint,
    'an absolute URL or a path, like "/telemetry"',
  )
  check(app && typeof app === 'object', 'app', app, 'an object like { name: "console", version: "2.1.0" }')
  for (const key of Object.keys(app)) {
    if (!['name', 'version', 'env'].includes(key)) fail(`unknown option app.${key}: expected name, version or env`)
  }
  check(
    typeof app.name === 'string' && /^[A-Za-z_$][\w$ .:/-]{0,63}$/.test(app.name),
    'app.name',
    app.name,
    'a short name like "console"',
  )
  optionalString('app.version', app.version, 64)
  optionalString('app.env', app.env, 64)
  optionalString('instanceId', instanceId, 128)
  check(
    consent === undefined || consent === 'opt-out' || consent === 'opt-in',
    'consent',
    consent,
    '"opt-out" or "opt-in"',
  )
  check(
    enabled === undefined || typeof enabled === 'boolean' || typeof enabled === 'function',
    'enabled',
    enabled,
    'true, false or a function returning one',
  )
  check(
    identity === undefined || ['persistent', 'session', 'none'].includes(identity),
    'identity',
    identity,
    '"persistent", "session" or "none"',
  )
  check(
    transport === undefined || transport === 'fetch' || transport === 'beacon',
    'transport',
    transport,
    '"fetch" or "beacon"',
  )
  check(
    format === undefined || typeof format === 'function',
    'format',
    format,
    (format as unknown) === 'segment'
      ? 'a function: import { segmentFormat } from "spa-telemetry" and pass format: segmentFormat'
      : 'a function like segmentFormat (schema 1 is the default)',
  )
  check(
    debug === undefined || typeof debug === 'boolean' || debug === 'dry-run',
    'debug',
    debug,
    'true, false or "dry-run"',
  )
  for (const [name, value] of Object.entries({ respectPrivacySignals, persist, captureErrors })) {
    check(value === undefined || typeof value === 'boolean', name, value, 'true or false')
  }
  check(
    heartbeatMs === undefined || isInteger(heartbeatMs, 1000, 2 ** 31 - 1),
    'heartbeatMs',
    heartbeatMs,
    'milliseconds, at least 1000',
  )
  check(
    batch === undefined || (batch && typeof batch === 'object'),
    'batch',
    batch,
    'an object like { size: 20, intervalMs: 5000 }',
  )
  check(
    batch?.size === undefined || isInteger(batch.size, 1, 1000),
    'batch.size',
    batch?.size,
    'a whole number from 1 to 1000',
  )
  check(
    batch?.intervalMs === undefined || isInteger(batch.intervalMs, 100, 36e5),
    'batch.intervalMs',
    batch?.intervalMs,
    'milliseconds from 100 to 3600000',
  )
}
