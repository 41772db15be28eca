/**
 * The ndjson engine: the collector's day files read into memory (table.ts),
 * with day aggregates kept up to date as events arrive (cube.ts), and an
 * index of one segment per file beside them (segments.ts), so that a restart
 * reads columns instead of parsing JSON. The files are only read: new lines
 * are picked up before a question (at most every `refreshMs`), or handed
 * over by the collector as it stores them (`ingest`, which the command
 * wires), a file that shrank or went is read again from the index or from
 * scratch, and its segment follows it.
 */
import type { StoredEvent } from '../../collector/types.js'
import type { Engine, FlowResidual, KeyColumn, Selection } from '../engine.js'
import { clampTs } from '../engine.js'
import { checkNumber, checkString, setupError } from '../../collector/check.js'
import * as answers from './answers.js'
import * as funnels from './funnel.js'
import { addLines, idOfLine, storedFields } from './lines.js'
import * as scan from './scan.js'
import { countOf, decode, encode } from './segments.js'
import { hashId, Table } from './table.js'

/** Options of {@link ndjsonEngine}. */
export interface NdjsonEngineOptions {
  /** The ndjson store's directory (`events-YYYY-MM-DD.ndjson`). */
  dir: string
  /** Keep the index in `dir/.dashboard-index/` (default `true`); `false` parses the files at every start. */
  index?: boolean
  /** New lines are read at most this often, in ms (default 1000): answers lag the store by up to this much, unless the collector hands them over (`ingest`). 0: before every question. */
  refreshMs?: number
}

/** The ndjson engine: an {@link Engine} that also takes the events the collector stores into this directory. */
export interface NdjsonEngine extends Engine {
  /**
   * The events the collector in this process just stored in this directory
   * (its `onStored`): counted at once, without reading them back from the
   * files. The command wires it. Before the first question, ignored (they
   * are read from the files).
   */
  ingest(events: readonly StoredEvent[]): void
}

const FILE = /^events-(\d{4}-\d{2}-\d{2})\.ndjson$/
const INDEX = '.dashboard-index'
/** Bytes of lines parsed between two yields to the event loop (about 20,000 lines). */
const SLICE_BYTES = 8 * 1024 * 1024

/** What the engine knows of one day file. */
interface Part {
  /** bytes counted: read (up to the last complete line), or handed over and found in the file since */
  size: number
  /** events handed over since their lines were last looked for in the file (they follow `size`) */
  handed: number
  /** the table indices of its events */
  indices: Int32Array
  count: number
  /** bytes covered by the segment on disk (0: none) */
  saved: number
}

type Fs = typeof import('node:fs/promises')

const newPart = (): Part => ({ size: 0, handed: 0, indices: new Int32Array(0), count: 0, saved: 0 })
const push = (part: Part, index: number): void => {
  if (part.count >= part.indices.length) {
    const next = new Int32Array(Math.max(1024, part.indices.length * 2))
    next.set(part.indices)
    part.indices = next
  }
  part.indices[part.count++] = index
}
const yieldToLoop = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

/**
 * The ndjson engine, over the directory of an ndjson store.
 *
 * @example
 * ```ts
 * import { createDashboard, ndjsonEngine } from 'spa-telemetry/dashboard'
 *
 * const dashboard = createDashboard({ store: ndjsonEngine({ dir: './events' }) })
 * ```
 */
