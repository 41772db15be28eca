/**
 * The ndjson engine's index: one segment per day file, in `.dashboard-index/`
 * beside the day files. A segment holds the file's events as numbered columns
 * (the fields the dashboard reads, the event id as a 64-bit hash) and how many
 * bytes of the file it covers; it is only ever a copy of what the file holds,
 * and goes when the file goes.
 *
 * Layout: a JSON header line (`{ v, size, count, strings, scopes, installs,
 * sessions }`, the file's own dictionaries), then little-endian columns: ts
 * (f64), hash hi and lo (u32), path, from, name, version, scope, install,
 * session (i32, -1 for none), type (u8).
 */
import type { Table } from './table.js'

const VERSION = 1
const INT_COLUMNS = ['path', 'from', 'name', 'version', 'scope', 'install', 'session'] as const

/** A segment read from disk: its header and the byte size of the file it covers. */
export interface Segment {
  size: number
  count: number
}

/** The number of events a segment says it holds (0 when it is not one). */
export const countOf = (bytes: Buffer): number => {
  const count = /"count":(\d+)/.exec(bytes.toString('latin1', 0, Math.min(bytes.length, 200)))?.[1]
  return count ? Number(count) : 0
}

/** Encodes the events `indices` of the table (one file's) as a segment covering `size` bytes. */
export const encode = (table: Table, indices: Int32Array, count: number, size: number): Buffer => {
  const strings = new Map<number, number>()
  const scopes = new Map<number, number>()
  const installs = new Map<number, number>()
  const sessions = new Map<number, number>()
  const local = (map: Map<number, number>, id: number): number => {
    if (id < 0) return -1
    let at = map.get(id)
    if (at === undefined) map.set(id, (at = map.size))
    return at
  }
  const ts = new Float64Array(count)
  const hi = new Uint32Array(count)
  const lo = new Uint32Array(count)
  const ints = INT_COLUMNS.map(() => new Int32Array(count))
  const type = new Uint8Array(count)
  for (let j = 0; j < count; j++) {
    const i = indices[j]
    ts[j] = table.ts[i]
    hi[j] = table.hashHi[i]
    lo[j] = table.hashLo[i]
    ints[0][j] = local(strings, table.path[i])
    ints[1][j] = local(strings, table.from[i])
    ints[2][j] = local(strings, table.name[i])
    ints[3][j] = local(strings, table.version[i])
    ints[4][j] = local(scopes, table.scope[i])
    ints[5][j] = local(installs, table.install[i])
    ints[6][j] = local(sessions, table.session[i])
    type[j] = table.type[i]
  }
  const values = (map: Map<number, number>, all: string[]): string[] => [...map.keys()].map(id => all[id])
  const header = JSON.stringify({
    v: VERSION,
    size,
    count,
    strings: values(strings, table.strings.values),
    scopes: values(scopes, table.scopes.values),
    installs: values(installs, table.installs.values),
    sessions: values(sessions, table.sessions.values),
  })
  // the header is padded so that the columns start on an 8-byte boundary
  let head = Buffer.from(header + '\n')
  const pad = (8 - (head.length % 8)) % 8
  if (pad) head = Buffer.from(header + ' '.repeat(pad) + '\n')
  const bytes = (view: ArrayBufferView): Buffer => Buffer.from(view.buffer, view.byteOffset, view.byteLength)
  return Buffer.concat([head, bytes(ts), bytes(hi), bytes(lo), ...ints.map(bytes), bytes(type)])
}

/**
 * Adds a segment's events to the table; returns what it covers and the
 * table indices of its events, or undefined when the bytes are not a segment
 * of this version (then the file is parsed instead).
 */
export const decode = (table: Table, bytes: Buffer): (Segment & { indices: Int32Array }) | undefined => {
  try {
    const newline = bytes.indexOf(0x0a)
    if (newline < 0) return undefined
    const header = JSON.parse(bytes.toString('utf8', 0, newline)) as {
      v: number
      size: number
      count: number
      strings: string[]
      scopes: string[]
      installs: string[]
      sessions: string[]
    }
    const { count } = header
    if (header.v !== VERSION || !(count >= 0) || (newline + 1) % 8) return undefined
    if (bytes.length !== newline + 1 + count * (8 + 4 * 2 + 4 * INT_COLUMNS.length + 1)) return undefined
    const buffer = bytes.buffer
    let at = bytes.byteOffset + newline + 1
    const take = <T>(Type: new (buffer: ArrayBufferLike, offset: number, length: number) => T, size: number): T => {
      const view = new Type(buffer, at, count)
      at += count * size
      return view
    }
    // a Buffer from readFile may share a pool: copy when the offset is not aligned
    if (at % 8) return decode(table, Buffer.from(bytes))
    const ts = take(Float64Array, 8)
    const hi = take(Uint32Array, 4)
    const lo = take(Uint32Array, 4)
    const ints = INT_COLUMNS.map(() => take(Int32Array, 4))
    const type = take(Uint8Array, 1)
    const map = (values: string[], id: (value: string) => number): Int32Array => Int32Array.from(values, id)
    const strings = map(header.strings, value => table.strings.id(value))
    const scopes = map(header.scopes, value => table.scopes.id(value))
    const installs = map(header.installs, value => table.installs.id(value))
    const sessions = map(header.sessions, value => table.sessions.id(value))
    const remap = (column: Int32Array, ids: Int32Array): Int32Array =>
      column.map(local => (local < 0 ? -1 : ids[local]))
    const indices = table.append(
      count,
      ts,
      type,
      remap(ints[0], strings),
      remap(ints[1], strings),
      remap(ints[2], strings),
      remap(ints[4], scopes),
      remap(ints[3], strings),
      remap(ints[5], installs),
      remap(ints[6], sessions),
      hi,
      lo,
    )
    return { size: header.size, count, indices }
  } catch {
    return undefined
  }
}
