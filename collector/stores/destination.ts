/**
 * A destination as the forwarding store sees it, and the checks and helpers
 * the Segment and PostHog stores share to describe theirs: keys and URLs
 * checked without printing a key, props copied safely, bytes counted.
 */
import { fail } from '../../src/errors.js'
import { setupError } from '../check.js'
import { parsedWhole, withoutCredentials } from './shown-url.js'
import type { StoredEvent } from '../types.js'

/** How a destination takes events: the forwarding store's only knowledge of it. */
export interface Destination {
  /** The name in messages: `'segment'`, `'posthog'`. */
  name: string
  /** Where calls go (checked: http or https, no credentials). */
  url: string
  /** Headers of every call (the content type, Basic auth). */
  headers: Record<string, string>
  /** What no message may show: the key, and the forms it is sent in. */
  secrets: string[]
  /** Largest event, in bytes of JSON. */
  maxEventBytes: number
  /** Largest call body, in bytes. */
  maxBatchBytes: number
  /** Most events in one call. */
  maxEvents: number
  /** The event in the destination's shape, as JSON text; `lean`: without the app's props. */
  encode(event: StoredEvent, lean: boolean): string
  /** The body of one call around its encoded events (joined by commas). */
  wrap(events: string, sentAt: string): string
}

/** UTF-8 length of a string, in bytes (JSON text: lone surrogates never occur, JSON.stringify escapes them). */
export const utf8Length = (text: string): number => {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) bytes += 1
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2 // a pair: 4 bytes for its 2 units
      i++
    } else bytes += 2
  }
  return bytes
}

/**
 * A key read from options or the environment: trimmed (a newline from a file
 * is not part of it), printable ASCII. The setup error never shows the key.
 *
 * @example const key = checkKey('writeKey', options.writeKey)
 */
export const checkKey = (option: string, value: unknown): string => {
  const key = typeof value === 'string' ? value.trim() : ''
  if (!/^[\x21-\x7e]+$/.test(key)) {
    const shown =
      typeof value !== 'string'
        ? String(value)
        : value.trim()
          ? `a string of ${value.length} characters, not all printable ASCII`
          : 'empty'
    fail(`${option} is ${shown}: expected the key, printable ASCII (read it from the environment, not from code)`)
  }
  return key
}

/**
 * A destination's URL: http or https, no credentials (keys go in options, and a
 * URL is printed), no fragment. The error shows no credentials, and no string
 * that is not a URL (it may be a key passed in the wrong option).
 *
 * @example const url = checkUrl('url', options.url, 'https://api.segment.io/v1/batch')
 */
export const checkUrl = (option: string, value: unknown, example: string): URL => {
  let url: URL | undefined
  try {
    url = new URL(String(value))
  } catch {
    // not a URL
  }
  const expected = `an http or https URL such as "${example}"`
  if (typeof value !== 'string') throw setupError(option, value, expected)
  if (!url) fail(`${option} is not a URL (a string of ${value.length} characters): expected ${expected}`)
  // read otherwise than meant ("key:@host" without a scheme, a "/", "?" or "#" ending the host early): its host or path would hold what precedes the "@"
  if (!parsedWhole(value, url))
    throw setupError(option, withoutCredentials(value), 'a URL without credentials: the key goes in its own option')
  const shown = `${url.protocol}//${url.username || url.password ? '…@' : ''}${url.host}${url.pathname}`
  if (url.username || url.password)
    throw setupError(option, shown, 'a URL without credentials: the key goes in its own option')
  if (!/^https?:$/.test(url.protocol) || url.hash) throw setupError(option, shown, expected)
  return url
}

/**
 * Copies `from`'s own properties onto `into`, renamed by `rename`, leaving out
 * undefined values (they would erase a prop of the app's); an own `__proto__`
 * stays a property.
 *
 * @example assign(properties, event.props, key => key)
 */
export const assign = (
  into: Record<string, unknown>,
  from: Record<string, unknown> | undefined,
  rename = (key: string): string => key,
): void => {
  for (const key of Object.keys(from ?? {})) {
    const value = from![key]
    if (value !== undefined)
      Object.defineProperty(into, rename(key), { value, enumerable: true, writable: true, configurable: true })
  }
}
