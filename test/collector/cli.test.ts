/**
 * The command (`spa-telemetry collect`, alias `spa-telemetry-collector`), run
 * in this process (npx.test.ts runs it from the packed package), and the
 * package's collector entry: bins, export conditions that keep it out of
 * browser bundles, and a browser stub that fails loudly.
 */
import { readFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'

import { COMMANDS, FLAGS, main, refusalLog, run, usage } from '../../collector/cli.js'
import { stopOnSignal } from '../../collector/process.js'
import type { ProcessHooks } from '../../collector/process.js'
import * as collector from '../../collector/index.js'
import { payload, stored, tempDir } from '../helpers/collector.js'

const start = async (args: string[]) => {
  const lines: string[] = []
  const stop = await run(args, line => lines.push(line))
  return { lines, stop: stop!, endpoint: lines[0]?.split(' ')[3] ?? '' }
}

const send = (endpoint: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(endpoint, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'text/plain', ...headers },
  })

describe('spa-telemetry collect (and spa-telemetry-collector)', () => {
  it('--help documents every flag', async () => {
    const lines: string[] = []
    expect(await run(['--help'], line => lines.push(line))).toBeUndefined()
    for (const flag of Object.keys(FLAGS)) expect(lines.join('\n')).toContain(`--${flag} `)
    expect(lines.join('\n')).toBe(usage('collect'))
    expect(usage('collect')).toMatch(/--origin .*'\*' for any/)
    expect(usage('collect')).toMatch(
      /^spa-telemetry collect: .*\n\nUsage: npx spa-telemetry collect \[flags\] {3}\(or: npx spa-telemetry-collector \[flags\]\)\n/,
    )
  })

  it('spa-telemetry: --help (or nothing) lists the commands; collect --help its flags; another word is an error', async () => {
    for (const args of [[], ['--help'], ['-h'], ['help']]) {
      const lines: string[] = []
      expect(await main(args, line => lines.push(line))).toBeUndefined()
      expect(lines).toEqual([usage()])
    }
    expect(usage()).toContain(`  collect    ${COMMANDS.collect.summary}`)
    for (const args of [
      ['collect', '--help'],
      ['help', 'collect'],
    ]) {
      const lines: string[] = []
      await main(args, line => lines.push(line))
      expect(lines).toEqual([usage('collect')])
    }
    await expect(main(['serve'])).rejects.toThrow(/^\[spa-telemetry\] "serve" is not a command: expected collect$/)
    await expect(main(['constructor'])).rejects.toThrow(/is not a command/)
    expect(usage('constructor')).toBe(usage())
  })

  it('prints one line at start (URL, store, origins) and stores in --dir', async () => {
    const dir = tempDir()
    const { lines, stop, endpoint } = await start(['--port', '0', '--dir', dir])
    try {
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/telemetry$/)
      expect(lines).toEqual([
        `spa-telemetry collector on ${endpoint} storing in ${dir}/events-YYYY-MM-DD.ndjson, for pages on the same origin only (--origin allows others); dashboard on ${new URL(endpoint).origin}/dashboard/ (this machine only)`,
      ])
      const body = payload(2)
      const response = await fetch(endpoint, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'text/plain' },
      })
      expect(response.status).toBe(204)
      expect(stored(dir).map(e => e.id)).toEqual(body.events.map(e => e.id))
      expect(
        (await fetch(new URL('/', endpoint), { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } }))
          .status,
      ).toBe(404)
    } finally {
      await stop()
    }
  })

  it('--origin (repeated) allows those origins; rate flags set the limits; 0 turns one off', async () => {
    const dir = tempDir()
    const { lines, stop, endpoint } = await start([
      '--port',
      '0',
      '--dir',
      dir,
      '--origin',
      'https://a.example',
      '--origin',
      'https://b.example',
      '--client-rate',
      '1',
      '--client-burst',
      '2',
      '--rate',
      '0',
      '--path',
      '/t',
      '--no-fsync',
    ])
    try {
      expect(lines[0]).toMatch(
        / for pages on https:\/\/a\.example, https:\/\/b\.example and the same origin; dashboard on http:\/\/127\.0\.0\.1:\d+\/dashboard\/ \(this machine only\)$/,
      )
      const preflight = await fetch(endpoint, {
        method: 'OPTIONS',
        headers: { origin: 'https://b.example', 'access-control-request-method': 'POST' },
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://b.example')
      const send = () =>
        fetch(endpoint, {
          method: 'POST',
          body: JSON.stringify(payload(2)),
          headers: { 'content-type': 'text/plain', origin: 'https://a.example' },
        })
      expect((await send()).status).toBe(204)
      const limited = await send()
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('2')
    } finally {
      await stop()
    }
  })

  it('without --verbose: silent, but for one hint the first time a page on another origin is refused', async () => {
    const dir = tempDir()
    const { lines, stop, endpoint } = await start(['--port', '0', '--dir', dir])
    try {
      for (const origin of ['http://localhost:5173', 'http://localhost:5173', 'https://other.example'])
        expect((await send(endpoint, payload(1), { origin })).status).toBe(403)
      expect((await send(endpoint, '{')).status).toBe(400)
      expect(lines.slice(1)).toEqual([
        '[spa-telemetry] refused a page on http://localhost:5173 (403): to accept it, start the collector with --origin http://localhost:5173',
      ])
    } finally {
      await stop()
    }
  })

  it('--verbose: a line per refused request, its status and reason, never its content', async () => {
    const dir = tempDir()
    const { lines, stop, endpoint } = await start([
      '--port',
      '0',
      '--dir',
      dir,
      '--verbose',
      '--origin',
      'https://app.example',
    ])
    try {
      const secret = 'alice-at-example-com'
      const answers = [
        await send(endpoint, payload(1), { origin: `https://${secret}.example` }),
        await send(endpoint, payload(1), { 'content-type': `text/${secret}` }),
        await send(endpoint, { ...payload(1), [secret]: 'x' }),
        await send(
          endpoint,
          payload([{ type: 'track', name: 'x', path: undefined, props: { [secret]: { a: 1 } as never } }]),
        ),
        await send(
          endpoint,
          JSON.stringify(payload([{ type: 'track', name: 'x', path: undefined, props: { label: 'x__' } }])).replace(
            'x__',
            `${secret}\\udc00`,
          ),
        ),
        await send(endpoint, payload(1), {
          authorization: `Bearer ${secret}`,
          cookie: `s=${secret}`,
          origin: 'https://app.example',
        }),
      ]
      expect(answers.map(r => r.status)).toEqual([403, 415, 400, 400, 400, 204])
      expect(lines.slice(1)).toEqual([
        `[spa-telemetry] refused a page on https://${secret}.example (403): to accept it, start the collector with --origin https://${secret}.example`,
        '[spa-telemetry] refused 403: origin not allowed',
        '[spa-telemetry] refused 415: content type is not text/plain or application/json',
        '[spa-telemetry] refused 400: body does not match schema/v1.json: / must NOT have additional properties',
        '[spa-telemetry] refused 400: body does not match schema/v1.json: /events/0/props/* must be string',
        '[spa-telemetry] refused 400: body refused: /events/0/props/* holds a lone surrogate',
      ])
      expect(lines.slice(2).join('\n')).not.toContain(secret)
    } finally {
      await stop()
    }
  })

  it('--verbose under a flood: at most 20 lines a second, the rest counted', async () => {
    const lines: string[] = []
    let now = 1_000_000
    const log = refusalLog(
      line => lines.push(line),
      true,
      () => now,
    )
    for (let i = 0; i < 60; i++) log.refused({ status: 400, reason: 'body is not JSON' })
    expect(lines).toEqual(Array(20).fill('[spa-telemetry] refused 400: body is not JSON'))
    now += 1000
    log.refused({ status: 429, reason: 'rate limit: retry in 1 s' })
    log.flush()
    expect(lines.slice(20)).toEqual([
      '[spa-telemetry] … 40 more refused requests not shown',
      '[spa-telemetry] refused 429: rate limit: retry in 1 s',
    ])
    // through the command: every refusal is shown or counted
    const dir = tempDir()
    const { lines: printed, stop, endpoint } = await start(['--port', '0', '--dir', dir, '--verbose'])
    try {
      await Promise.all(Array.from({ length: 60 }, () => send(endpoint, '{')))
    } finally {
      await stop()
    }
    const shown = printed.filter(line => line === '[spa-telemetry] refused 400: body is not JSON').length
    const hidden = printed
      .filter(line => / more refused requests? not shown$/.test(line))
      .reduce((sum, line) => sum + Number(/… (\d+) more/.exec(line)![1]), 0)
    expect(shown + hidden).toBe(60)
  })

  it('stops on SIGTERM once its writes are done; a store that hangs cannot keep it alive (grace), nor can it after a second signal', async () => {
    const hooks = () => {
      const listeners: Record<string, () => void> = {}
      const exits: number[] = []
      const errors: string[] = []
      const process: ProcessHooks = {
        on: (signal, listener) => (listeners[signal] = listener),
        exit: code => void exits.push(code),
        error: line => void errors.push(line),
      }
      return { process, listeners, exits, errors }
    }
    const until = async (done: () => boolean) => {
      for (const end = Date.now() + 5000; !done() && Date.now() < end;)
        await new Promise(resolve => setTimeout(resolve, 10))
    }
    // a clean stop
    const clean = hooks()
    stopOnSignal((await start(['--port', '0', '--dir', tempDir()])).stop, 2000, clean.process)
    clean.listeners.SIGTERM()
    await until(() => clean.exits.length > 0)
    expect(clean.exits).toEqual([0])
    // an fsync that never returns
    const dir = tempDir()
    const probe = await open(join(dir, 'probe'), 'w')
    await probe.close()
    const hang = vi
      .spyOn(Object.getPrototypeOf(probe) as { datasync(): Promise<void> }, 'datasync')
      .mockImplementation(() => new Promise(() => {}))
    try {
      const { stop, endpoint } = await start(['--port', '0', '--dir', dir, '--store-timeout', '50'])
      expect((await send(endpoint, payload(1))).status).toBe(503)
      const hung = hooks()
      stopOnSignal(stop, 100, hung.process)
      hung.listeners.SIGINT()
      await until(() => hung.exits.length > 0)
      expect(hung.exits).toEqual([1])
      expect(hung.errors).toEqual([
        '[spa-telemetry] the store did not finish its writes within 0.1 s: stopped without them (their requests got no 2xx)',
      ])
      const twice = hooks()
      stopOnSignal(stop, 1000, twice.process)
      twice.listeners.SIGTERM()
      twice.listeners.SIGTERM()
      expect(twice.exits).toEqual([1])
      expect(twice.errors).toEqual(['[spa-telemetry] stopped without waiting for the store'])
    } finally {
      hang.mockRestore()
    }
  })

  it('refuses a bad flag or value with a message', async () => {
    await expect(run(['--bogus'])).rejects.toThrow(/^\[spa-telemetry\] Unknown option '--bogus'/)
    await expect(run(['--port', 'eighty'])).rejects.toThrow(/^\[spa-telemetry\] --port is "eighty": expected a number$/)
    await expect(run(['--port', '70000', '--dir', tempDir()])).rejects.toThrow(
      /^\[spa-telemetry\] port is 70000: expected a whole number from 0 to 65535$/,
    )
    await expect(run(['--origin', 'https://a.example/', '--dir', tempDir()])).rejects.toThrow(
      /^\[spa-telemetry\] origins\[0\] is "https:\/\/a.example\/": expected an origin/,
    )
  })
})

