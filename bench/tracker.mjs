// What one event costs the host app, in jsdom (bench/tracker-browser.mjs
// measures the same in Chromium, where users are): track() and page() per call (queued,
// not sent), against JSON.stringify of one event measured in the same run,
// and the main-thread cost of bursts: 5,000 track() calls in one task and
// 1,000 rapid navigations, with the memory, request count and body sizes
// they lead to. Run after `npm run build`: node bench/tracker.mjs
import { mkdirSync, writeFileSync } from 'node:fs'
import v8 from 'node:v8'
import { JSDOM } from 'jsdom'

const dom = new JSDOM('<!doctype html>', { url: 'https://console.example/nc/p_8f2k' })
const requests = []
// the collector: every request's body size, answered 204 (keepalive fetch is the transport)
globalThis.fetch = async (_url, init) => (
  requests.push(Buffer.byteLength(init.body)),
  new Response(null, { status: 204 })
)
for (const key of ['window', 'document', 'navigator', 'localStorage', 'sessionStorage']) {
  Object.defineProperty(globalThis, key, { value: dom.window[key], configurable: true, writable: true })
}
const { createTracker } = await import('../dist/index.js')

const routes = [
  '/nc',
  '/nc/:project_id',
  '/nc/:project_id/table/:table_id',
  '/nc/:project_id/table/:table_id/view/:view_id',
  '/settings{/:tab}',
]
const ROUNDS = 20_000
const median = sorted => sorted[sorted.length >> 1]
const p99 = sorted => sorted[Math.floor(sorted.length * 0.99)]

/** Times each call of `run(i)` alone; `between(i)` (untimed) runs every 100 calls. */
const measure = (run, between = () => {}) => {
  const times = new Float64Array(ROUNDS)
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 100 === 0) between(i)
    const start = process.hrtime.bigint()
    run(i)
    times[i] = Number(process.hrtime.bigint() - start) / 1000
  }
  times.sort()
  return { median: median(times), p99: p99(times) }
}

const tracker = createTracker({ endpoint: '/telemetry', app: { name: 'bench' }, routes })
const drain = () => tracker.flush()
const event = {
  type: 'track',
  id: 'V1StGXR8_Z5jdHi6B-myT',
  ts: Date.now(),
  name: 'table_created',
  props: { kind: 'grid', rows: 3 },
}
for (let i = 0; i < 2000; i++) {
  JSON.stringify(event)
  tracker.track('warm', { i })
  tracker.page(`/nc/p_${i}`)
}
drain()

const baseline = measure(() => JSON.stringify(event))
const track = measure(i => tracker.track('table_created', { kind: 'grid', rows: i }), drain)
const page = measure(i => tracker.page(`/nc/p_${i}/table/t_${i}?sort=name#row`), drain)

/**
 * Bytes one call allocates (the garbage a collection will have to sweep): the young generation's growth
 * over 1,000 calls, the median of 15 windows; a window with a collection in it shrinks and is left out.
 * The app's own arguments are made beforehand and do not count.
 */
const allocated = run => {
  const used = () => v8.getHeapSpaceStatistics().find(space => space.space_name === 'new_space').space_used_size
  const perCall = []
  for (let w = 0; w < 15; w++) {
    drain()
    globalThis.gc?.()
    const before = used()
    for (let i = 0; i < 1000; i++) run(i)
    const grown = used() - before
    if (grown > 0) perCall.push(grown / 1000)
  }
  return perCall.sort((a, b) => a - b)[perCall.length >> 1]
}
const props = Array.from({ length: 1000 }, (_, i) => ({ kind: 'grid', rows: i }))
const paths = Array.from({ length: 1000 }, (_, i) => `/nc/p_${i}/table/t_${i}?sort=name#row`)
const bytes = {
  'track()': allocated(i => tracker.track('table_created', props[i])),
  'page()': allocated(i => tracker.page(paths[i])),
  'JSON.stringify one event (baseline)': allocated(i => JSON.stringify({ ...event, props: props[i] })),
}
tracker.destroy()

