/**
 * The page's building blocks: elements made without HTML strings (the page
 * runs under Trusted Types), tables, ranked bars, and uPlot line charts each
 * with a table view of the same numbers.
 */
import uPlot from 'uplot'

type Child = Node | string | number | null | undefined | false
type Attributes = Record<string, string | number | boolean | ((event: Event) => void) | undefined>

/** An element with attributes (`on…` are listeners) and children. */
export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(name.slice(2), value)
    else if (value === true) element.setAttribute(name, '')
    else element.setAttribute(name, String(value))
  }
  for (const child of children)
    if (child !== null && child !== undefined && child !== false)
      element.append(typeof child === 'number' ? format(child) : child)
  return element
}

const numbers = new Intl.NumberFormat('en')
/** A count, with thousands separators. */
export const format = (value: number | null): string => (value === null ? '—' : numbers.format(value))

/** A bucket's label: a date, or an hour. */
export const bucketLabel = (at: number, unit: string): string =>
  unit === 'day'
    ? new Date(at).toISOString().slice(0, 10)
    : new Date(at).toISOString().slice(5, 13).replace('T', ' ') + 'h'

/** A table: a caption, a header row, body rows (numbers right-aligned). */
export const table = (caption: string, head: string[], rows: (string | number | null)[][]): HTMLTableElement =>
  h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map(text => h('th', { scope: 'col' }, text)))),
    h(
      'tbody',
      {},
      ...rows.map(row =>
        h(
          'tr',
          {},
          ...row.map((cell, i) =>
            i === 0
              ? h('th', { scope: 'row' }, cell === null ? '—' : String(cell))
              : h(
                  'td',
                  { class: typeof cell === 'number' || cell === null ? 'number' : '' },
                  typeof cell === 'number' ? format(cell) : (cell ?? '—'),
                ),
          ),
        ),
      ),
    ),
  )

/**
 * A label that wraps only before a path's `/` or after a name's `/` or `:`
 * (a `<wbr>` there), so a long template is shown whole, never cut.
 */
export const breakable = (label: string): Child[] =>
  label.split(/(?<=[^/])(?=\/)|(?<=[^/]:)/).flatMap((piece, i) => (i ? [h('wbr'), piece] : [piece]))

/** A ranked list as HTML bars: label, bar (share of the largest), value. */
export const bars = (label: string, rows: { label: string; value: number; note?: string }[]): HTMLElement => {
  const max = Math.max(1, ...rows.map(row => row.value))
  return h(
    'ol',
    { class: 'bars', 'aria-label': label },
    ...rows.map(row => {
      const bar = h('span', { class: 'bar' })
      bar.style.width = `${(row.value / max) * 100}%`
      return h(
        'li',
        {},
        h('span', { class: 'label', title: row.label }, ...breakable(row.label)),
        h('span', { class: 'track' }, bar),
        h('span', { class: 'value' }, format(row.value), row.note ? h('small', {}, ` ${row.note}`) : null),
      )
    }),
  )
}

const PALETTE = ['--c1', '--c2', '--c3', '--c4', '--c5', '--c6', '--c7', '--c8']
const css = (name: string): string => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888'

/** A series of a chart. */
export interface Series {
  label: string
  values: (number | null)[]
}

const charts = new Set<{ plot: uPlot; box: HTMLElement }>()
let observer: ResizeObserver | undefined

/**
 * A line chart of series over buckets, with a button that swaps it for a
 * table of the same numbers (keyboard: the button is a real button).
 */
export const chart = (title: string, buckets: number[], unit: string, series: Series[]): HTMLElement => {
  const box = h('div', {
    class: 'plot',
    role: 'img',
    'aria-label': `${title}: a chart; the table button shows its numbers`,
  })
  const tableView = table(
    title,
    [unit === 'day' ? 'day' : 'hour (UTC)', ...series.map(s => s.label)],
    buckets.map((at, i) => [bucketLabel(at, unit), ...series.map(s => s.values[i])]),
  )
  tableView.hidden = true
  const toggle = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false' }, 'Table')
  toggle.addEventListener('click', () => {
    const showTable = tableView.hidden
    tableView.hidden = !showTable
    box.hidden = showTable
    toggle.setAttribute('aria-pressed', String(showTable))
    toggle.textContent = showTable ? 'Chart' : 'Table'
  })
  const figure = h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, h('span', {}, title), toggle),
    box,
    h('div', { class: 'scroll' }, tableView),
  )
  requestAnimationFrame(() => {
    if (!box.isConnected) return
    const width = Math.max(240, box.clientWidth)
    const plot = new uPlot(
      {
        width,
        height: Math.round(Math.min(260, Math.max(160, width * 0.3))),
        scales: { x: { time: true } },
        axes: [
          { stroke: css('--muted'), grid: { stroke: css('--grid') }, ticks: { stroke: css('--grid') } },
          { stroke: css('--muted'), grid: { stroke: css('--grid') }, ticks: { stroke: css('--grid') }, size: 56 },
        ],
        legend: { live: false },
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: css(PALETTE[i % PALETTE.length]),
            width: 2,
            points: { show: buckets.length < 40 },
          })),
        ],
      },
      [buckets.map(at => at / 1000), ...series.map(s => s.values)] as uPlot.AlignedData,
      box,
    )
    charts.add({ plot, box })
    observer ??= new ResizeObserver(() => {
      for (const entry of charts) {
        if (!entry.box.isConnected) {
          entry.plot.destroy()
          charts.delete(entry)
        } else if (!entry.box.hidden && entry.box.clientWidth)
          entry.plot.setSize({ width: entry.box.clientWidth, height: entry.plot.height })
      }
    })
    observer.observe(document.body)
  })
  return figure
}
