// How fast the anonymizer turns a URL into its route template, against three
// baselines matching the same URLs:
// - naive: path-to-regexp `match()` compiled once per template, tried in
//   order: what an app writes by hand, and what the trie replaces;
// - rou3 and memoirist: radix-tree routers (unjs, Elysia), the fast end.
// Route tables look like admin consoles (NocoDB, Hasura): nested params,
// optional groups, wildcards, N = 10, 100, 1000, generated from a seed.
// Each measurement runs in a process of its own, so that one matcher's JIT
// state cannot slow another, five times over, interleaved; the median counts. Also: the time and retained heap of building
// the N = 1000 table.
// Run after `npm run build`: node bench/anonymize.mjs
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { match } from 'path-to-regexp'
import { addRoute, createRouter, findRoute } from 'rou3'
import { Memoirist } from 'memoirist'

import { createAnonymizer } from '../dist/index.js'

const SIZES = [10, 100, 1000]
/** Processes per (table, matcher); the median of their medians is reported. */
const REPEATS = 5
const MATCHERS = ['spa-telemetry', 'spa-telemetry, sensitive', 'naive path-to-regexp', 'rou3', 'memoirist']

/** mulberry32: the same tables and URLs in every process. */
const seeded = seed => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const AREAS = ['nc', 'data', 'projects', 'tables', 'views', 'users', 'roles', 'hooks', 'schemas', 'functions', 'remote-schemas', 'events', 'actions', 'settings', 'billing', 'audit', 'api-tokens', 'workspaces', 'dashboards', 'reports']
const SUBS = ['table', 'view', 'form', 'kanban', 'gallery', 'column', 'row', 'trigger', 'permission', 'relationship']
const LEAVES = ['modify', 'browse', 'permissions', 'relationships', 'insert', 'details', 'logs', 'settings']

/**
 * N templates and 1,000 URLs. 'console': 20 sections with nested resources
 * and leaves under them, sharing prefixes as a real console's routes do.
 * 'flat': N unrelated top-level modules, each its own chain: the worst case
 * for memory, reported but not a target.
 */
const workload = (n, kind = 'console') => {
  const random = seeded(n)
  const pick = list => list[Math.floor(random() * list.length)]
  const hex = length => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('')
  const values = [() => `p_${hex(6)}`, () => String(Math.floor(random() * 1e5)), () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`, () => pick(['customers', 'orders', 'public', 'invoices'])]
  const routes = new Set()
  for (let i = 0; routes.size < n; i++) {
    const flat = kind === 'flat'
    const area = flat ? AREAS[i % AREAS.length] + (i >= AREAS.length ? `-${Math.floor(i / AREAS.length)}` : '') : AREAS[i % AREAS.length]
    const sub = flat ? SUBS[i % SUBS.length] : SUBS[Math.floor(i / AREAS.length) % SUBS.length]
    const leaf = flat ? pick(LEAVES) : LEAVES[Math.floor(i / (AREAS.length * SUBS.length)) % LEAVES.length]
    const shapes = [
      `/${area}`,
      `/${area}/:${area.replace(/\W/g, '_')}_id`,
      `/${area}/:id/${sub}`,
      `/${area}/:id/${sub}/:${sub}_id`,
      `/${area}/:id/${sub}/:${sub}_id/${leaf}`,
      `/${area}/:id/${sub}/:${sub}_id/${leaf}{/:tab}`,
      `/${area}/:id/${sub}/files/*path`,
    ]
    routes.add(shapes[i % shapes.length])
  }
  const table = [...routes]
  /** a concrete URL: params filled, optional groups in or out, 1 to 3 wildcard segments */
  const concrete = template =>
    template
      .replace(/\{\/:\w+\}/g, () => (random() < 0.5 ? '/' + pick(values)() : ''))
      .replace(/:\w+/g, () => pick(values)())
      .replace(/\*\w+/g, () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(values)()).join('/'))
  const urls = Array.from({ length: 1000 }, (_, i) => (i % 10 === 9 ? `/unknown-${i}/${pick(values)()}` : concrete(pick(table))))
  return { routes: table, urls }
}

