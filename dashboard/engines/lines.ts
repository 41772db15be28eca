/**
 * Stored lines into the table: each complete line of a day file read as
 * JSON, its fields taken as the dashboard reads them (a missing or
 * non-string field is `''`), and added. A line no JSON parser reads, or
 * without a string `id` and a number `ts`, is no event.
 */
import type { StoredEvent } from '../../collector/types.js'
import type { EventFields, Table } from './table.js'

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

/** A parsed line's fields, or undefined when it is no event. */
const fieldsOf = (line: Line | undefined): EventFields | undefined => {
  if (!line || typeof line !== 'object' || typeof line.id !== 'string' || typeof line.ts !== 'number') return undefined
  const app = typeof line.app === 'object' && line.app !== null ? line.app : {}
  return {
    id: line.id,
    type: text(line.type),
    ts: line.ts,
    path: text(line.path),
    from: text(line.from),
    name: text(line.name),
    app: text(app.name),
    env: text(app.env),
    version: text(app.version),
    install: text(line.anonymousId),
    session: text(line.sessionId),
  }
}

/** A stored event's fields, as its line reads. */
export const storedFields = (event: StoredEvent): EventFields | undefined => fieldsOf(event as unknown as Line)

/**
 * Adds the complete lines of `bytes[start, end)` to the table, calling
 * `added` with each event's index; returns where the last complete line
 * ends (a torn last line waits for its end).
 */
export const addLines = (
  table: Table,
  bytes: Buffer,
  start: number,
  end: number,
  added: (index: number) => void,
): number => {
  const last = bytes.lastIndexOf(0x0a, end - 1) + 1
  if (last <= start) return start
  let at = start
  while (at < last) {
    const newline = bytes.indexOf(0x0a, at)
    if (newline > at) {
      let line: Line | undefined
      try {
        line = JSON.parse(bytes.toString('utf8', at, newline)) as Line
      } catch {
        line = undefined // a line no JSON parser reads is no event
      }
      const fields = fieldsOf(line)
      if (fields) added(table.add(fields))
    }
    at = newline + 1
  }
  return last
}

const ID_FIRST = Buffer.from('{"id":"')

/**
 * The event id of the line `bytes[start, end)`, or null when the line is no
 * event. Read from the line's start where the collector puts it (`{"id":"…"`,
 * no escape in it), else by parsing the line.
 */
export const idOfLine = (bytes: Buffer, start: number, end: number): string | null => {
  const from = start + ID_FIRST.length
  if (end > from && bytes.compare(ID_FIRST, 0, ID_FIRST.length, start, from) === 0) {
    const close = bytes.indexOf(0x22, from)
    const escape = bytes.indexOf(0x5c, from)
    if (close > 0 && close < end && (escape < 0 || escape > close)) return bytes.toString('utf8', from, close)
  }
  try {
    return fieldsOf(JSON.parse(bytes.toString('utf8', start, end)) as Line)?.id ?? null
  } catch {
    return null
  }
}
