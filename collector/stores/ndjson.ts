/**
 * The embedded store: append-only daily files of one JSON event per line
 * (`events-YYYY-MM-DD.ndjson`, by the UTC day of `receivedAt`), readable with
 * jq or DuckDB. Each group of writes is one append and one fsync.
 */
import type { FileHandle } from 'node:fs/promises'

import { checkString, setupError } from '../check.js'
import { groupWrites } from '../group.js'
import type { Store, StoredEvent } from '../types.js'

/** Options of {@link ndjsonStore}. */
export interface NdjsonStoreOptions {
  /** The directory of the daily files; created if missing. One collector process per directory. */
  dir: string
  /** `fsync` each append before answering (default `true`): a 2xx then survives a power loss, not only a crash of the process. */
  fsync?: boolean
}

const FILE = /^events-(\d{4}-\d{2}-\d{2})\.ndjson$/
/** a line is at most a few KB (a body is at most 64 KiB): a torn last line is within this many bytes of the end */
const TAIL = 256 * 1024

type Fs = typeof import('node:fs/promises')

/** A request's lines for one day's file, encoded. */
interface Chunk {
  day: string
  bytes: Buffer
}

const ID = /^\{"id":"([A-Za-z0-9_-]{21})"/

/** The id of a stored line: it comes first, as the collector writes it; other lines are parsed. */
const idOf = (line: Buffer): string | undefined => {
  if (!line.length) return undefined
  const id = ID.exec(line.toString('latin1', 0, 32))?.[1]
  if (id) return id
  try {
    const parsed = JSON.parse(line.toString('utf8')) as { id?: unknown }
    return typeof parsed.id === 'string' ? parsed.id : undefined
  } catch {
    return undefined
  }
}

/**
 * The ndjson store: the collector's default.
 *
 * @example
 * ```ts
 * import { createCollector, ndjsonStore } from 'spa-telemetry/collector'
 *
 * const collector = createCollector({ store: ndjsonStore({ dir: './events' }) })
 * // jq -c 'select(.type == "page") | .path' events/*.ndjson
 * ```
 */
export const ndjsonStore = (options: NdjsonStoreOptions): Store => {
  if (typeof options !== 'object' || options === null) throw setupError('ndjsonStore options', options, '{ dir }')
  const dir = checkString('dir', options.dir, 'the path of a directory')
  const sync = options.fsync ?? true
  if (typeof sync !== 'boolean') throw setupError('fsync', sync, 'true or false')
  let fs: Fs
  let fsSync: typeof import('node:fs')
  let join: (...parts: string[]) => string
  let file: { day: string; handle: FileHandle; size: number } | undefined
  let opening: Promise<void> | undefined

  const files = async (): Promise<string[]> => (await fs.readdir(dir)).filter(name => FILE.test(name)).sort()

  /** Drops a torn last line (a write the process did not finish: never acknowledged). */
  const repair = async (name: string): Promise<void> => {
    const handle = await fs.open(join(dir, name), 'r+')
    try {
      const { size } = await handle.stat()
      if (!size) return
      const length = Math.min(size, TAIL)
      const buffer = Buffer.alloc(length)
      await handle.read(buffer, 0, length, size - length)
      if (buffer[length - 1] === 0x0a) return
      const newline = buffer.lastIndexOf(0x0a)
      await handle.truncate(newline < 0 ? (size > TAIL ? size - TAIL : 0) : size - length + newline + 1)
      await handle.sync()
    } finally {
      await handle.close()
    }
  }

  const open = (): Promise<void> =>
    (opening ??= (async () => {
      fs = await import('node:fs/promises')
      fsSync = await import('node:fs')
      join = (await import('node:path')).join
      // the events hold install and session ids: for their owner only (a directory that exists keeps its mode)
      await fs.mkdir(dir, { recursive: true, mode: 0o700 })
      for (const name of (await files()).slice(-2)) await repair(name)
    })().catch((error: unknown) => {
      opening = undefined
      throw new Error(
        `[spa-telemetry] ndjson store: could not open ${dir} (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      )
    }))

  const fileFor = async (day: string): Promise<NonNullable<typeof file>> => {
    if (file?.day === day) return file
    const previous = file
    file = undefined
    await previous?.handle.close()
    const handle = await fs.open(join(dir, `events-${day}.ndjson`), 'a', 0o600)
    const { size } = await handle.stat()
    if (size === 0 && sync) {
      // a new file: make its directory entry durable too
      const directory = await fs.open(dir, 'r')
      await directory.sync().finally(() => directory.close())
    }
    return (file = { day, handle, size })
  }

  /**
   * Appends lines to a day's file and syncs it. The append is one synchronous
   * write of the requests' buffers (to the page cache: microseconds, no
   * thread-pool round trip); the fsync is asynchronous: the requests that
   * arrive meanwhile form the next group.
   */
  const append = async (day: string, buffers: Buffer[]): Promise<void> => {
    const target = await fileFor(day)
    let length = 0
    for (const buffer of buffers) length += buffer.length
    try {
      const written = fsSync.writevSync(target.handle.fd, buffers)
      if (written < length) {
        const rest = Buffer.concat(buffers).subarray(written) // a short write: the rest in a loop
        for (let at = 0; at < rest.length;) at += fsSync.writeSync(target.handle.fd, rest, at, rest.length - at)
      }
      if (sync) await target.handle.datasync()
      target.size += length
    } catch (error) {
      // leave no partial or unacknowledged lines behind: they will be retried
      await target.handle.truncate(target.size).catch(() => {})
      throw error
    }
  }

  /**
   * Each request's events are encoded as it arrives (while the previous group
   * syncs), then appended in groups. A group is all or nothing: when a day's
   * append fails, the days appended before it are cut back too, so that the
   * requests written again (alone, after a failed group) leave no line twice.
   */
  const grouped = groupWrites<Chunk>(async chunks => {
    await open()
    const before = new Map<string, number>() // each day's size before this group
    const run = async (day: string, buffers: Buffer[]): Promise<void> => {
      if (!before.has(day)) before.set(day, (await fileFor(day)).size)
      await append(day, buffers)
    }
    let day = chunks[0].day
    try {
      let buffers: Buffer[] = []
      for (const chunk of chunks) {
        if (chunk.day !== day) {
          await run(day, buffers)
          buffers = []
          day = chunk.day
        }
        buffers.push(chunk.bytes)
      }
      await run(day, buffers)
    } catch (error) {
      for (const [day, size] of before) {
        if (file?.day === day) {
          await file.handle.truncate(size).catch(() => {})
          file.size = size
        } else await fs.truncate(join(dir, `events-${day}.ndjson`), size).catch(() => {})
      }
      throw new Error(
        `[spa-telemetry] ndjson store: could not append to ${join(dir, `events-${day}.ndjson`)} (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      )
    }
  })

  /** A request's events as UTF-8 lines, split by day (nearly always one). */
  const toChunks = (events: StoredEvent[]): Chunk[] => {
    const chunks: Chunk[] = []
    let day = events[0].receivedAt.slice(0, 10)
    let lines: string[] = []
    for (const event of events) {
      const eventDay = event.receivedAt.slice(0, 10)
      if (eventDay !== day) {
        chunks.push({ day, bytes: Buffer.from(lines.join('')) })
        lines = []
        day = eventDay
      }
      lines.push(JSON.stringify(event) + '\n')
    }
    chunks.push({ day, bytes: Buffer.from(lines.join('')) })
    return chunks
  }

  return {
    open,
    write: events => (events.length ? grouped.write(toChunks(events), events.length) : Promise.resolve()),
    recentIds: async limit => {
      await open()
      const ids: string[] = [] // newest first
      for (const name of (await files()).reverse()) {
        if (ids.length >= limit) break
        const handle = await fs.open(join(dir, name), 'r')
        try {
          // backwards, a megabyte at a time, until enough ids are read
          let position = (await handle.stat()).size
          let carry = Buffer.alloc(0)
          while (position > 0 && ids.length < limit) {
            const length = Math.min(position, 1024 * 1024)
            position -= length
            const chunk = Buffer.alloc(length)
            await handle.read(chunk, 0, length, position)
            const text = Buffer.concat([chunk, carry])
            let end = text.length
            while (ids.length < limit) {
              const newline = end > 0 ? text.lastIndexOf(0x0a, end - 1) : -1
              if (newline < 0 && position > 0) break // the start of this line is in the previous megabyte
              const id = idOf(text.subarray(newline + 1, end))
              if (id) ids.push(id)
              end = Math.max(newline, 0)
              if (newline < 0) break
            }
            carry = text.subarray(0, end)
          }
        } finally {
          await handle.close()
        }
      }
      return ids.reverse()
    },
    close: async () => {
      await grouped.idle()
      const last = file
      file = undefined
      await last?.handle.close()
    },
  }
}
