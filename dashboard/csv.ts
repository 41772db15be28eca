/**
 * Exports: each answer as the table the page shows beside its chart, in CSV
 * (RFC 4180). The same folded answer as the JSON: an export never holds more.
 */
import { formatDate } from './query.js'
import type { Header, RankedAnswer, VersionRow } from './views.js'

type Cell = string | number | null

/** One CSV field: quoted when needed; a leading `= + - @` is defused for spreadsheets. */
const field = (value: Cell): string => {
  if (value === null) return ''
  let text = String(value)
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

const lines = (rows: Cell[][]): string => rows.map(row => row.map(field).join(',')).join('\r\n') + '\r\n'

/** The label of a bucket: a date, or a date and hour (UTC). */
export const bucketLabel = (at: number, unit: Header['unit']): string =>
  unit === 'day' ? formatDate(at) : new Date(at).toISOString().slice(0, 13).replace('T', ' ') + ':00Z'

const KEY_COLUMNS: Record<string, string[]> = {
  screens: ['screen'],
  actions: ['type', 'name'],
  errors: ['error', 'screen'],
  flows: ['next screen'],
}

/** A ranked answer: key columns, events, installs, then events per bucket; "other" last. */
const rankedCsv = (answer: RankedAnswer): string => {
  const keys = KEY_COLUMNS[answer.view] ?? ['key']
  const head = [...keys, 'events', 'installs', ...answer.buckets.map(at => bucketLabel(at, answer.unit))]
  const rows: Cell[][] = answer.rows.map(row => [...row.key, row.events, row.installs, ...row.trend])
  if (answer.other)
    rows.push([
      `other (${answer.other.rows} rows)`,
      ...keys.slice(1).map(() => ''),
      answer.other.events,
      null,
      ...answer.buckets.map(() => null),
    ])
  return lines([head, ...rows])
}

const versionsCsv = (answer: Header & { rows: VersionRow[] }): string =>
  lines([
    [
      'version',
      'events',
      'installs',
      'sessions',
      ...answer.buckets.flatMap(at => [
        `${bucketLabel(at, answer.unit)} events`,
        `${bucketLabel(at, answer.unit)} installs`,
      ]),
    ],
    ...answer.rows.map(row => [
      row.version,
      row.events,
      row.installs,
      row.sessions,
      ...row.trend.flatMap((events, i) => [events, row.installsTrend[i]]),
    ]),
  ])

/** Any answer of views.ts as CSV. */
export const toCsv = (answer: Header & Record<string, unknown>): string => {
  switch (answer.view) {
    case 'versions':
      return versionsCsv(answer as unknown as Header & { rows: VersionRow[] })
    case 'installs': {
      const a = answer as unknown as Header & { installs: Cell[]; sessions: Cell[]; events: number[] }
      return lines([
        ['bucket', 'installs', 'sessions', 'events'],
        ...a.buckets.map((at, i): Cell[] => [bucketLabel(at, a.unit), a.installs[i], a.sessions[i], a.events[i]]),
      ])
    }
    case 'funnel': {
      const a = answer as unknown as Header & {
        steps: { type: string; value: string }[]
        total: { sessions: number; installs: number | null }[]
        byVersion: { version: string; steps: { sessions: number; installs: number | null }[] }[]
      }
      const rows: Cell[][] = [['version', 'step', 'type', 'value', 'sessions', 'installs']]
      for (const [version, steps] of [
        ['all', a.total] as const,
        ...a.byVersion.map(v => [v.version, v.steps] as const),
      ]) {
        steps.forEach((step, i) =>
          rows.push([version, i + 1, a.steps[i].type, a.steps[i].value, step.sessions, step.installs]),
        )
      }
      return lines(rows)
    }
    default:
      return rankedCsv(answer as unknown as RankedAnswer)
  }
}
