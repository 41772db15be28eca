/**
 * spa-telemetry/vite as an attacker tries it (issue 21, our own pass): the
 * stored events must not be served through a symbolic link. Vite serves a
 * file through any link under its root, and at its real path under `/@fs/`;
 * the plugin compared URLs with the directory's name only. Real Vite dev
 * servers, and a page of another local app asking (Vite's CORS lets
 * localhost origins read answers).
 */
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'vite'
import type { ViteDevServer } from 'vite'
import { afterAll, describe, expect, it } from 'vitest'

import telemetry from '../../vite/index.js'
import type { VitePluginOptions } from '../../vite/index.js'

// realpath: the temporary directory may itself be reached through a link (macOS's /var)
const temp = realpathSync(mkdtempSync(join(tmpdir(), 'spa-telemetry-vite-links-')))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

const CANARY = 'CANARYlinkInstall0001'

/** A dev server of an app in `root` with the plugin, listening on a free port, and its origin. */
const start = async (
  root: string,
  options: VitePluginOptions = {},
): Promise<{ server: ViteDevServer; url: string }> => {
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>')
  const server = await createServer({
    configFile: false,
    root,
    cacheDir: join(temp, 'vite-cache'),
    logLevel: 'silent',
    plugins: [telemetry(options)],
    server: { port: 0, host: '127.0.0.1' },
  })
  await server.listen()
  const { port } = server.httpServer!.address() as { port: number }
  return { server, url: `http://127.0.0.1:${port}` }
}

/** Stores one page view through the plugin's collector; the name of the day file it went to. */
const store = async (url: string, dir: string): Promise<string> => {
  const body = {
    schema: 1,
    sentAt: new Date().toISOString(),
    library: { name: 'spa-telemetry', version: '0.1.0' },
    app: { name: 'console' },
    anonymousId: CANARY,
    events: [{ id: 'linkEvent000000000001', type: 'page', ts: Date.now(), path: '/' }],
    dropped: 0,
  }
  const response = await fetch(`${url}/telemetry`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'text/plain' },
  })
  expect(response.status).toBe(204)
  return readdirSync(dir).find(name => name.endsWith('.ndjson'))!
}

/** What each URL answers to a page of another local app: its status, and whether the events are in it. */
const ask = (url: string, paths: string[]): Promise<[string, number, boolean][]> =>
  Promise.all(
    paths.map(async path => {
      const response = await fetch(url + path, { headers: { origin: 'http://localhost:3000' } })
      return [path, response.status, (await response.text()).includes(CANARY)] as [string, number, boolean]
    }),
  )

describe('the stored events through symbolic links', () => {
  it('a link under the root to the events directory serves nothing of it', async () => {
    const root = join(temp, 'inside')
    mkdirSync(root)
    symlinkSync(join(root, '.spa-telemetry'), join(root, 'logs'))
    const { server, url } = await start(root)
    try {
      const file = await store(url, join(root, '.spa-telemetry'))
      const paths = [
        `/logs/${file}`,
        `/logs/${file}?raw`,
        `/logs/${file}?import&raw`,
        `/@fs${root}/logs/${file}`,
        '/logs/',
      ]
      expect(await ask(url, paths)).toEqual(paths.map(path => [path, 403, false]))
      // the app is still served
      expect(await (await fetch(`${url}/`)).text()).toContain('<title>app</title>')
    } finally {
      await server.close()
    }
  })

  it('a directory given through a link is not served at its real path (/@fs/ in a workspace Vite allows)', async () => {
    const real = join(temp, 'workspace')
    mkdirSync(join(real, 'app'), { recursive: true })
    // a workspace root: Vite's server.fs.allow then holds it, and the events directory beside the app
    writeFileSync(join(real, 'package.json'), JSON.stringify({ private: true, workspaces: ['app'] }))
    const link = join(temp, 'workspace-link')
    symlinkSync(real, link)
    const { server, url } = await start(join(real, 'app'), { dir: join(link, 'events') })
    try {
      const file = await store(url, join(real, 'events'))
      const paths = [
        `/@fs${real}/events/${file}`,
        `/@fs${real}/events/${file}?raw`,
        `/@fs${link}/events/${file}`,
        `/@fs${real}/events/`,
      ]
      expect(await ask(url, paths)).toEqual(paths.map(path => [path, 403, false]))
    } finally {
      await server.close()
    }
  })
})