/** Optional groups expanded, for routers that have none. */
const expand = template => {
  const group = /\{([^{}]*)\}/.exec(template)
  if (!group) return [template]
  return [...expand(template.replace(group[0], group[1])), ...expand(template.replace(group[0], ''))].map(t => t || '/')
}

/** One matcher for a route table: URL → matched template, or null. */
const matcher = (name, routes) => {
  const templates = new Set(routes)
  if (name.startsWith('spa-telemetry')) {
    // rou3 and memoirist compare segments case-sensitively: 'sensitive' is ours doing the same
    const { anonymize } = createAnonymizer({ routes, sensitive: name.endsWith('sensitive') })
    // a masked path ('/unknown-9/*') is ours saying "no route": null, as the routers say it
    return url => {
      const out = anonymize(url)
      return out !== null && !out.includes('*') ? out : out !== null && templates.has(out) ? out : null
    }
  }
  if (name === 'naive path-to-regexp') {
    const compiled = routes.map(route => [route, match(route)])
    return url => {
      for (const [route, m] of compiled) if (m(url)) return route
      return null
    }
  }
  const rou3 = createRouter()
  const memoirist = new Memoirist()
  for (const route of routes) {
    for (const path of expand(route)) {
      addRoute(rou3, 'GET', path.replace(/\*(\w+)/, '**:$1'), route)
      memoirist.add('GET', path.replace(/\*\w+/, '*'), route)
    }
  }
  return name === 'rou3' ? url => findRoute(rou3, 'GET', url)?.data ?? null : url => memoirist.find('GET', url)?.store ?? null
}

const median = values => [...values].sort((a, b) => a - b)[values.length >> 1]

/** Median ns per URL over rounds of all URLs, after a warm-up. */
const timeMatcher = (name, n, kind) => {
  const { routes, urls } = workload(n, kind)
  const fn = matcher(name, routes)
  const rounds = name.startsWith('naive') ? (n === 1000 ? 5 : 15) : 150
  const perUrl = []
  let matched = 0
  for (let r = -Math.ceil(rounds / 3); r < rounds; r++) {
    const start = process.hrtime.bigint()
    matched = 0
    for (const url of urls) if (fn(url) !== null) matched++
    if (r >= 0) perUrl.push(Number(process.hrtime.bigint() - start) / urls.length)
  }
  perUrl.sort((a, b) => a - b)
  return { ns: perUrl[perUrl.length >> 1], matched }
}

/**
 * Build time of the N = 1000 table: the first (cold: what an app pays once, at start, mostly
 * before the JIT has compiled anything) and the median of 15 in a row; and its retained heap
 * (5 held at once, median of 5 rounds).
 */
