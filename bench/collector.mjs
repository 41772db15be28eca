// The collector under load and faults, on loopback only, bounded in time:
// 1. 100 concurrent clients (autocannon connections: many browsers, each
//    waiting for its answer) send 20-event batches for 10 s to a bare node:http
//    server that reads the body and answers 204, and for 10 s to the collector
//    (the command, ndjson store, fsync before each answer), in slices that
//    alternate so that both see the same machine: batches/s, events/s, p99
//    latency, and every acknowledged event in the store exactly once. (The
//    collector's answers wait for an fsync shared by the requests that arrive
//    meanwhile: its throughput grows with the clients, the bare server's does not);
// 2. the collector is killed with SIGKILL in the middle of a load and started
//    again on the same directory: every event that got a 2xx is in the store,
//    none twice (clients retry failed batches with the same ids, as the tracker does).
// Exits 1 when a target is missed. Run after `npm run build`: node bench/collector.mjs
import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const SECONDS = Number(process.env.BENCH_SECONDS || 10)
const SLICES = 5
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 100)
const BATCH = 20
const TARGET = 0.3
const BIN = new URL('../dist/collector/bin.js', import.meta.url).pathname
if (!existsSync(BIN)) {
  console.error('dist/collector/bin.js is missing: run npm run build first')
  process.exit(1)
}

const children = new Set()
process.on('exit', () => children.forEach(child => child.kill('SIGKILL')))

/** Starts a server process; resolves with it and the first URL it prints. */
const start = (args, match = /http:\/\/\S+/) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(child)
    child.on('exit', () => children.delete(child))
    let out = ''
    let err = ''
    child.stderr.on('data', data => (err += data))
    child.stdout.on('data', data => {
      out += data
      const url = out.match(match)?.[0]
      if (url) resolve({ child, url })
    })
    child.on('exit', code => reject(new Error(`server exited (${code}) before printing its URL: ${err}`)))
  })

const stop = child =>
  new Promise(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', resolve)
    child.kill('SIGKILL')
  })

let counter = 0
const tag = Math.random().toString(36).slice(2, 7)
const newId = () => `b${tag}_${(counter++).toString(36)}`.padEnd(21, '-')
const anonymousIds = Array.from({ length: 100 }, (_, i) => `anon_${String(i).padStart(16, '0')}`)

/** A 20-event batch as the tracker sends it; its ids. */
const batch = () => {
  const now = Date.now()
  const events = Array.from({ length: BATCH }, (_, i) =>
    i % 4 === 3
      ? { type: 'track', id: newId(), ts: now - 20 + i, name: 'table_created', props: { kind: 'grid', rows: i } }
      : {
          type: 'page',
          id: newId(),
          ts: now - 20 + i,
          path: '/nc/:project_id/table/:table_id',
          from: '/nc/:project_id',
        },
  )
  const body = JSON.stringify({
    schema: 1,
    sentAt: new Date(now).toISOString(),
    library: { name: 'spa-telemetry', version: '0.1.0' },
    app: { name: 'bench', version: '1.0.0' },
    anonymousId: anonymousIds[counter % anonymousIds.length],
    events,
    dropped: 0,
  })
  return { body, ids: events.map(e => e.id) }
}

/** Runs autocannon against `url` for `seconds` with fresh batches; collects the acknowledged ids. */
const load = async (url, seconds, acked) => {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        setupRequest: (request, context) => {
          const { body, ids } = batch()
          context.ids = ids
          return { ...request, body }
        },
        onResponse: (status, _body, context) => {
          if (status >= 200 && status < 300 && context.ids) acked.push(...context.ids)
        },
      },
    ],
  })
  return {
    ok: result['2xx'],
    seconds: result.duration || seconds,
    p99: result.latency.p99,
    median: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

/** The figures of a server's slices together (p99 and median: the worst slice's). */
const figures = slices => {
  const ok = slices.reduce((sum, slice) => sum + slice.ok, 0)
  const seconds = slices.reduce((sum, slice) => sum + slice.seconds, 0)
  return {
    'batches/s': Math.round(ok / seconds),
    'events/s': Math.round((ok * BATCH) / seconds),
    'p99 ms': Math.max(...slices.map(slice => slice.p99)),
    'median ms': Math.max(...slices.map(slice => slice.median)),
    'non-2xx': slices.reduce((sum, slice) => sum + slice.non2xx, 0),
    errors: slices.reduce((sum, slice) => sum + slice.errors, 0),
  }
}

/** Every id in the store's files, with how often it appears; throws on a line that is not JSON. */
const storedIds = dir => {
  const counts = new Map()
  for (const name of readdirSync(dir).filter(name => name.endsWith('.ndjson'))) {
    const lines = readFileSync(join(dir, name), 'utf8').split('\n')
    if (lines.pop() !== '') throw new Error(`${name} does not end with a newline`)
    for (const line of lines) {
      const { id } = JSON.parse(line)
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
  }
  return counts
}

const check = (acked, counts) => ({
  acknowledged: acked.length,
  stored: [...counts.values()].reduce((a, b) => a + b, 0),
  missing: acked.filter(id => !counts.has(id)).length,
  duplicates: [...counts.values()].filter(n => n > 1).length,
})

const dirs = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'spa-telemetry-bench-'))
  dirs.push(dir)
  return dir
}

