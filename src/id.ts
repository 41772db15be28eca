import { customRandom, urlAlphabet } from 'nanoid'

/** Random bytes for 256 ids at a time: one `crypto.getRandomValues` call (some 15 µs in Chromium) instead of one per event. */
const POOL = 21 * 256
let pool = new Uint8Array(0)
let offset = POOL

const randomBytes = (size: number): Uint8Array => {
  if (offset + size > POOL) {
    pool = crypto.getRandomValues(new Uint8Array(POOL))
    offset = 0
  }
  return pool.subarray(offset, (offset += size))
}

/**
 * A random nanoid (21 characters of `A-Za-z0-9_-`, 126 bits): event ids,
 * install and session ids. Never derived from the user or the device.
 *
 * @example
 * ```ts
 * newId() // 'V1StGXR8_Z5jdHi6B-myT'
 * ```
 */
export const newId: () => string = customRandom(urlAlphabet, 21, randomBytes)
