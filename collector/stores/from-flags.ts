/**
 * The command's forwarding stores: `--segment-write-key`, `--segment-url`,
 * `--posthog-key`, `--posthog-host` (see cli.ts's FLAGS), or the same from
 * `SPA_TELEMETRY_SEGMENT_WRITE_KEY`, `SPA_TELEMETRY_SEGMENT_URL`,
 * `SPA_TELEMETRY_POSTHOG_KEY` and `SPA_TELEMETRY_POSTHOG_HOST`.
 */
import { fail } from '../../src/errors.js'
import type { Store } from '../types.js'
import { posthogStore } from './posthog.js'
import { segmentStore } from './segment.js'
import { withoutCredentials } from './shown-url.js'

/**
 * The forwarding stores the flags and the environment ask for (a flag wins),
 * with a line for each to print: never a key, and a note when a key came as a
 * flag, which every user of the machine sees in `ps`.
 *
 * @example
 * ```ts
 * const { stores, lines } = forwardingStores({ 'segment-url': 'https://hosted.rudderlabs.com' }, process.env)
 * ```
 */
export const forwardingStores = (
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { stores: Store[]; lines: string[] } => {
  const pick = (flag: string, variable: string): { value: string; from: 'flag' | 'env' | '' } => {
    if (typeof values[flag] === 'string' && values[flag]) return { value: values[flag] as string, from: 'flag' }
    if (env[variable]) return { value: env[variable], from: 'env' }
    return { value: '', from: '' }
  }
  const stores: Store[] = []
  const lines: string[] = []
  const destinations = [
    {
      name: 'Segment',
      key: ['segment-write-key', 'SPA_TELEMETRY_SEGMENT_WRITE_KEY'],
      at: ['segment-url', 'SPA_TELEMETRY_SEGMENT_URL'],
      fallback: 'https://api.segment.io/v1/batch',
      make: (key: string, at: string) => segmentStore({ writeKey: key, url: at }),
    },
    {
      name: 'PostHog',
      key: ['posthog-key', 'SPA_TELEMETRY_POSTHOG_KEY'],
      at: ['posthog-host', 'SPA_TELEMETRY_POSTHOG_HOST'],
      fallback: 'https://us.i.posthog.com',
      make: (key: string, at: string) => posthogStore({ apiKey: key, host: at }),
    },
  ]
  for (const {
    name,
    key: [keyFlag, keyVariable],
    at: [atFlag, atVariable],
    fallback,
    make,
  } of destinations) {
    const key = pick(keyFlag, keyVariable)
    const at = pick(atFlag, atVariable)
    if (!key.value) {
      if (at.value)
        fail(
          `--${atFlag} is ${JSON.stringify(withoutCredentials(at.value))}: expected a key too (${keyVariable} or --${keyFlag})`,
        )
      continue
    }
    stores.push(make(key.value, at.value || fallback))
    const shown = new URL(at.value || fallback) // checked by the store: no credentials; its query is not shown
    lines.push(
      `forwarding to ${name} at ${shown.origin}${shown.pathname} (key from ${key.from === 'env' ? keyVariable : `--${keyFlag}`})`,
    )
    if (key.from === 'flag')
      lines.push(`note: --${keyFlag} shows in ps to every user of this machine; prefer ${keyVariable}`)
  }
  return { stores, lines }
}
