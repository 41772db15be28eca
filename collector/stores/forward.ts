/**
 * What the forwarding stores share: validated events sent on to another
 * pipeline's HTTP API, in calls within its size limits, each retried on no
 * answer, 408, 429 (after `Retry-After`) and 5xx with back-off, the whole
 * write held to a deadline so that the browser's request is answered in time,
 * and a ledger of the events the destination took so that a retry never gives
 * it one twice. The key stays in the request; no message ever holds it.
 */
import { checkNumber, setupError } from '../check.js'
import { createDedupe } from '../dedupe.js'
import type { Store, StoredEvent } from '../types.js'
import { utf8Length } from './destination.js'
import type { Destination } from './destination.js'
import { classify, retryDelay } from './retry.js'

/** Options every forwarding store takes. */
export interface ForwardOptions {
  /**
   * The longest a write may take, waits and retries included (default 10000 ms):
   * past it the collector answers 503 and the browser sends the events again
   * later (its own requests give up after 30 s).
   */
  timeoutMs?: number
  /**
   * Told of events the destination refused one by one (400 or 413 for a call
   * of that single event): they are not sent there again. Default:
   * `console.error` of the message. Messages never hold the key.
   */
  onError?: (error: Error) => void
}

/** How many calls of one store are in flight at once. */
const CONCURRENCY = 4
/** Event ids remembered as taken by the destination, as the collector's own window. */
const WINDOW = 100_000

interface Encoded {
  id: string
  text: string
  bytes: number
}

interface Waiting {
  events: StoredEvent[]
  deadline: number
  resolve: () => void
  reject: (error: unknown) => void
  timer?: ReturnType<typeof setTimeout>
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

const utf8 = new TextDecoder()

/** The start of an answer's body (its first KB, enough for a reason): a destination cannot make the collector hold a large body. */
const start = async (response: Response): Promise<string> => {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < 1024) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } catch {
    // a body cut off: what arrived is enough
  } finally {
    reader.cancel().catch(() => {})
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return utf8.decode(bytes.subarray(0, 1024))
}

/**
 * A store that forwards to `destination`. Writes that arrive while a call is
 * out wait (their deadline running) and go together in the next calls.
 *
 * @example
 * ```ts
 * const store = forwardStore(destination, { timeoutMs: 5000 })
 * await store.write(events) // taken by the destination, or rejected by the deadline
 * ```
 */
