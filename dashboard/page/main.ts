/**
 * The dashboard page: a view per question, a period and filters, each chart
 * with its table, an export per view. The state lives in the URL's fragment
 * (never sent to the server); answers come from this dashboard's API only.
 */
import 'uplot/dist/uPlot.min.css'
import './style.css'

import { bars, bucketLabel, chart, format, h, table } from './dom.js'

type Params = Record<string, string | string[]>
type Answer = Record<string, unknown> & {
  buckets: number[]
  unit: string
  folded: string
  threshold: number
  identity: string
}
type Row = { key: string[]; events: number; installs: number | null; trend: number[] }

const VIEWS = [
  ['screens', 'Screens'],
  ['actions', 'Actions'],
  ['versions', 'Versions'],
  ['flows', 'Flows'],
  ['funnel', 'Funnels'],
  ['errors', 'Errors'],
  ['installs', 'Installs'],
] as const
type View = (typeof VIEWS)[number][0]

const DAY = 86_400_000
const today = (): string => new Date().toISOString().slice(0, 10)
const daysAgo = (n: number): string => new Date(Date.now() - n * DAY).toISOString().slice(0, 10)
const PRESETS: [string, () => [string, string]][] = [
  ['Today', () => [today(), today()]],
  ['Yesterday', () => [daysAgo(1), daysAgo(1)]],
  ['Last 7 days', () => [daysAgo(6), today()]],
  ['Last 30 days', () => [daysAgo(29), today()]],
  ['Last 90 days', () => [daysAgo(89), today()]],
]

/** The state in the fragment: `#view?from=…&to=…&app=…&env=…&version=…&…`. */
const read = (): { view: View; params: URLSearchParams } => {
  const [view, query] = location.hash.slice(1).split('?')
  const known = VIEWS.some(([name]) => name === view)
  return { view: known ? (view as View) : 'screens', params: new URLSearchParams(query ?? '') }
}
const go = (view: View, params: URLSearchParams): void => {
  location.hash = `${view}?${params}`
}

const get = async <T>(path: string, params: URLSearchParams): Promise<T> => {
  const response = await fetch(`api/${path}?${params}`, {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  })
  const body = (await response.json()) as T & { error?: string }
  if (!response.ok) throw new Error(body.error ?? `the dashboard answered ${response.status}`)
  return body
}

const main = document.getElementById('main')!
const nav = document.getElementById('views')!
const filters = document.getElementById('filters') as HTMLFormElement
const notice = document.getElementById('notice')!

/** The period, scope and version controls. */
const drawFilters = (
  scopes: {
    scopes: { app: string; env: string }[]
    versions: string[]
    app: string
    env: string
    from: number
    to: number
  },
  view: View,
  params: URLSearchParams,
): void => {
  const from = params.get('from') ?? new Date(scopes.from).toISOString().slice(0, 10)
  const to = params.get('to') ?? new Date(scopes.to - DAY).toISOString().slice(0, 10)
  const change = (next: Params): void => {
    const out = new URLSearchParams(params)
    for (const [name, value] of Object.entries(next)) {
      out.delete(name)
      for (const v of [value].flat()) if (v) out.append(name, v)
    }
    go(view, out)
  }
  const preset = h(
    'select',
    { id: 'period', 'aria-label': 'Period' },
    h('option', { value: '' }, 'Custom'),
    ...PRESETS.map(([label, range]) =>
      h('option', { value: label, selected: range()[0] === from && range()[1] === to }, label),
    ),
  )
  preset.addEventListener('change', () => {
    const found = PRESETS.find(([label]) => label === preset.value)
    if (found) change({ from: found[1]()[0], to: found[1]()[1] })
  })
  const dateInput = (name: 'from' | 'to', value: string): HTMLInputElement => {
    const input = h('input', {
      type: 'date',
      id: name,
      value,
      max: today(),
      'aria-label': name === 'from' ? 'From (UTC)' : 'To (UTC)',
    })
    input.addEventListener('change', () => input.value && change({ [name]: input.value }))
    return input
  }
  const scope = h(
    'select',
    { id: 'scope', 'aria-label': 'App and environment' },
    ...scopes.scopes.map(s =>
      h(
        'option',
        { value: `${s.app}\n${s.env}`, selected: s.app === scopes.app && s.env === scopes.env },
        `${s.app} · ${s.env || '(no env)'}`,
      ),
    ),
  )
  scope.addEventListener('change', () => {
    const [app, env] = scope.value.split('\n')
    change({ app, env, version: '' })
  })
  const version = h(
    'select',
    { id: 'version', 'aria-label': 'Version' },
    h('option', { value: '' }, 'All versions'),
    ...scopes.versions.map(v => h('option', { value: v, selected: v === params.get('version') }, v)),
  )
  version.addEventListener('change', () => change({ version: version.value }))
  const csv = new URLSearchParams(params)
  filters.replaceChildren(
    h('label', { for: 'period' }, 'Period'),
    preset,
    dateInput('from', from),
    h('span', { 'aria-hidden': 'true' }, '–'),
    dateInput('to', to),
    h('label', { for: 'scope' }, 'App'),
    scope,
    h('label', { for: 'version' }, 'Version'),
    version,
    h('a', { class: 'export', href: `api/${view}.csv?${csv}`, download: `spa-telemetry-${view}.csv` }, 'Export CSV'),
  )
  filters.onsubmit = event => event.preventDefault()
}

