import { urlAlphabet } from 'nanoid'

/**
 * Random bytes for 256 ids, refilled in place by one `crypto.getRandomValues`
 * call: no call per event (some 15 µs each in Chromium) and no new buffer per
 * refill (each one was external memory for the garbage collector, and the
 * refills were the slowest `track()` calls in Chromium).
 */
const pool = /* @__PURE__ */ new Uint8Array(21 * 256)
let offset = pool.length
const ALPHABET = /* @__PURE__ */ Array.from(urlAlphabet, char => char.charCodeAt(0))
const codes: number[] = /* @__PURE__ */ Array(21).fill(0)

/**
 * A random nanoid (21 characters of `A-Za-z0-9_-`, 126 bits): event ids,
 * install and session ids. Never derived from the user or the device.
 *
 * @example
 * ```ts
 * newId() // 'V1StGXR8_Z5jdHi6B-myT'
 * ```
 */
export const newId = (): string => {
  if (offset + 21 > pool.length) {
    crypto.getRandomValues(pool)
    offset = 0
  }
  for (let i = 0; i < 21; i++) codes[i] = ALPHABET[pool[offset++]! & 63]!
  // one string, not the 20 intermediate ones that `id += char` leaves to the garbage collector
  return String.fromCharCode.apply(null, codes)
}