export const forwardStore = (destination: Destination, options: ForwardOptions): Store => {
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? 10_000, 1, 600_000, false)
  if (options.onError !== undefined && typeof options.onError !== 'function')
    throw setupError('onError', options.onError, 'a function')
  const { name, secrets } = destination
  const where = (() => {
    const url = new URL(destination.url)
    return url.origin + url.pathname
  })()
  const onError = options.onError ?? ((error: Error) => console.error(error.message))

  /** Text from a destination or the network, fit for a message: no key, no control characters, short. */
  const clean = (text: string): string => {
    let shown = text
    for (const secret of secrets) if (secret) shown = shown.split(secret).join('[key]')
    return shown
      .replace(/\p{Cc}+/gu, ' ')
      .trim()
      .slice(0, 200)
  }
  const failure = (text: string): Error => new Error(`[spa-telemetry] ${name}: ${clean(text)}`)
  const report = (text: string): void => {
    try {
      onError(failure(text))
    } catch {
      // a reporter that throws changes nothing
    }
  }

  // the ids the destination took (or refused alone): a retried write skips them
  const taken = createDedupe(WINDOW)
  const missing = (events: StoredEvent[]): StoredEvent[] => {
    const claim = taken.claim(events.map(event => event.id))
    claim.settle(false) // only asked, nothing claimed
    return events.filter((_, i) => claim.fresh[i])
  }

  const encode = (event: StoredEvent): Encoded | undefined => {
    let text = destination.encode(event, false)
    let bytes = utf8Length(text)
    if (bytes > destination.maxEventBytes) {
      text = destination.encode(event, true)
      bytes = utf8Length(text)
      if (bytes > destination.maxEventBytes) {
        report(`event ${event.id} is over ${destination.maxEventBytes} bytes even without its props: not sent`)
        taken.seed([event.id])
        return undefined
      }
      report(`event ${event.id} is over ${destination.maxEventBytes} bytes: sent without its props`)
    }
    return { id: event.id, text, bytes }
  }

  /** The calls for these events: within the count and byte limits of one call. */
  const calls = (events: Encoded[]): Encoded[][] => {
    const envelope = utf8Length(destination.wrap('', new Date(0).toISOString()))
    const chunks: Encoded[][] = []
    let chunk: Encoded[] = []
    let size = envelope
    for (const event of events) {
      if (
        chunk.length &&
        (chunk.length === destination.maxEvents || size + event.bytes + 1 > destination.maxBatchBytes)
      ) {
        chunks.push(chunk)
        chunk = []
        size = envelope
      }
      chunk.push(event)
      size += event.bytes + 1
    }
    if (chunk.length) chunks.push(chunk)
    return chunks
  }

  /** One call, retried until it is taken, split, failed, or out of time. */
  const call = async (events: Encoded[], deadline: number): Promise<{ verdict: 'sent' | 'split'; answer: string }> => {
    for (let failures = 0; ; failures++) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw failure(`${where}: no answer within the write's ${timeoutMs} ms`)
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(), remaining)
      let status = 0
      let answer: string
      let retryAfter: string | null = null
      try {
        const response = await fetch(destination.url, {
          method: 'POST',
          headers: destination.headers,
          body: destination.wrap(events.map(event => event.text).join(','), new Date().toISOString()),
          signal: controller.signal,
          redirect: 'manual', // a redirect is a wrong URL, and the key would follow it
        })
        status = response.status
        retryAfter = response.headers.get('retry-after')
        const text = await start(response)
        answer = `answered ${status}${text.trim() ? ` (${clean(text).slice(0, 120)})` : ''}`
      } catch (error) {
        const cause = (error as { cause?: { message?: unknown } }).cause?.message
        answer = controller.signal.aborted
          ? `no answer within the write's ${timeoutMs} ms`
          : `no answer (${String(cause ?? (error as Error).message)})`
      } finally {
        clearTimeout(timer)
      }
      const verdict = classify(status)
      if (verdict === 'sent' || verdict === 'split') return { verdict, answer }
      if (verdict === 'fail')
        throw failure(
          `${where} ${answer}${status === 401 || status === 403 ? ': check the key' : status >= 300 && status < 400 ? ': redirects are not followed, check the URL' : ''}`,
        )
      const wait = retryDelay(failures, retryAfter, Math.random())
      if (Date.now() + wait >= deadline)
        throw failure(
          `${where} ${answer}; ${retryAfter ? `asked to wait ${Math.ceil(wait / 1000)} s, past` : 'no time left before'} the write's deadline (${timeoutMs} ms)`,
        )
      await sleep(wait)
    }
  }

  /** A call's events: taken, or split in halves until each part is taken or an event is refused alone. */
  const send = async (events: Encoded[], deadline: number): Promise<void> => {
    const { verdict, answer } = await call(events, deadline)
    if (verdict === 'split' && events.length > 1) {
      const half = Math.ceil(events.length / 2)
      await send(events.slice(0, half), deadline)
      await send(events.slice(half), deadline)
      return
    }
    if (verdict === 'split') report(`${where} refused event ${events[0].id}: ${answer}; it is not sent there again`)
    taken.seed(events.map(event => event.id))
  }

  /** A group's events, in calls sent a few at a time; the first failure fails the group (what was taken stays taken). */
  const deliver = async (events: StoredEvent[], deadline: number): Promise<void> => {
    const encoded = missing(events).flatMap(event => encode(event) ?? [])
    const chunks = calls(encoded)
    let failed: { error: unknown } | undefined
    let next = 0
    const worker = async (): Promise<void> => {
      while (!failed && next < chunks.length) {
        const chunk = chunks[next++]
        try {
          await send(chunk, deadline)
        } catch (error) {
          failed ??= { error }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, chunks.length) }, worker))
    if (failed) throw failed.error
  }

  let queue: Waiting[] = []
  let running: Promise<void> | undefined
  const run = async (): Promise<void> => {
    await undefined // the writes of one tick go together
    while (queue.length) {
      const group = queue
      queue = []
      for (const waiting of group) clearTimeout(waiting.timer)
      // one copy of each event, and the group's time is its most pressed writer's
      const events = [...new Map(group.flatMap(waiting => waiting.events).map(event => [event.id, event])).values()]
      try {
        await deliver(events, Math.min(...group.map(waiting => waiting.deadline)))
        for (const waiting of group) waiting.resolve()
      } catch (error) {
        for (const waiting of group) waiting.reject(error)
      }
    }
    running = undefined
  }

  return {
    write: events => {
      const fresh = missing(events)
      if (!fresh.length) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        const waiting: Waiting = { events: fresh, deadline: Date.now() + timeoutMs, resolve, reject }
        // a write still waiting behind others when its time is up is answered now
        waiting.timer = setTimeout(() => {
          const at = queue.indexOf(waiting)
          if (at < 0) return
          queue.splice(at, 1)
          reject(failure(`${where}: earlier calls took the write's ${timeoutMs} ms`))
        }, timeoutMs)
        queue.push(waiting)
        running ??= run()
      })
    },
    close: async () => {
      while (running) await running
    },
  }
}