/** What the threshold and the identity mode hid, and why. */
const drawNotice = (answer: Answer): void => {
  const parts: (string | Node)[] = []
  if (answer.threshold > 0) {
    parts.push(`Every figure counts only groups of at least ${answer.threshold} installs on a day (per version). `)
    // how much is folded is told only when the folded groups hold the threshold's installs together: else "nothing" and "one install" would read apart
    parts.push(
      answer.folded === 'under threshold'
        ? `Groups of fewer than ${answer.threshold} installs are folded, if there are any (how much is told only when the folded groups hold ${answer.threshold} installs or more together).`
        : h('strong', {}, `${answer.folded} of this view's events are folded away.`),
    )
    parts.push(
      ' So no row, bar or point describes one person’s use; a young deployment with few installs sees much of its data folded.',
    )
  } else
    parts.push(
      h(
        'strong',
        {},
        'The threshold is off: small groups, even a single install, are shown. Use this for development only.',
      ),
    )
  if (answer.identity !== 'persistent')
    parts.push(
      ` Identity "${answer.identity}": installs are not counted${answer.identity === 'none' ? ', nor sessions' : ' (their ids last one tab session)'}.`,
    )
  if (answer.unit === 'hour')
    parts.push(
      ' By the hour (UTC): an hour with fewer installs is left out of the chart, and a day whose small hours together are too few shows no hours.',
    )
  notice.replaceChildren(h('p', {}, ...parts))
}

const keyLabel = (key: string[]): string => key.join(' ')

/** A closed disclosure whose content is built when it is first opened (the first view paints sooner). */
const lazyDetails = (summary: string, content: () => Node): HTMLDetailsElement => {
  const details = h('details', {}, h('summary', {}, summary))
  details.addEventListener('toggle', () => {
    if (details.open && details.childElementCount === 1) details.append(content())
  })
  return details
}

/** A ranked view: a chart of the top rows' trends, bars, and the full table. */
const drawRanked = (
  answer: Answer & { rows: Row[]; other: { rows: number; events: number } | null; total: number },
  title: string,
): Node[] => {
  const rows = answer.rows
  const top = rows.slice(0, 6)
  const installs = (r: Row): string => (r.installs === null ? '' : `· ${format(r.installs)} installs`)
  return [
    chart(
      `${title}: events per ${answer.unit}, top ${top.length}`,
      answer.buckets,
      answer.unit,
      top.map(r => ({ label: keyLabel(r.key), values: r.trend })),
    ),
    h(
      'section',
      { class: 'ranked' },
      h('h2', {}, `${title} by events`),
      rows.length
        ? bars(
            title,
            rows.map(r => ({ label: keyLabel(r.key), value: r.events, note: installs(r) })),
          )
        : h('p', { class: 'empty' }, 'Nothing to show for this period and filters.'),
      answer.other
        ? h(
            'p',
            { class: 'other' },
            `Other: ${format(answer.other.rows)} more rows, ${format(answer.other.events)} events. Total shown: ${format(answer.total)} events.`,
          )
        : null,
    ),
    lazyDetails('All rows as a table', () =>
      h(
        'div',
        { class: 'scroll' },
        table(
          title,
          ['key', 'events', 'installs', ...answer.buckets.map(at => bucketLabel(at, answer.unit))],
          rows.map(r => [keyLabel(r.key), r.events, r.installs, ...r.trend]),
        ),
      ),
    ),
  ]
}