// bursts, on a fresh tracker: 5,000 track() calls in one task, then 1,000 navigations
requests.length = 0
const burst = createTracker({ endpoint: '/telemetry', app: { name: 'burst' }, routes })
globalThis.gc?.()
const heapBefore = process.memoryUsage().heapUsed
let start = process.hrtime.bigint()
for (let i = 0; i < 5000; i++) burst.track('burst', { i, text: 'x'.repeat(100) })
const burstMs = Number(process.hrtime.bigint() - start) / 1e6
globalThis.gc?.()
const heapGrowthKB = (process.memoryUsage().heapUsed - heapBefore) / 1024
start = process.hrtime.bigint()
for (let i = 0; i < 1000; i++) burst.page(`/nc/p_${i}/table/t_${i}`)
const navigationsMs = Number(process.hrtime.bigint() - start) / 1e6
const beforeUnload = requests.length
start = process.hrtime.bigint()
dom.window.dispatchEvent(new dom.window.Event('pagehide'))
const unloadFlushMs = Number(process.hrtime.bigint() - start) / 1e6
const unloadRequests = requests.slice(beforeUnload)
const stored = JSON.parse(
  dom.window.localStorage.getItem(`spa-telemetry:burst:queue:${dom.window.location.origin}/telemetry`) ||
    '{"events":[]}',
).events.length
burst.destroy()

const round = n => Math.round(n * 100) / 100
const results = {
  node: process.version,
  date: new Date().toISOString(),
  perCallMicroseconds: {
    'JSON.stringify one event (baseline)': {
      median: round(baseline.median),
      p99: round(baseline.p99),
      bytesAllocated: Math.round(bytes['JSON.stringify one event (baseline)']),
    },
    'track()': {
      median: round(track.median),
      p99: round(track.p99),
      medianVsBaseline: round(track.median / baseline.median),
      bytesAllocated: Math.round(bytes['track()']),
    },
    'page()': {
      median: round(page.median),
      p99: round(page.p99),
      medianVsBaseline: round(page.median / baseline.median),
      bytesAllocated: Math.round(bytes['page()']),
    },
  },
  burst: {
    '5,000 track() in one task (ms)': round(burstMs),
    'heap growth after the burst (KB)': round(heapGrowthKB),
    '1,000 navigations (ms)': round(navigationsMs),
    'unload flush (ms)': round(unloadFlushMs),
    'requests during the bursts': beforeUnload,
    'requests on unload': unloadRequests.length,
    'bytes on unload': unloadRequests.reduce((a, b) => a + b, 0),
    'largest body (bytes)': Math.max(...requests),
    'events kept for the next load': stored,
  },
}
const targets = [
  ['track() median ≤ 10 µs', track.median <= 10],
  ['track() p99 ≤ 50 µs', track.p99 <= 50],
  ['page() median ≤ 10 µs', page.median <= 10],
  ['page() p99 ≤ 50 µs', page.p99 <= 50],
  ['track() ≤ 5× baseline', track.median / baseline.median <= 5],
  ['page() ≤ 5× baseline', page.median / baseline.median <= 5],
  ['no body over 64 KiB', Math.max(...requests) <= 65536],
  ['unload stays within the 64 KiB keepalive budget', unloadRequests.reduce((a, b) => a + b, 0) <= 65536],
]
results.targets = Object.fromEntries(targets)

console.log('\nspa-telemetry: cost per call (µs, queued, not sent; bytes allocated per call)')
console.table(results.perCallMicroseconds)
console.log('bursts')
console.table(results.burst)
for (const [name, ok] of targets) console.log(`${ok ? 'PASS' : 'MISS'}  ${name}`)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/tracker.json', import.meta.url), JSON.stringify(results, null, 2) + '\n')
process.exitCode = targets.every(([, ok]) => ok) ? 0 : 1
