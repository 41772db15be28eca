/**
 * Reading a request's body within the collector's limits: at most `max` bytes,
 * within `timeoutMs`, as the same text whatever the framing (Content-Length or
 * chunked) and whatever the runtime's `Request#text()`.
 */
import { Refusal } from './refusal.js'

const utf8 = new TextDecoder()

const tooSlow = (timeoutMs: number): Refusal =>
  new Refusal(408, `body not received within ${timeoutMs} ms`, { connection: 'close' })
const tooLarge = (max: number): Refusal => new Refusal(413, `body over ${max} bytes`, { connection: 'close' })

/**
 * Leading byte order marks dropped. `Request#text()` strips one in browsers'
 * fetch, undici, Deno and Bun (WHATWG "UTF-8 decode"), none in srvx's Node fast
 * path, and `TextDecoder` strips one: dropping every leading U+FEFF is the one
 * rule under which a body gets the same answer in every runtime and framing.
 * A BOM carries no data (RFC 8259 lets a parser ignore it).
 */
const withoutBom = (text: string): string => {
  let start = 0
  while (text.charCodeAt(start) === 0xfeff) start++
  return start ? text.slice(start) : text
}

const concat = (chunks: Uint8Array[], size: number): Uint8Array => {
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return bytes
}

/**
 * Reads the body as UTF-8 text (invalid bytes become U+FFFD, as `Request#text`
 * does), never keeping more than `max` bytes; a body that does not finish
 * within `timeoutMs` is a 408. A declared `Content-Length` over `max` is refused
 * before reading; within it, the server's HTTP framing stops the body at that
 * length, so it is read in one call (`text()`, the fast path of Node adapters).
 * Without one (chunked), bytes are counted as they stream.
 *
 * @example
 * ```ts
 * const text = await readBody(request, 65_536, 10_000) // or throws a Refusal (408, 413, 400)
 * ```
 */
export const readBody = async (request: Request, max: number, timeoutMs: number): Promise<string> => {
  const declared = request.headers.get('content-length')
  if (declared !== null && !(Number(declared) <= max)) throw tooLarge(max)
  let timer: ReturnType<typeof setTimeout> | undefined
  // (request.body is not touched on this path: adapters such as srvx then read the socket directly)
  if (declared !== null) {
    const body = request.text()
    body.catch(() => {}) // after a 408, the connection closes under it
    try {
      const text = await Promise.race([
        body,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(tooSlow(timeoutMs)), timeoutMs))),
      ])
      // a Request made in code can declare less than its stream holds: refused, as the network cannot do it
      if (text.length > max) throw tooLarge(max)
      return withoutBom(text)
    } catch (error) {
      throw error instanceof Refusal ? error : new Refusal(400, 'body could not be read')
    } finally {
      clearTimeout(timer)
    }
  }
  if (!request.body) return ''
  const reader = request.body.getReader()
  let timedOut = false
  timer = setTimeout(() => {
    timedOut = true
    reader.cancel().catch(() => {})
  }, timeoutMs)
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (timedOut) throw tooSlow(timeoutMs)
      if (done) break
      size += value.byteLength
      if (size > max) {
        reader.cancel().catch(() => {})
        throw tooLarge(max)
      }
      chunks.push(value)
    }
  } catch (error) {
    if (error instanceof Refusal) throw error
    if (timedOut) throw tooSlow(timeoutMs)
    throw new Refusal(400, 'body could not be read')
  } finally {
    clearTimeout(timer)
  }
  return withoutBom(utf8.decode(chunks.length === 1 ? chunks[0] : concat(chunks, size)))
}
