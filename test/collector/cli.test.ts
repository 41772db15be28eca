/**
 * The command (`spa-telemetry-collector`), run in this process, and the
 * package's collector entry: a bin, export conditions that keep it out of
 * browser bundles, and a browser stub that fails loudly.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import { FLAGS, run, usage } from '../../collector/cli.js'
import * as collector from '../../collector/index.js'
import { payload, stored, tempDir } from './helpers.js'

const start = async (args: string[]) => {
  const lines: string[] = []
  const stop = await run(args, line => lines.push(line))
  return { lines, stop: stop!, endpoint: lines[0]?.replace('spa-telemetry collector: ', '') ?? '' }
}

describe('spa-telemetry-collector', () => {
  it('--help documents every flag', async () => {
    const lines: string[] = []
    expect(await run(['--help'], line => lines.push(line))).toBeUndefined()
    for (const flag of Object.keys(FLAGS)) expect(lines.join('\n')).toContain(`--${flag} `)
    expect(usage()).toMatch(/--origin .*'\*' for any/)
  })

  it('prints its URL and stores in --dir', async () => {
    const dir = tempDir()
    const { lines, stop, endpoint } = await start(['--port', '0', '--dir', dir])
    try {
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/telemetry$/)
      expect(lines[1]).toBe(`storing in ${dir}/events-YYYY-MM-DD.ndjson`)
      const body = payload(2)
      const response = await fetch(endpoint, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'text/plain' } })
      expect(response.status).toBe(204)
      expect(stored(dir).map(e => e.id)).toEqual(body.events.map(e => e.id))
      expect((await fetch(new URL('/', endpoint), { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } })).status).toBe(404)
    } finally {
      await stop()
    }
  })

  it('--origin (repeated) allows those origins; rate flags set the limits; 0 turns one off', async () => {
    const dir = tempDir()
    const { stop, endpoint } = await start(['--port', '0', '--dir', dir, '--origin', 'https://a.example', '--origin', 'https://b.example', '--client-rate', '1', '--client-burst', '2', '--rate', '0', '--path', '/t', '--no-fsync'])
    try {
      const preflight = await fetch(endpoint, { method: 'OPTIONS', headers: { origin: 'https://b.example', 'access-control-request-method': 'POST' } })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://b.example')
      const send = () => fetch(endpoint, { method: 'POST', body: JSON.stringify(payload(2)), headers: { 'content-type': 'text/plain', origin: 'https://a.example' } })
      expect((await send()).status).toBe(204)
      const limited = await send()
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('2')
    } finally {
      await stop()
    }
  })

  it('refuses a bad flag or value with a message', async () => {
    await expect(run(['--bogus'])).rejects.toThrow(/Unknown option '--bogus'/)
    await expect(run(['--port', 'eighty'])).rejects.toThrow(/^\[spa-telemetry\] --port is "eighty": expected a number$/)
    await expect(run(['--port', '70000', '--dir', tempDir()])).rejects.toThrow(/^\[spa-telemetry\] port is 70000: expected a whole number from 0 to 65535$/)
    await expect(run(['--origin', 'https://a.example/', '--dir', tempDir()])).rejects.toThrow(/^\[spa-telemetry\] origins\[0\] is "https:\/\/a.example\/": expected an origin/)
  })
})

describe('the spa-telemetry/collector entry', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'))

  it('has a bin and export conditions that never give a browser bundle the collector', () => {
    expect(pkg.bin['spa-telemetry-collector']).toBe('./dist/collector/bin.js')
    const entry = pkg.exports['./collector']
    const conditions = Object.keys(entry)
    expect(conditions[0]).toBe('types')
    expect(conditions.at(-1)).toBe('default')
    expect(entry.browser).toBe('./dist/collector/browser.js')
    // workers' bundlers also set "browser": their own conditions come first
    for (const server of ['workerd', 'worker', 'edge-light', 'deno', 'bun', 'node']) expect(conditions.indexOf(server), server).toBeLessThan(conditions.indexOf('browser'))
  })

  it('the browser stub throws a clear error and exports the same names', async () => {
    const source = readFileSync('collector/browser.ts', 'utf8')
    const names = [...source.matchAll(/^export const (\w+)/gm)].map(([, name]) => name).sort()
    expect(names).toEqual(Object.keys(collector).sort())
    await expect(import('../../collector/browser.js')).rejects.toThrow('[spa-telemetry] spa-telemetry/collector is server-only')
  })

  it('imports nothing of Node at load time (it runs in workers): node modules, srvx and the ClickHouse client load lazily', () => {
    for (const file of ['handler', 'validate', 'limits', 'dedupe', 'group', 'check', 'node', 'stores/ndjson', 'stores/clickhouse']) {
      const source = readFileSync(`collector/${file}.ts`, 'utf8')
      const imports = [...source.matchAll(/^import (?!type)[^\n]* from '([^']+)'/gm)].map(([, from]) => from)
      expect(imports.filter(from => !from.startsWith('.')), file).toEqual([])
    }
  })
})