describe('the spa-telemetry/collector entry', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'))

  it('has bins (spa-telemetry, and its alias) and export conditions that never give a browser bundle the collector', () => {
    expect(pkg.bin).toEqual({
      'spa-telemetry': './dist/collector/spa-telemetry.js',
      'spa-telemetry-collector': './dist/collector/bin.js',
    })
    const entry = pkg.exports['./collector']
    const conditions = Object.keys(entry)
    expect(conditions[0]).toBe('types')
    expect(conditions.at(-1)).toBe('default')
    expect(entry.browser).toBe('./dist/collector/browser.js')
    // workers' bundlers also set "browser": their own conditions come first
    for (const server of ['workerd', 'worker', 'edge-light', 'deno', 'bun', 'node'])
      expect(conditions.indexOf(server), server).toBeLessThan(conditions.indexOf('browser'))
  })

  it('the browser stub throws a clear error and exports the same names', async () => {
    const source = readFileSync('collector/browser.ts', 'utf8')
    const names = [...source.matchAll(/^export const (\w+)/gm)].map(([, name]) => name).sort()
    expect(names).toEqual(Object.keys(collector).sort())
    await expect(import('../../collector/browser.js')).rejects.toThrow(
      '[spa-telemetry] spa-telemetry/collector is server-only',
    )
  })

  it('imports nothing of Node at load time (it runs in workers): node modules, srvx and the ClickHouse client load lazily', () => {
    for (const file of [
      'handler',
      'body',
      'refusal',
      'text',
      'validate',
      'limits',
      'dedupe',
      'group',
      'check',
      'node',
      'stores/ndjson',
      'stores/clickhouse',
    ]) {
      const source = readFileSync(`collector/${file}.ts`, 'utf8')
      const imports = [...source.matchAll(/^import (?!type)[^\n]* from '([^']+)'/gm)].map(([, from]) => from)
      expect(
        imports.filter(from => !from.startsWith('.')),
        file,
      ).toEqual([])
    }
  })
})