/** A choice of screen or action for flows, versions and funnels (from the screens and actions views). */
const choices = async (params: URLSearchParams, pages = true, actions = true): Promise<string[]> => {
  const [screens, acts] = await Promise.all([
    pages ? get<{ rows: Row[] }>('screens', params) : { rows: [] },
    actions ? get<{ rows: Row[] }>('actions', params) : { rows: [] },
  ])
  return [...screens.rows.map(r => `page:${r.key[0]}`), ...acts.rows.map(r => `${r.key[0]}:${r.key[1]}`)]
}

const picker = (
  id: string,
  label: string,
  values: string[],
  selected: string,
  onChange: (value: string) => void,
  empty?: string,
): HTMLElement => {
  const select = h(
    'select',
    { id },
    ...(empty !== undefined ? [h('option', { value: '' }, empty)] : []),
    ...values.map(v => h('option', { value: v, selected: v === selected }, v.replace(/^page:/, ''))),
  )
  select.addEventListener('change', () => onChange(select.value))
  return h('p', { class: 'pick' }, h('label', { for: id }, label), select)
}

let generation = 0

const render = async (): Promise<void> => {
  const mine = ++generation
  const { view, params } = read()
  main.setAttribute('aria-busy', 'true')
  nav.replaceChildren(
    ...VIEWS.map(([name, label]) =>
      h(
        'a',
        { href: `#${name}?${withoutViewParams(params)}`, 'aria-current': name === view ? 'page' : undefined },
        label,
      ),
    ),
  )
  // the filters' choices and the view are asked at once
  const asking = get<Parameters<typeof drawFilters>[0]>('scopes', params)
  asking.catch(() => {})
  const drawn = asking.then(scopes => mine === generation && drawFilters(scopes, view, params))
  const base = withoutViewParams(params)
  const set = (name: string, values: string[]): void => {
    const next = new URLSearchParams(params)
    next.delete(name)
    values.filter(Boolean).forEach(v => next.append(name, v))
    go(view, next)
  }
  let answer: Answer
  let content: Node[]
  if (view === 'flows') {
    const options = (await choices(base, true, false)).map(s => s.slice(5))
    const screen = params.get('screen') ?? options[0] ?? ''
    const p = new URLSearchParams(params)
    p.set('screen', screen)
    answer = await get<Answer>(screen ? 'flows' : 'screens', p)
    content = screen
      ? [
          picker('screen', 'From the screen', options, screen, v => set('screen', [v])),
          ...drawRanked(answer as never, `Next screens after ${screen}`),
        ]
      : [h('p', { class: 'empty' }, 'No screen to start from in this period.')]
  } else if (view === 'versions') {
    const of = params.get('of') ?? ''
    answer = await get<Answer>('versions', params)
    const rows = answer.rows as {
      version: string
      events: number
      installs: number | null
      sessions: number
      trend: number[]
      installsTrend: (number | null)[]
    }[]
    const installsKnown = rows.every(r => r.installs !== null)
    content = [
      picker('of', 'Use of', await choices(base), of, v => set('of', [v]), 'any event (adoption)'),
      chart(
        of
          ? `${of.replace(/^page:/, '')}: events per version`
          : installsKnown
            ? 'Installs per version'
            : 'Events per version',
        answer.buckets,
        answer.unit,
        rows.map(r => ({ label: r.version, values: !of && installsKnown ? r.installsTrend : r.trend })),
      ),
      h(
        'section',
        {},
        h('h2', {}, 'Versions'),
        h(
          'div',
          { class: 'scroll' },
          table(
            'Versions',
            ['version', 'events', 'installs', 'sessions'],
            rows.map(r => [r.version, r.events, r.installs, r.sessions]),
          ),
        ),
      ),
    ]
  } else if (view === 'funnel') {
    const all = await choices(base)
    let steps = params.getAll('step')
    if (steps.length < 2) steps = all.slice(0, 3)
    const p = new URLSearchParams(params)
    p.delete('step')
    steps.forEach(s => p.append('step', s))
    answer = await get<Answer>('funnel', p)
    const total = answer.total as { sessions: number; installs: number | null }[]
    const byVersion = answer.byVersion as { version: string; steps: { sessions: number }[] }[]
    const editor = h(
      'fieldset',
      { class: 'steps' },
      h('legend', {}, 'Steps, in order, within a session'),
      ...steps.map((step, i) =>
        picker(`step${i}`, `Step ${i + 1}`, all, step, v =>
          set(
            'step',
            steps.map((s, j) => (j === i ? v : s)),
          ),
        ),
      ),
      steps.length < 5
        ? h('button', { type: 'button', onclick: () => set('step', [...steps, all[0] ?? '']) }, 'Add a step')
        : null,
      steps.length > 2
        ? h('button', { type: 'button', onclick: () => set('step', steps.slice(0, -1)) }, 'Remove the last step')
        : null,
    )
    const first = total[0]?.sessions || 0
    content = [
      editor,
      h(
        'section',
        {},
        h('h2', {}, 'Sessions through the steps'),
        bars(
          'Funnel',
          total.map((s, i) => ({
            label: `${i + 1}. ${steps[i].replace(/^page:/, '')}`,
            value: s.sessions,
            note: first ? `${Math.round((s.sessions / first) * 100)}%` : '',
          })),
        ),
      ),
      h(
        'div',
        { class: 'scroll' },
        table(
          'Funnel by version (sessions per step)',
          ['version', ...steps.map((s, i) => `${i + 1}. ${s.replace(/^page:/, '')}`)],
          [
            ['all versions', ...total.map(s => s.sessions)],
            ...byVersion.map(v => [v.version, ...v.steps.map(s => s.sessions)]),
          ],
        ),
      ),
    ]
  } else if (view === 'installs') {
    answer = await get<Answer>('installs', params)
    const a = answer as Answer & {
      installs: (number | null)[]
      sessions: (number | null)[]
      events: number[]
      totals: { installs: number | null; sessions: number | null; events: number }
    }
    const series = [
      ...(a.installs.every(v => v === null) ? [] : [{ label: 'installs', values: a.installs }]),
      ...(a.sessions.every(v => v === null) ? [] : [{ label: 'sessions', values: a.sessions }]),
      ...(series0(a) ? [{ label: 'events', values: a.events }] : []),
    ]
    content = [
      h(
        'p',
        { class: 'totals' },
        `Over the period: ${format(a.totals.installs)} installs, ${format(a.totals.sessions)} sessions, ${format(a.totals.events)} events.`,
      ),
      chart(`Installs and sessions per ${a.unit}`, a.buckets, a.unit, series),
    ]
  } else {
    answer = await get<Answer>(view, params)
    const titles: Record<string, string> = { screens: 'Screens', actions: 'Actions', errors: 'Errors' }
    content = drawRanked(answer as never, titles[view])
  }
  await drawn
  if (mine !== generation) return // a newer view was asked for meanwhile
  drawNotice(answer)
  main.replaceChildren(...content)
  main.dataset.view = view
  main.removeAttribute('aria-busy')
}

/** Events are drawn beside installs only when installs are not counted. */
const series0 = (a: { installs: (number | null)[] }): boolean => a.installs.every(v => v === null)

/** The period, scope and version, without a view's own parameters. */
const withoutViewParams = (params: URLSearchParams): URLSearchParams => {
  const out = new URLSearchParams()
  for (const name of ['from', 'to', 'app', 'env', 'version']) if (params.get(name)) out.set(name, params.get(name)!)
  return out
}

const show = (): void => {
  render().catch((error: unknown) =>
    main.replaceChildren(
      h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error)),
    ),
  )
}
window.addEventListener('hashchange', show)
show()