const buildCost = kind => {
  const { routes } = workload(1000, kind)
  const builds = []
  for (let i = 0; i < 15; i++) {
    const start = process.hrtime.bigint()
    createAnonymizer({ routes })
    builds.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  const cold = builds[0]
  builds.sort((a, b) => a - b)
  const heap = []
  for (let round = 0; round < 5; round++) {
    globalThis.gc()
    const before = process.memoryUsage().heapUsed
    const kept = Array.from({ length: 5 }, () => createAnonymizer({ routes }))
    globalThis.gc()
    heap.push((process.memoryUsage().heapUsed - before) / 1024 / kept.length)
    kept.length = 0
  }
  heap.sort((a, b) => a - b)
  return { ms: builds[7], cold, kb: heap[2] }
}

const [mode, ...args] = process.argv.slice(2)
if (mode === '--time') {
  console.log(JSON.stringify(timeMatcher(args[0], Number(args[1]), args[2])))
} else if (mode === '--build') {
  console.log(JSON.stringify(buildCost(args[0])))
} else {
  const self = fileURLToPath(import.meta.url)
  const run = (...argv) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', self, ...argv], { encoding: 'utf8' }))
  const round = x => Math.round(x * 100) / 100
  const results = { node: process.version, date: new Date().toISOString(), medianNsPerUrl: {}, matchedUrls: {} }
  // every (table, matcher) is timed in REPEATS processes, interleaved, and the median kept:
  // one process's JIT and the machine's neighbours move a single figure by ±40% here
  const samples = {}
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const [kind, sizes] of [['console', SIZES], ['flat', [1000]]]) {
      for (const n of sizes) {
        const key = `${kind}, N = ${n}`
        results.matchedUrls[key] ??= {}
        for (const name of MATCHERS) {
          const { ns, matched } = run('--time', name, String(n), kind)
          ;((samples[key] ??= {})[name] ??= []).push(ns)
          results.matchedUrls[key][name] = matched
        }
      }
    }
  }
  for (const [key, byName] of Object.entries(samples)) {
    results.medianNsPerUrl[key] = Object.fromEntries(Object.entries(byName).map(([name, ns]) => [name, Math.round(median(ns))]))
  }
  /** Build cost, the median over REPEATS processes of each one's median. */
  const buildOf = kind => {
    const runs = Array.from({ length: REPEATS }, () => run('--build', kind))
    return { ms: median(runs.map(r => r.ms)), cold: median(runs.map(r => r.cold)), kb: median(runs.map(r => r.kb)) }
  }
  const build = buildOf('console')
  const flatBuild = buildOf('flat')
  results.build = {
    'console, N = 1000: build (ms, median of 5 processes × 15)': round(build.ms),
    'console, N = 1000: first build in a fresh process (ms, cold JIT)': round(build.cold),
    'console, N = 1000: retained heap (KB)': Math.round(build.kb),
    'flat, N = 1000: build (ms, median of 5 processes × 15)': round(flatBuild.ms),
    'flat, N = 1000: first build in a fresh process (ms, cold JIT)': round(flatBuild.cold),
    'flat, N = 1000: retained heap (KB)': Math.round(flatBuild.kb),
  }
  const at = name => results.medianNsPerUrl['console, N = 1000'][name]
  const ours = at('spa-telemetry')
  const sensitive = at('spa-telemetry, sensitive')
  results.ratios = {
    'naive / ours': round(at('naive path-to-regexp') / ours),
    'rou3 / ours': round(at('rou3') / ours),
    'memoirist / ours': round(at('memoirist') / ours),
    'rou3 / ours, sensitive': round(at('rou3') / sensitive),
    'memoirist / ours, sensitive': round(at('memoirist') / sensitive),
    'ours N = 1000 / N = 10': round(ours / results.medianNsPerUrl['console, N = 10']['spa-telemetry']),
  }
  const targets = [
    ['≥ 100× faster than naive at N = 1000', results.ratios['naive / ours'] >= 100],
    ['≥ 3× faster than rou3 at N = 1000 (default: case-insensitive)', results.ratios['rou3 / ours'] >= 3],
    ['≥ 3× faster than rou3 at N = 1000 (sensitive, as rou3 is)', results.ratios['rou3 / ours, sensitive'] >= 3],
    ['no slower than memoirist at N = 1000 (default: case-insensitive)', results.ratios['memoirist / ours'] >= 1],
    ['no slower than memoirist at N = 1000 (sensitive, as memoirist is)', results.ratios['memoirist / ours, sensitive'] >= 1],
    ['median grows ≤ 2× from N = 10 to N = 1000', results.ratios['ours N = 1000 / N = 10'] <= 2],
    ['N = 1000 build ≤ 15 ms', build.ms <= 15],
    ['N = 1000 table ≤ 300 KB of heap', build.kb <= 300],
  ]
  results.targets = Object.fromEntries(targets)

  console.log('\nanonymize(): median ns per URL, the same 1,000 URLs for every matcher, each in its own process')
  console.table(results.medianNsPerUrl)
  console.log('URLs matched (of 1,000; ~10% are unknown on purpose):')
  console.table(results.matchedUrls)
  console.log('ratios, console table at N = 1000 (higher is faster for ours):')
  console.table(results.ratios)
  console.table(results.build)
  for (const [name, ok] of targets) console.log(`${ok ? 'PASS' : 'MISS'}  ${name}`)
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  writeFileSync(new URL('./results/anonymize.json', import.meta.url), JSON.stringify(results, null, 2) + '\n')
}