export const ndjsonEngine = (options: NdjsonEngineOptions): NdjsonEngine => {
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
  let opened = false
  let refreshing: Promise<void> | undefined
  let lastRefresh = 0
  let saveTimer: ReturnType<typeof setTimeout> | undefined
  /** events handed over while loading: counted once it is done */
  let waiting: StoredEvent[] = []
  let loading = false
  /** set once events are handed over: then new bytes in the files are theirs, not read again */
  let fed = false

  const indexPath = (name: string): string => join(dir, INDEX, name.replace(/\.ndjson$/, '.segment'))

  /** Adds the complete lines of `bytes` to a part, yielding to the event loop between slices; returns the bytes consumed. */
  const parse = async (bytes: Buffer, part: Part): Promise<number> => {
    const last = bytes.lastIndexOf(0x0a) + 1
    for (let at = 0; at < last;) {
      const end = at + SLICE_BYTES >= last ? last : bytes.indexOf(0x0a, at + SLICE_BYTES - 1) + 1
      at = addLines(table, bytes, at, end, index => push(part, index))
      if (at < last) await yieldToLoop()
    }
    return last
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

  /** The day files, sorted; none while the directory does not exist (the store makes it at its first event). */
  const dayFiles = async (): Promise<string[]> => {
    const names = await fs.readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[]
      throw error
    })
    return names.filter(name => FILE.test(name)).sort()
  }

  /** Loads every day file into a fresh table: from its segment where it has one, then its new lines. */
  const load = async (): Promise<void> => {
    loading = true
    try {
      await loadFiles()
    } finally {
      loading = false
    }
    const handed = waiting
    waiting = []
    if (handed.length) take(handed)
  }
  const loadFiles = async (): Promise<void> => {
    const next = new Table()
    const nextParts = new Map<string, Part>()
    const previous = table
    table = next
    try {
      const names = await dayFiles()
      const segments = useIndex
        ? await Promise.all(names.map(name => fs.readFile(indexPath(name)).catch(() => undefined)))
        : []
      const total = segments.reduce((sum, bytes) => sum + (bytes ? countOf(bytes) : 0), 0)
      next.reserve(total)
      next.cube.reserve(total * 2)
      for (const [n, name] of names.entries()) {
        const part = newPart()
        const bytes = segments[n]
        const segment = bytes && decode(next, bytes)
        if (segment)
          Object.assign(part, {
            size: segment.size,
            indices: segment.indices,
            count: segment.count,
            saved: segment.size,
          })
        const rest = await readFrom(name, part.size)
        const { size } = await fs.stat(join(dir, name))
        if (size < part.size) {
          // the file shrank under its segment (rewritten): start this load again without it
          await fs.rm(indexPath(name), { force: true })
          return await loadFiles()
        }
        part.size += await parse(rest, part)
        nextParts.set(name, part)
        await yieldToLoop()
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

  /**
   * Writes the segments that cover less than what was counted (atomically: a
   * temporary file renamed). A segment covers a prefix of its file: the lines
   * of handed-over events are looked for first (each line after what was
   * counted whose event the table holds is counted, up to one it does not:
   * a write under way, another writer), and the segment is written only
   * when the file is exactly what was counted.
   */
  let saving: Promise<void> = Promise.resolve()
  const save = (): Promise<void> => (saving = saving.catch(() => {}).then(write))
  const write = async (): Promise<void> => {
    // nothing to save, and the store's directory is the store's to make (0700: it holds install ids, as segments do)
    if (!useIndex || parts.size === 0) return
    await fs.mkdir(join(dir, INDEX), { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
    let behind = false
    for (const [name, part] of parts) {
      if (part.handed && !(await locate(name, part))) {
        behind = true
        continue
      }
      if (part.saved === part.size || part.handed) continue
      // what is counted now: events handed over while the file is looked at follow it
      const [count, covered] = [part.count, part.size]
      const size = await fs.stat(join(dir, name)).then(
        stat => stat.size,
        () => -1,
      )
      if (size !== covered) {
        behind = true
        continue
      }
      const target = indexPath(name)
      const temporary = `${target}.${process.pid}.tmp`
      await fs.writeFile(temporary, encode(table, part.indices, count, covered), { mode: 0o600 })
      await fs.rename(temporary, target)
      part.saved = covered
    }
    if (behind) scheduleSave(30_000)
  }

  /** Counts into the part's size the lines after it whose events the table holds (or that are no event); true when that reached the file's end. */
  const locate = async (name: string, part: Part): Promise<boolean> => {
    const handed = part.handed
    const tail = await readFrom(name, part.size).catch(() => undefined)
    if (!tail) return false
    let at = 0
    for (let end = tail.indexOf(0x0a); end >= 0; end = tail.indexOf(0x0a, at)) {
      const id = idOfLine(tail, at, end)
      if (id !== null && table.find(...hashId(id)) < 0) break
      at = end + 1
    }
    part.size += at
    if (at < tail.length) return false
    part.handed -= handed
    return true
  }

  const scheduleSave = (delay: number): void => {
    if (!useIndex || saveTimer) return
    saveTimer = setTimeout(() => {
      saveTimer = undefined
      save().catch(() => {}) // the index is a cache: a failed write is read from the files next time
    }, delay)
    saveTimer.unref?.()
  }

  /** Reads what the files gained since the last look (unless the collector hands it over); a file gone or shrunk reloads everything. */
  const refresh = async (): Promise<void> => {
    const names = await dayFiles()
    if ([...parts.keys()].some(name => !names.includes(name))) return load()
    for (const name of names) {
      const part = parts.get(name) ?? newPart()
      const { size } = await fs.stat(join(dir, name))
      if (size < part.size) return load()
      if (size === part.size || (fed && parts.has(name))) continue
      part.size += await parse(await readFrom(name, part.size), part)
      parts.set(name, part)
      scheduleSave(30_000)
    }
  }

  /** Counts handed-over events, each in its day file's part; one already read from the file is not counted again. */
  const take = (events: readonly StoredEvent[]): void => {
    for (const event of events) {
      const fields = storedFields(event)
      if (!fields) continue
      const name = `events-${event.receivedAt.slice(0, 10)}.ndjson`
      let part = parts.get(name)
      if (!part) parts.set(name, (part = newPart()))
      const hash = hashId(fields.id)
      const known = table.find(hash[0], hash[1])
      if (known >= 0 && table.ts[known] === clampTs(fields.ts)) continue // read from the file already
      push(part, table.add(fields, hash))
      part.handed++
    }
    scheduleSave(30_000)
  }

  const open = (): Promise<void> =>
    (opening ??= (async () => {
      fs = await import('node:fs/promises')
      join = (await import('node:path')).join
      await load()
      lastRefresh = Date.now()
      opened = true
      const handed = waiting
      waiting = []
      if (handed.length) take(handed)
    })().catch(error => {
      opening = undefined
      throw error
    }))

  /** Opens, refreshes when due, then answers. */
  const ready = async (): Promise<Table> => {
    await open()
    if (refreshMs === 0 || Date.now() - lastRefresh >= refreshMs) {
      refreshing ??= refresh().finally(() => {
        refreshing = undefined
        lastRefresh = Date.now()
      })
      await refreshing
    }
    return table
  }

  /** A question by the day from the aggregates when a dimension answers it, else by scanning. */
  const byDay = (current: Table, selection: Selection, key: readonly KeyColumn[], sessions: boolean) => {
    const aligned = selection.from % 86_400_000 === 0 && selection.to % 86_400_000 === 0
    return aligned ? answers.plan(current, selection, key, sessions) : undefined
  }

  // the last funnel's sessions, for the funnelUnions that follows it
  let reached: { id: string; value: funnels.Reached } | undefined
  const reach = (current: Table, selection: Selection, steps: Parameters<typeof funnels.reach>[2]): funnels.Reached => {
    const id = JSON.stringify([selection, steps, current.changes])
    if (reached?.id !== id) reached = { id, value: funnels.reach(current, selection, steps) }
    return reached.value
  }

  // the last flow residuals, by the day and the hour (the same whichever screen the Flows view is asked about)
  let residuals: { table: Table; id: string; value: FlowResidual[] }[] = []

  return {
    open,
    atoms: async (selection, key, unit, sessions = true) => {
      const current = await ready()
      const p = unit === 'day' ? byDay(current, selection, key, sessions) : undefined
      if (p === null) return []
      return p ? answers.atoms(current, selection, p, sessions) : scan.atoms(current, selection, key, unit, sessions)
    },
    unions: async (selection, key, k, byVersion, sessions = true, _days, skip) => {
      const current = await ready()
      const p = byDay(current, selection, key, sessions)
      if (p === null) return []
      return p
        ? answers.unions(current, selection, p, k, byVersion, sessions, skip)
        : scan.unions(current, selection, key, k, byVersion, sessions, skip)
    },
    foldedInstalls: async (selection, key, k, version) => {
      const current = await ready()
      const p = byDay(current, selection, key, false)
      if (p === null) return 0
      return p
        ? answers.foldedInstalls(current, selection, p, k, version)
        : scan.foldedInstalls(current, selection, key, k, version)
    },
    hourRests: async (selection, key, k) => scan.hourRests(await ready(), selection, key, k),
    flowResiduals: async (selection, k, unit) => {
      const current = await ready()
      const id = JSON.stringify([selection, k, unit, current.changes])
      const cached = residuals.find(entry => entry.table === current && entry.id === id)
      if (cached) return cached.value
      const aligned = selection.from % 86_400_000 === 0 && selection.to % 86_400_000 === 0
      const byCube = unit === 'day' && aligned && !selection.where && selection.types.join() === 'page'
      const value = byCube
        ? answers.flowResiduals(current, selection, k)
        : scan.flowResiduals(current, selection, k, unit)
      residuals = [{ table: current, id, value }, ...residuals.slice(0, 3)]
      return value
    },
    funnel: async (selection, steps) => funnels.funnel(reach(await ready(), selection, steps), steps.length),
    funnelUnions: async (selection, steps, released) =>
      funnels.funnelUnions(reach(await ready(), selection, steps), steps.length, released),
    scopes: async () => answers.scopes(await ready()),
    ingest: events => {
      if (!events.length) return
      if (!opening) return // not opened yet: the files hold them
      fed = true
      if (loading || !opened) waiting.push(...events)
      else take(events)
    },
    close: async () => {
      if (saveTimer) clearTimeout(saveTimer)
      saveTimer = undefined
      if (opening) {
        await opening.catch(() => {})
        await save().catch(() => {})
      }
      if (saveTimer) clearTimeout(saveTimer)
      saveTimer = undefined
      opening = undefined
      opened = false
      fed = false
      waiting = []
      table = new Table()
      parts = new Map()
      residuals = []
    },
  }
}
