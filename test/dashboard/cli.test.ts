/**
 * The command serves the dashboard beside the collector, on the same port:
 * /dashboard/ answers this machine, the collector still takes events, and
 * --no-dashboard turns it off.
 */
import { describe, expect, it } from 'vitest'

import { run } from '../../collector/cli.js'
import { payload, tempDir } from '../helpers/collector.js'

describe('spa-telemetry collect with the dashboard', () => {
  it('serves /dashboard on the collector’s port, reading what the collector stores', async () => {
    const lines: string[] = []
    const stop = (await run(['--port', '0', '--dir', tempDir(), '--no-fsync'], line => lines.push(line)))!
    try {
      const origin = new URL(lines[0].slice(lines[0].indexOf('http'))).origin
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(`; dashboard on ${origin}/dashboard/ \\(this machine only\\)$`))
      const body = payload([{ type: 'page', path: '/nc/:project_id' }])
      expect(
        (
          await fetch(`${origin}/telemetry`, {
            method: 'POST',
            body: JSON.stringify(body),
            headers: { 'content-type': 'text/plain' },
          })
        ).status,
      ).toBe(204)
      const page = await fetch(`${origin}/dashboard/`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
      const scopes = (await (await fetch(`${origin}/dashboard/api/scopes`)).json()) as { threshold: number }
      expect(scopes.threshold).toBe(5)
      // one install: its screen is folded (threshold 5), so nothing shows, not even how much is folded
      const screens = (await (await fetch(`${origin}/dashboard/api/screens?app=acme-console&env=`)).json()) as {
        rows: unknown[]
        folded: string
      }
      expect(screens.rows).toEqual([])
      expect(screens.folded).toBe('under threshold')
    } finally {
      await stop()
    }
  })

  it('--threshold 0 shows everything (development); --no-dashboard serves none', async () => {
    const dir = tempDir()
    const lines: string[] = []
    let stop = (await run(['--port', '0', '--dir', dir, '--no-fsync', '--threshold', '0'], line => lines.push(line)))!
    try {
      const origin = new URL(lines[0].slice(lines[0].indexOf('http'))).origin
      await fetch(`${origin}/telemetry`, {
        method: 'POST',
        body: JSON.stringify(payload([{ type: 'page', path: '/nc/:project_id' }])),
        headers: { 'content-type': 'text/plain' },
      })
      const screens = (await (await fetch(`${origin}/dashboard/api/screens?app=acme-console&env=`)).json()) as {
        rows: { key: string[] }[]
      }
      expect(screens.rows.map(row => row.key[0])).toEqual(['/nc/:project_id'])
    } finally {
      await stop()
    }
    lines.length = 0
    stop = (await run(['--port', '0', '--dir', dir, '--no-dashboard'], line => lines.push(line)))!
    try {
      expect(lines.some(line => line.includes('dashboard'))).toBe(false)
      expect((await fetch(`${new URL(lines[0].slice(lines[0].indexOf('http'))).origin}/dashboard/`)).status).toBe(404)
    } finally {
      await stop()
    }
  })
})
