/**
 * The ndjson engine: the collector's day files read into memory (table.ts),
 * with an index of one segment per file kept beside them (segments.ts) so
 * that a restart reads columns instead of parsing JSON. The files are only
 * read: new lines are picked up before a question (at most every
 * `refreshMs`), a file that shrank or went is read again from the index or
 * from scratch, and its segment follows it.
 */
import type { Engine, Selection } from '../engine.js'
import { checkNumber, checkString, setupError } from '../../collector/check.js'
import * as scan from './scan.js'
import { countOf, decode, encode } from './segments.js'
import { hashId, Table } from './table.js'

/** Options of {@link ndjsonEngine}. */
export interface NdjsonEngineOptions {
  /** The ndjson store's directory (`events-YYYY-MM-DD.ndjson`). */
  dir: string
  /** Keep the index in `dir/.dashboard-index/` (default `true`); `false` parses the files at every start. */
  index?: boolean
  /** New lines are read at most this often, in ms (default 1000), and no more often than 20 times the last re-sort took: answers lag the store by up to this much. 0: before every question. */
  refreshMs?: number
}

const FILE = /^events-(\d{4}-\d{2}-\d{2})\.ndjson$/
const INDEX = '.dashboard-index'

/** What the engine knows of one day file. */
interface Part {
  /** bytes read (up to the last complete line) */
  size: number
  indices: Int32Array
  count: number
  /** bytes covered by the segment on disk (0: none) */
  saved: number
}

type Fs = typeof import('node:fs/promises')

/** The fields of a stored line the dashboard reads. */
interface Line {
  id?: unknown
  type?: unknown
  ts?: unknown
  path?: unknown
  from?: unknown
  name?: unknown
  app?: { name?: unknown; version?: unknown; env?: unknown }
  anonymousId?: unknown
  sessionId?: unknown
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '')

/**
 * The ndjson engine, over the directory of an ndjson store.
 *
 * @example
 * ```ts
 * import { createDashboard, ndjsonEngine } from 'spa-telemetry/dashboard'
 *
 * const dashboard = createDashboard({ engine: ndjsonEngine({ dir: './events' }) })
 * ```
 */