const BARE = `require('node:http').createServer((q, s) => { q.on('data', () => {}); q.on('end', () => s.writeHead(204).end()) }).listen(0, '127.0.0.1', function () { console.log('http://127.0.0.1:' + this.address().port + '/telemetry') })`
const collectorArgs = (dir, port = '0') => [BIN, '--port', port, '--dir', dir, '--client-rate', '0', '--rate', '0']

/** This machine's fsync latency right now (64 KB appends): the floor of a durable answer. */
const fsyncLatency = async () => {
  const dir = tempDir()
  const { open } = await import('node:fs/promises')
  const handle = await open(join(dir, 'probe'), 'a')
  const times = []
  for (let i = 0; i < 20; i++) {
    await handle.appendFile(Buffer.alloc(64 * 1024, 0x20))
    const started = performance.now()
    await handle.datasync()
    times.push(performance.now() - started)
  }
  await handle.close()
  times.sort((a, b) => a - b)
  return { median: Math.round(times[10] * 10) / 10, p90: Math.round(times[18] * 10) / 10 }
}

const results = {
  date: new Date().toISOString(),
  seconds: SECONDS,
  slices: SLICES,
  connections: CONNECTIONS,
  batch: BATCH,
}
let failed = false
try {
  results['fsync ms'] = await fsyncLatency()
  // 1. throughput: the bare node:http server and the collector, side by side in alternating slices
  const dir = tempDir()
  const [bare, collector] = await Promise.all([start(['-e', BARE]), start(collectorArgs(dir))])
  const bareSlices = []
  const collectorSlices = []
  const acked = []
  for (let slice = 0; slice < SLICES; slice++) {
    bareSlices.push(await load(bare.url, SECONDS / SLICES, []))
    collectorSlices.push(await load(collector.url, SECONDS / SLICES, acked))
  }
  await Promise.all([stop(bare.child), stop(collector.child)])
  const bareRun = figures(bareSlices)
  const collectorRun = figures(collectorSlices)
  const integrity = check(acked, storedIds(dir))
  const ratio = Math.round((collectorRun['batches/s'] / bareRun['batches/s']) * 100) / 100
  results.throughput = { 'bare node:http': bareRun, collector: collectorRun, ratio, target: TARGET, integrity }
  console.log(
    `\ncollector under load: ${CONNECTIONS} connections, ${BATCH}-event batches, ${SECONDS} s each in ${SLICES} alternating slices, loopback (fsync here: median ${results['fsync ms'].median} ms, p90 ${results['fsync ms'].p90} ms)`,
  )
  console.table({ 'bare node:http (204)': bareRun, 'collector (ndjson, fsync)': collectorRun })
  console.log(`collector / bare: ${ratio} (target ≥ ${TARGET})${ratio < TARGET ? '  MISS' : ''}`)
  console.log(
    `store: ${integrity.acknowledged} events acknowledged, ${integrity.missing} missing, ${integrity.duplicates} stored twice`,
  )
  if (ratio < TARGET || integrity.missing || integrity.duplicates || collectorRun['non-2xx'] || collectorRun.errors)
    failed = true

  // 2. kill -9 in the middle of the load, then a restart on the same directory
  const crashDir = tempDir()
  let server = await start(collectorArgs(crashDir))
  const port = new URL(server.url).port
  const endpoint = server.url
  const crashAcked = []
  let running = true
  let attempts = 0
  let failures = 0
  const client = async () => {
    while (running) {
      const { body, ids } = batch()
      // the tracker keeps a batch until a 2xx, and sends it again
      while (running) {
        attempts++
        try {
          const response = await fetch(endpoint, {
            method: 'POST',
            body,
            headers: { 'content-type': 'text/plain;charset=UTF-8' },
          })
          await response.arrayBuffer()
          if (response.ok) {
            crashAcked.push(...ids)
            break
          }
        } catch {
          // connection refused or reset: the collector is down
        }
        failures++
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    }
  }
  const clients = Array.from({ length: 16 }, client)
  await new Promise(resolve => setTimeout(resolve, 1500))
  const ackedBeforeKill = crashAcked.length
  await stop(server.child)
  const killedAt = Date.now()
  server = await start(collectorArgs(crashDir, port))
  const downMs = Date.now() - killedAt
  await new Promise(resolve => setTimeout(resolve, 1500))
  running = false
  await Promise.all(clients)
  await stop(server.child)
  const crash = {
    ...check(crashAcked, storedIds(crashDir)),
    ackedBeforeKill,
    'restart ms': downMs,
    attempts,
    'failed attempts': failures,
  }
  results.kill9 = crash
  console.log(`\nkill -9 in the middle of the load, restart on the same directory (${downMs} ms down):`)
  console.log(
    `${crash.acknowledged} events acknowledged (${ackedBeforeKill} before the kill), ${crash.missing} missing, ${crash.duplicates} stored twice; ${failures} of ${attempts} requests failed and were retried`,
  )
  if (crash.missing || crash.duplicates || crash.acknowledged <= ackedBeforeKill) failed = true
} catch (error) {
  console.error(error)
  failed = true
} finally {
  children.forEach(child => child.kill('SIGKILL'))
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
}

results.passed = !failed
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/collector.json', import.meta.url), JSON.stringify(results, null, 2) + '\n')
if (failed) {
  console.error('\ncollector bench: a target was missed')
  process.exit(1)
}
