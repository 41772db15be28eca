/**
 * The command as a user runs it: `npm pack` (the tarball that would be
 * published), installed in an empty directory with no network at all (an
 * empty npm cache, --offline; the package's dependencies packed from this
 * checkout's node_modules), then `npx spa-telemetry …` and `npx
 * spa-telemetry-collector …` there (the checks that need no npx run the
 * installed bin directly). Needs `npm run build` first (npm test builds
 * before it runs the tests). About 20 s on an idle machine.
 */
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { payload, stored } from '../helpers/collector.js'

const exec = promisify(execFile)
const root = resolve('.')
const work = mkdtempSync(join(tmpdir(), 'spa-telemetry-npx-'))
const app = join(work, 'app') // the empty directory
const cache = join(work, 'npm-cache') // empty: nothing can come from an earlier install
const env = {
  ...process.env,
  npm_config_cache: cache,
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  NO_COLOR: '1',
}
const running = new Set<ChildProcess>()
let tarball = ''

/** The directories in node_modules of the package's dependencies, and of theirs. */
const dependencies = (pkg: { dependencies?: Record<string, string> }, seen = new Set<string>()): string[] =>
  Object.keys(pkg.dependencies ?? {})
    .filter(name => !seen.has(name) && seen.add(name))
    .flatMap(name => {
      const dir = join(root, 'node_modules', name)
      return [dir, ...dependencies(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')), seen)]
    })

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/collector/spa-telemetry.js')))
    throw new Error('dist/ is missing: run npm run build first (npm test does)')
  mkdirSync(app)
  const packed = join(work, 'packed')
  mkdirSync(packed)
  // the package and its dependencies in one call; scripts off: prepack would build again (dist is this checkout's build)
  const { stdout } = await exec(
    'npm',
    [
      'pack',
      '--ignore-scripts',
      '--silent',
      '--pack-destination',
      packed,
      '.',
      ...dependencies(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))),
    ],
    { cwd: root, env },
  )
  const tarballs = stdout
    .trim()
    .split('\n')
    .map(name => join(packed, name))
  tarball = tarballs[0]
  await exec('npm', ['install', '--no-package-lock', '--loglevel=error', ...tarballs], { cwd: app, env })
}, 120_000)

afterAll(() => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // gone
    }
  }
  rmSync(work, { recursive: true, force: true })
})

/** Runs a command in the app directory to the end: `npx …`, or the installed bin itself. */
const npx = (args: string[], bin = false) =>
  (bin
    ? exec(join(app, 'node_modules/.bin', args[0]), args.slice(1), { cwd: app, env })
    : exec('npx', args, { cwd: app, env })
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  )