export const ndjsonEngine = (options: NdjsonEngineOptions): Engine => {
  if (typeof options !== 'object' || options === null) throw setupError('ndjsonEngine options', options, '{ dir }')
  const dir = checkString('dir', options.dir, 'the directory of an ndjson store')
  const useIndex = options.index ?? true
  if (typeof useIndex !== 'boolean') throw setupError('index', useIndex, 'true or false')
  const refreshMs = checkNumber('refreshMs', options.refreshMs ?? 1000, 0, 3_600_000, false)
  let fs: Fs
  let join: (...parts: string[]) => string
  let table = new Table()
  let parts = new Map<string, Part>()
  let opening: Promise<void> | undefined
  let refreshing: Promise<void> | undefined
  let lastRefresh = 0
  let saveTimer: ReturnType<typeof setTimeout> | undefined

  const indexPath = (name: string): string => join(dir, INDEX, name.replace(/\.ndjson$/, '.segment'))

  /** Parses the complete lines of `bytes` into the table; returns the bytes consumed. */
  const parse = (bytes: Buffer, part: Part): number => {
    const end = bytes.lastIndexOf(0x0a) + 1
    let start = 0
    while (start < end) {
      const newline = bytes.indexOf(0x0a, start)
      if (newline > start) {
        let line: Line | undefined
        try {
          line = JSON.parse(bytes.toString('utf8', start, newline)) as Line
        } catch {
          line = undefined // a line no JSON parser reads is no event
        }
        if (line && typeof line.id === 'string' && typeof line.ts === 'number') {
          const app = typeof line.app === 'object' && line.app !== null ? line.app : {}
          const at = table.add(
            { id: line.id, type: text(line.type), ts: line.ts, path: text(line.path), from: text(line.from), name: text(line.name), app: text(app.name), env: text(app.env), version: text(app.version), install: text(line.anonymousId), session: text(line.sessionId) },
            hashId(line.id),
          )
          if (part.count >= part.indices.length) {
            const next = new Int32Array(Math.max(1024, part.indices.length * 2))
            next.set(part.indices)
            part.indices = next
          }
          part.indices[part.count++] = at
        }
      }
      start = newline + 1
    }
    return end
  }

  /** Reads a file from `from` bytes on. */
  const readFrom = async (name: string, from: number): Promise<Buffer> => {
    const handle = await fs.open(join(dir, name), 'r')
    try {
      const { size } = await handle.stat()
      const bytes = Buffer.alloc(Math.max(0, size - from))
      let read = 0
      while (read < bytes.length) {
        const { bytesRead } = await handle.read(bytes, read, bytes.length - read, from + read)
        if (!bytesRead) break
        read += bytesRead
      }
      return bytes.subarray(0, read)
    } finally {
      await handle.close()
    }
  }

  /** Loads every day file into a fresh table: from its segment where it has one, then its new lines. */
  const load = async (): Promise<void> => {
    const next = new Table()
    const nextParts = new Map<string, Part>()
    const previous = table
    table = next
    try {
      const names = (await fs.readdir(dir)).filter(name => FILE.test(name)).sort()
      const segments = useIndex ? await Promise.all(names.map(name => fs.readFile(indexPath(name)).catch(() => undefined))) : []
      next.reserve(segments.reduce((sum, bytes) => sum + (bytes ? countOf(bytes) : 0), 0))
      for (const [n, name] of names.entries()) {
        const part: Part = { size: 0, indices: new Int32Array(0), count: 0, saved: 0 }
        const bytes = segments[n]
        const segment = bytes && decode(next, bytes)
        if (segment) Object.assign(part, { size: segment.size, indices: segment.indices, count: segment.count, saved: segment.size })
        const rest = await readFrom(name, part.size)
        const { size } = await fs.stat(join(dir, name))
        if (size < part.size) {
          // the file shrank under its segment (rewritten): start this load again without it
          await fs.rm(indexPath(name), { force: true })
          return await load()
        }
        part.size += parse(rest, part)
        nextParts.set(name, part)
      }
      parts = nextParts
    } catch (error) {
      table = previous
      throw error
    }
    if (useIndex) await removeOrphans()
    scheduleSave(0)
  }

  /** Segments whose day file is gone are deleted: the index never holds more than the store. */
  const removeOrphans = async (): Promise<void> => {
    const names = await fs.readdir(join(dir, INDEX)).catch(() => [] as string[])
    for (const name of names) {
      const source = name.replace(/\.segment$/, '.ndjson')
      if (!parts.has(source)) await fs.rm(join(dir, INDEX, name), { force: true })
    }
  }

  /** Writes the segments that cover less than what was read (atomically: a temporary file renamed). */
  let saving: Promise<void> = Promise.resolve()
  const save = (): Promise<void> => (saving = saving.catch(() => {}).then(write))
  const write = async (): Promise<void> => {
    if (!useIndex) return
    await fs.mkdir(join(dir, INDEX), { recursive: true })
    for (const [name, part] of parts) {
      if (part.saved === part.size) continue
      const target = indexPath(name)
      const temporary = `${target}.${process.pid}.tmp`
      await fs.writeFile(temporary, encode(table, part.indices, part.count, part.size))
      await fs.rename(temporary, target)
      part.saved = part.size
    }
  }

  const scheduleSave = (delay: number): void => {
    if (!useIndex || saveTimer) return
    saveTimer = setTimeout(() => {
      saveTimer = undefined
      save().catch(() => {}) // the index is a cache: a failed write is read from the files next time
    }, delay)
    saveTimer.unref?.()
  }

  /** Reads what the files gained since the last look; a file gone or shrunk reloads everything. */
  const refresh = async (): Promise<void> => {
    const names = (await fs.readdir(dir)).filter(name => FILE.test(name)).sort()
    if ([...parts.keys()].some(name => !names.includes(name))) return load()
    for (const name of names) {
      const part = parts.get(name) ?? { size: 0, indices: new Int32Array(0), count: 0, saved: 0 }
      const { size } = await fs.stat(join(dir, name))
      if (size < part.size) return load()
      if (size === part.size) continue
      part.size += parse(await readFrom(name, part.size), part)
      parts.set(name, part)
      scheduleSave(30_000)
    }
  }

  const open = (): Promise<void> =>
    (opening ??= (async () => {
      fs = await import('node:fs/promises')
      join = (await import('node:path')).join
      await load()
      lastRefresh = Date.now()
      table.inOrder()
    })().catch(error => {
      opening = undefined
      throw error
    }))

  /** How long the last re-sort took: new lines are read at most every 20 such (≤ 5% of a core on re-sorting while much arrives). */
  let sortMs = 0
  /** Opens, refreshes when due, then answers. */
  const ready = async (): Promise<Table> => {
    await open()
    if (refreshMs === 0 || Date.now() - lastRefresh >= Math.max(refreshMs, 20 * sortMs)) {
      refreshing ??= refresh()
        .then(() => {
          const started = performance.now()
          table.inOrder()
          sortMs = performance.now() - started
        })
        .finally(() => {
          refreshing = undefined
          lastRefresh = Date.now()
        })
      await refreshing
    }
    return table
  }

  // the scopes of the table as it was last asked (a full scan: asked by every question for its default)
  let scoped: { table: Table; size: number; value: ReturnType<typeof scan.scopes> } | undefined
  // the last funnel's sessions, for the funnelUnions that follows it
  let reached: { id: string; value: ReturnType<typeof scan.reach> } | undefined
  const reach = (current: Table, selection: Selection, steps: Parameters<typeof scan.reach>[2]): ReturnType<typeof scan.reach> => {
    const id = JSON.stringify([selection, steps, current.size])
    if (reached?.id !== id) reached = { id, value: scan.reach(current, selection, steps) }
    return reached.value
  }

  return {
    open,
    atoms: async (selection, key, unit, sessions) => scan.atoms(await ready(), selection, key, unit, sessions ?? true),
    unions: async (selection, key, k, byVersion, sessions) => scan.unions(await ready(), selection, key, k, byVersion, sessions ?? true),
    hourRests: async (selection, key, k) => scan.hourRests(await ready(), selection, key, k),
    funnel: async (selection, steps) => scan.funnel(reach(await ready(), selection, steps), steps.length),
    funnelUnions: async (selection, steps, released) => scan.funnelUnions(reach(await ready(), selection, steps), steps.length, released),
    scopes: async () => {
      const current = await ready()
      if (scoped?.table !== current || scoped.size !== current.size) scoped = { table: current, size: current.size, value: scan.scopes(current) }
      return scoped.value
    },
    close: async () => {
      if (saveTimer) clearTimeout(saveTimer)
      saveTimer = undefined
      if (opening) {
        await opening.catch(() => {})
        await save().catch(() => {})
      }
      opening = undefined
      table = new Table()
      parts = new Map()
    },
  }
}