/** Starts `npx <args>` (its own process group) and resolves with its first line. */
const start = (args: string[]) =>
  new Promise<{ child: ChildProcess; lines: string[]; first: string }>((resolve, reject) => {
    const child = spawn('npx', args, { cwd: app, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    running.add(child)
    const lines: string[] = []
    let err = ''
    let out = ''
    child.stderr!.on('data', data => (err += data))
    child.stdout!.on('data', data => {
      out += data
      const complete = out.split('\n')
      out = complete.pop()!
      lines.push(...complete)
      if (lines.length) resolve({ child, lines, first: lines[0] })
    })
    child.on('exit', code => reject(new Error(`npx ${args.join(' ')} exited (${code}) before printing: ${err}`)))
  })

/** SIGTERM to the process group (npx and the command); resolves once npx has exited. */
const stop = (child: ChildProcess) =>
  new Promise<void>(resolve => {
    child.once('exit', () => {
      running.delete(child)
      resolve()
    })
    process.kill(-child.pid!, 'SIGTERM')
  })

/** Whether anything still answers at the URL. */
const answers = (url: string) =>
  fetch(url, { method: 'OPTIONS' }).then(
    () => true,
    () => false,
  )

describe('the packed package', () => {
  it('holds dist, the schema, the CHANGELOG and both commands; prepack builds', async () => {
    const { stdout } = await exec('tar', ['-tzf', tarball])
    const files = stdout.split('\n')
    for (const file of [
      'package/CHANGELOG.md',
      'package/README.md',
      'package/LICENSE',
      'package/schema/v1.json',
      'package/dist/index.js',
      'package/dist/collector/index.js',
      'package/dist/collector/spa-telemetry.js',
      'package/dist/collector/bin.js',
      'package/dist/types/collector/index.d.ts',
    ]) {
      expect(files, file).toContain(file)
    }
    expect(files.filter(file => /^package\/(src|collector|test|adapters|bench|demo)\//.test(file))).toEqual([])
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.prepack).toBe('npm run -s build')
  })
})

describe('npx in an empty directory, from the packed package', () => {
  it('spa-telemetry --help, spa-telemetry collect --help, spa-telemetry-collector --help', async () => {
    const [top, collect, alias] = await Promise.all([
      npx(['spa-telemetry', '--help']),
      npx(['spa-telemetry', 'collect', '--help'], true),
      npx(['spa-telemetry-collector', '--help'], true),
    ])
    expect(top).toMatchObject({ code: 0, stderr: '' })
    expect(top.stdout).toMatch(
      /^spa-telemetry: .*\n\nUsage: npx spa-telemetry <command> \[flags\]\n\nCommands:\n {2}collect /,
    )
    expect(collect).toMatchObject({ code: 0, stderr: '' })
    expect(collect.stdout).toMatch(/^spa-telemetry collect: /)
    expect(collect.stdout).toContain('--verbose')
    expect(alias.stdout).toBe(collect.stdout)
  }, 60_000)

  it('a wrong flag: one sentence and where the flags are, exit 1', async () => {
    const [wrong, alias, command] = await Promise.all([
      npx(['spa-telemetry', 'collect', '--prot', '80'], true),
      npx(['spa-telemetry-collector', '--port', 'eighty'], true),
      npx(['spa-telemetry', 'serve'], true),
    ])
    expect([wrong.code, alias.code, command.code]).toEqual([1, 1, 1])
    expect(wrong.stderr).toBe(
      "[spa-telemetry] Unknown option '--prot'\n(spa-telemetry collect --help lists the flags)\n",
    )
    expect(alias.stderr).toBe(
      '[spa-telemetry] --port is "eighty": expected a number\n(spa-telemetry-collector --help lists the flags)\n',
    )
    expect(command.stderr).toBe(
      '[spa-telemetry] "serve" is not a command: expected collect\n(spa-telemetry --help lists the flags)\n',
    )
  }, 60_000)

  it('spa-telemetry collect --dir ./events: one line at start, events stored in ./events, --verbose refusals, stops on SIGTERM', async () => {
    const { child, lines, first } = await start([
      'spa-telemetry',
      'collect',
      '--port',
      '0',
      '--dir',
      './events',
      '--verbose',
    ])
    const endpoint = first.split(' ')[3]
    expect(first).toBe(
      `spa-telemetry collector on ${endpoint} storing in ./events/events-YYYY-MM-DD.ndjson, for pages on the same origin only (--origin allows others); dashboard on ${new URL(endpoint).origin}/dashboard/ (this machine only)`,
    )
    const body = payload(2)
    const send = (headers: Record<string, string> = {}) =>
      fetch(endpoint, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'text/plain', ...headers },
      })
    expect((await send()).status).toBe(204)
    expect(stored(join(app, 'events')).map(e => e.id)).toEqual(body.events.map(e => e.id))
    expect((await send({ origin: 'http://localhost:5173' })).status).toBe(403)
    for (const until = Date.now() + 10_000; lines.length < 3 && Date.now() < until;)
      await new Promise(resolve => setTimeout(resolve, 50))
    expect(lines.slice(1)).toEqual([
      '[spa-telemetry] refused a page on http://localhost:5173 (403): to accept it, start the collector with --origin http://localhost:5173',
      '[spa-telemetry] refused 403: origin not allowed',
    ])
    await stop(child)
    expect(await answers(endpoint)).toBe(false)
  }, 60_000)

  it('spa-telemetry-collector (the alias) takes the same flags', async () => {
    const { child, first } = await start([
      'spa-telemetry-collector',
      '--port',
      '0',
      '--dir',
      './alias-events',
      '--origin',
      'https://app.example',
    ])
    expect(first).toMatch(
      /^spa-telemetry collector on http:\/\/127\.0\.0\.1:\d+\/telemetry storing in \.\/alias-events\/events-YYYY-MM-DD\.ndjson, for pages on https:\/\/app\.example and the same origin; dashboard on http:\/\/127\.0\.0\.1:\d+\/dashboard\/ \(this machine only\)$/,
    )
    const response = await fetch(first.split(' ')[3], {
      method: 'POST',
      body: JSON.stringify(payload(1)),
      headers: { 'content-type': 'text/plain', origin: 'https://app.example' },
    })
    expect(response.status).toBe(204)
    expect(stored(join(app, 'alias-events'))).toHaveLength(1)
    await stop(child)
  }, 60_000)
})
