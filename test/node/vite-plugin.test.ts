/**
 * spa-telemetry/vite in real Vite servers (no browser: the dev server's own
 * middleware and a fetch; test/browser/vite-plugin.test.ts sends from
 * Chromium): the collector answers at the tracker's endpoint in `vite dev` and
 * `vite preview`, events land in the ndjson directory, the start lines say
 * where, and `vite build` leaves nothing of the plugin or the collector in the
 * client bundle.
 */
import { execFile } from 'node:child_process'
import { request } from 'node:http'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { build, createLogger, createServer, preview } from 'vite'
import type { InlineConfig, Logger, PreviewServer, ViteDevServer } from 'vite'
import { afterAll, describe, expect, it } from 'vitest'

import { ignores } from '../../vite/gitignore.js'
import telemetry from '../../vite/index.js'
import type { VitePluginOptions } from '../../vite/index.js'
import { bundle } from '../browser/harness.js'

const FIXTURE = resolve('test/fixtures/vite')
const temp = mkdtempSync(join(tmpdir(), 'spa-telemetry-vite-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

let n = 0
/** A new empty directory under the test's temporary one. */
const fresh = (name: string): string => {
  const dir = join(temp, `${name}-${n++}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

/** A logger that keeps what Vite and the plugin print. */
const recorder = (): Logger & { lines: string[] } => {
  const lines: string[] = []
  const logger = createLogger('info', { allowClearScreen: false })
  return Object.assign(logger, {
    lines,
    info: (message: string) => void lines.push(message),
    warn: (message: string) => void lines.push(message),
  })
}

/** The fixture app (the README's Quick start) with the plugin, as an inline config. */
const config = (options: VitePluginOptions, extra: InlineConfig = {}): InlineConfig => ({
  configFile: false,
  root: FIXTURE,
  cacheDir: join(temp, 'vite-cache'),
  logLevel: 'silent',
  plugins: [telemetry(options)],
  resolve: { alias: { 'spa-telemetry': resolve('src/index.ts') } },
  server: { port: 0, host: '127.0.0.1' },
  preview: { port: 0, host: '127.0.0.1' },
  ...extra,
})

/** The address a listening server answers at. */
const origin = (server: ViteDevServer | PreviewServer): string => {
  const { port } = server.httpServer!.address() as { port: number }
  return `http://127.0.0.1:${port}`
}

let id = 0
/** A valid payload of schema 1, as the tracker sends it. */
const payload = (...events: ({ type: string } & Record<string, unknown>)[]) => ({
  schema: 1,
  sentAt: new Date().toISOString(),
  library: { name: 'spa-telemetry', version: '0.1.0' },
  app: { name: 'console' },
  events: events.map(event => ({ id: `vite${process.pid}_${id++}`.padEnd(21, '-'), ts: Date.now(), ...event })),
  dropped: 0,
})
const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'text/plain;charset=UTF-8' } })

/** The files of this process open under `dir` (Linux: /proc/self/fd). */
const openFiles = (dir: string): string[] =>
  readdirSync('/proc/self/fd').flatMap(fd => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`)
      return target.startsWith(dir + '/') ? [target] : []
    } catch {
      return []
    }
  })

/** The events in a directory's ndjson files. */
const stored = (dir: string): { id: string; type: string; path?: string }[] => {
  let names: string[] = []
  try {
    names = readdirSync(dir).filter(name => name.endsWith('.ndjson'))
  } catch {
    return []
  }
  return names.flatMap(name =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(line => JSON.parse(line)),
  )
}

describe('telemetry(): setup checks', () => {
  it.each([
    [
      { path: 'telemetry' },
      `[spa-telemetry] path is "telemetry": expected a path such as "/telemetry": the tracker's endpoint, without a query or a trailing slash`,
    ],
    [{ path: '/' }, `[spa-telemetry] path is "/": expected a path such as "/telemetry"`],
    [{ path: '/telemetry/' }, `[spa-telemetry] path is "/telemetry/": expected a path such as "/telemetry"`],
    [{ path: '/telemetry?v=1' }, `[spa-telemetry] path is "/telemetry?v=1": expected a path such as "/telemetry"`],
    [{ path: 42 }, '[spa-telemetry] path is 42: expected a path such as "/telemetry"'],
    [{ dir: '' }, '[spa-telemetry] dir is "": expected a directory such as ".spa-telemetry"'],
    [
      { endpoint: '/telemetry' },
      `[spa-telemetry] endpoint is "/telemetry": expected path, the plugin's name for the tracker's endpoint`,
    ],
    [{ directory: './events' }, '[spa-telemetry] directory is "./events": expected dir'],
    [
      { port: 8787 },
      "[spa-telemetry] port is 8787: expected one of the plugin's options: path, dir, dashboard, origins, limits, maxBodyBytes, bodyTimeoutMs, dedupeWindow, onStored, onError",
    ],
    [{ toString: 1 }, "[spa-telemetry] toString is 1: expected one of the plugin's options: path, dir"],
    // the collector's own checks, at once
    [
      { origins: ['https://app.example.com/'] },
      '[spa-telemetry] origins[0] is "https://app.example.com/": expected an origin such as "https://app.example.com"',
    ],
    [{ maxBodyBytes: 0 }, '[spa-telemetry] maxBodyBytes is 0: expected a whole number from 1 to'],
    [{ onStored: 'log' }, '[spa-telemetry] onStored is "log": expected a function'],
  ])('%j fails at once', (options, message) => {
    expect(() => telemetry(options as never)).toThrow(message)
  })

  it('a non-object fails; no options at all is the default', () => {
    expect(() => telemetry('/telemetry' as never)).toThrow(
      '[spa-telemetry] telemetry options is "/telemetry": expected { path, dir, origins, … } or nothing',
    )
    expect(telemetry()).toMatchObject({ name: 'spa-telemetry' })
  })

  it('a bad dedupeWindow fails when the server starts, before any request', async () => {
    await expect(createServer(config({ dir: fresh('dedupe'), dedupeWindow: -1 }))).rejects.toThrow(
      '[spa-telemetry] dedupeWindow is -1: expected a whole number from 0 to',
    )
  })

  it('has no hook that touches modules (resolveId, load, transform…): nothing it could add to a bundle', () => {
    const plugin = telemetry()
    expect(Object.keys(plugin).sort()).toEqual(['configResolved', 'configurePreviewServer', 'configureServer', 'name'])
  })

  it.each([
    ['.', 'the root'],
    ['..', 'the root'],
    ['public/events', 'publicDir'],
    ['dist', 'build.outDir'],
    ['dist/events', 'build.outDir'],
  ])('dir %j (where the events would be served) fails when Vite starts', async (dir, where) => {
    const root = fresh('served')
    await expect(createServer(config({ dir }, { root }))).rejects.toThrow(
      `[spa-telemetry] dir is ${JSON.stringify(dir)}: expected a directory of its own, outside ${where}`,
    )
  })
})

describe('in vite dev', () => {
  it("stores the tracker's events in .spa-telemetry/ under the root, and nothing else is answered", async () => {
    const dir = fresh('dev')
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>')
    const logger = recorder()
    const server = await createServer(config({}, { root: dir, customLogger: logger, logLevel: 'info' }))
    try {
      await server.listen()
      const url = origin(server)
      const body = payload(
        { type: 'page', path: '/nc/:project_id' },
        { type: 'track', name: 'table_created', props: { kind: 'grid' } },
      )
      expect((await post(`${url}/telemetry`, body)).status).toBe(204)
      expect(stored(join(dir, '.spa-telemetry')).map(e => [e.id, e.type])).toEqual(body.events.map(e => [e.id, e.type]))
      expect(openFiles(join(dir, '.spa-telemetry'))).toHaveLength(1)
      // the same request again: stored once
      expect((await post(`${url}/telemetry?retry=1`, body)).status).toBe(204)
      expect(stored(join(dir, '.spa-telemetry'))).toHaveLength(2)
      // the collector's answers at its path; every other path is Vite's
      expect((await fetch(`${url}/telemetry`)).status).toBe(405)
      expect((await post(`${url}/telemetry`, { schema: 1 })).status).toBe(400)
      const below = await fetch(`${url}/telemetry/stream`)
      expect(below.headers.get('content-type')).toMatch(/^text\/html/)
      expect((await post(`${url}/other`, body)).status).toBe(404)
      // nothing printed while the server starts; the lines come with the URLs
      expect(logger.lines).toEqual([])
    } finally {
      await server.close()
    }
    // the store closed with the server: no file of it is open any more
    expect(openFiles(join(dir, '.spa-telemetry'))).toEqual([])
  })

  it('prints where the endpoint is and where events are stored, beside the URLs, and that .gitignore misses the directory', async () => {
    const dir = fresh('print')
    const logger = recorder()
    const server = await createServer(config({}, { root: dir, customLogger: logger, logLevel: 'info' }))
    try {
      await server.listen()
      server.printUrls()
      const url = origin(server)
      expect(logger.lines.filter(line => line.includes('spa-telemetry'))).toEqual([
        `  ➜  spa-telemetry: collector at ${url}/telemetry, events stored in .spa-telemetry/`,
        `  ➜  spa-telemetry: dashboard at ${url}/dashboard/ (this machine only, every group shown: development)`,
        '  ➜  spa-telemetry: .spa-telemetry/ is not in .gitignore: add it to keep the events out of git',
      ])
      expect(logger.lines.findIndex(line => line.includes('Local'))).toBeLessThan(
        logger.lines.findIndex(line => line.includes('spa-telemetry')),
      )
    } finally {
      await server.close()
    }
  })

  it('says nothing of .gitignore when it lists the directory, here or in the repository above', async () => {
    const repository = fresh('repository')
    mkdirSync(join(repository, '.git'))
    writeFileSync(join(repository, '.gitignore'), 'node_modules\n.spa-telemetry/\n')
    const app = join(repository, 'packages', 'app')
    mkdirSync(app, { recursive: true })
    for (const root of [repository, app]) {
      const logger = recorder()
      const server = await createServer(config({}, { root, customLogger: logger, logLevel: 'info' }))
      try {
        await server.listen()
        server.printUrls()
        expect(logger.lines.filter(line => line.includes('spa-telemetry'))).toEqual([
          `  ➜  spa-telemetry: collector at ${origin(server)}/telemetry, events stored in .spa-telemetry/`,
          `  ➜  spa-telemetry: dashboard at ${origin(server)}/dashboard/ (this machine only, every group shown: development)`,
        ])
      } finally {
        await server.close()
      }
    }
  })

  it('another path and directory; a directory outside the root is shown whole, with no word on .gitignore', async () => {
    const dir = fresh('events')
    const logger = recorder()
    const server = await createServer(
      config({ path: '/api/events', dir, dashboard: false }, { customLogger: logger, logLevel: 'info' }),
    )
    try {
      await server.listen()
      server.printUrls()
      const url = origin(server)
      expect((await post(`${url}/api/events`, payload({ type: 'page', path: '/' }))).status).toBe(204)
      expect(stored(dir)).toHaveLength(1)
      expect((await post(`${url}/telemetry`, payload({ type: 'page', path: '/' }))).status).toBe(404)
      expect(logger.lines.filter(line => line.includes('spa-telemetry'))).toEqual([
        `  ➜  spa-telemetry: collector at ${url}/api/events, events stored in ${dir}/`,
      ])
    } finally {
      await server.close()
    }
  })

  it('passes origins, limits and onStored on to the collector', async () => {
    const dir = fresh('options')
    const seen: string[] = []
    const server = await createServer(
      config({
        dir,
        origins: ['https://app.example.com'],
        limits: { overall: { rate: 1 / 60, burst: 4 } },
        onStored: events => seen.push(...events.map(e => e.id)),
      }),
    )
    try {
      await server.listen()
      const url = origin(server)
      const body = payload({ type: 'page', path: '/' })
      expect((await post(`${url}/telemetry`, body)).status).toBe(204)
      expect(seen).toEqual([body.events[0].id])
      const from = (site: string) =>
        fetch(`${url}/telemetry`, {
          method: 'POST',
          body: JSON.stringify(payload({ type: 'page', path: '/' })),
          headers: { 'content-type': 'text/plain', origin: site },
        })
      const allowed = await from('https://app.example.com')
      expect([allowed.status, allowed.headers.get('access-control-allow-origin')]).toEqual([
        204,
        'https://app.example.com',
      ])
      expect((await from('https://elsewhere.example')).status).toBe(403)
      // four events at most, refilled at one a minute: two were stored, the next three wait
      const limited = await post(
        `${url}/telemetry`,
        payload({ type: 'page', path: '/' }, { type: 'page', path: '/' }, { type: 'page', path: '/' }),
      )
      expect([limited.status, Number(limited.headers.get('retry-after'))]).toEqual([429, 60])
    } finally {
      await server.close()
    }
  })

  it("as an attacker: another site's page, a rebound host name and another base get nothing stored", async () => {
    const dir = fresh('attacks')
    const server = await createServer(config({ dir }, { base: '/app/' }))
    try {
      await server.listen()
      const url = origin(server)
      const body = JSON.stringify(payload({ type: 'page', path: '/' }))
      // another local app (Vite's own CORS allows localhost origins to read answers): the collector refuses it
      const cross = await fetch(`${url}/telemetry`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain', origin: 'http://localhost:3000' },
      })
      expect(cross.status).toBe(403)
      // DNS rebinding: a page of attacker.example resolved to this machine; Vite's host check runs first
      const status = await new Promise<number>((done, fail) => {
        const { port } = server.httpServer!.address() as { port: number }
        const rebound = request(
          {
            host: '127.0.0.1',
            port,
            path: '/telemetry',
            method: 'POST',
            headers: {
              host: `attacker.example:${port}`,
              origin: `http://attacker.example:${port}`,
              'sec-fetch-site': 'same-origin',
              'content-type': 'text/plain',
            },
          },
          response => {
            response.resume()
            done(response.statusCode!)
          },
        )
        rebound.on('error', fail)
        rebound.end(body)
      })
      expect(status).toBe(403)
      expect(stored(dir)).toEqual([])
      // the endpoint is the server's path, not under base: the tracker's '/telemetry' is served with base '/app/'
      expect(
        (await fetch(`${url}/telemetry`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } })).status,
      ).toBe(204)
      expect(stored(dir)).toHaveLength(1)
    } finally {
      await server.close()
    }
  })

  it('as an attacker: the stored events are not served, whatever the URL', async () => {
    const root = fresh('read')
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>')
    const server = await createServer(config({}, { root, base: '/app/' }))
    try {
      await server.listen()
      const url = origin(server)
      const body = payload({ type: 'page', path: '/' })
      expect((await post(`${url}/telemetry`, body)).status).toBe(204)
      const [file] = readdirSync(join(root, '.spa-telemetry'))
      const absolute = join(root, '.spa-telemetry', file)
      const urls = [
        `/.spa-telemetry/${file}`,
        `/app/.spa-telemetry/${file}`,
        `/app/.spa-telemetry/${file}?raw`,
        `/app/.spa-telemetry/${file}?import&raw`,
        `/app/.spa-telemetry/${file}?url`,
        `/app/@fs${absolute}`,
        `/app/@fs${absolute}?import&raw`,
        `/app/@id${absolute}?import&raw`,
        `/app/%2Espa-telemetry/${file}`,
        `/app/.SPA-TELEMETRY/${file}`,
        `/app//.spa-telemetry/${file}`,
        `/app/x/../.spa-telemetry/${file}`,
        '/app/.spa-telemetry/',
      ]
      const answers = await Promise.all(
        urls.map(async path => {
          // a page of another local app asks (Vite's CORS lets localhost origins read answers)
          const response = await fetch(url + path, { headers: { origin: 'http://localhost:3000' } })
          return [path, response.status, (await response.text()).includes(body.events[0].id)]
        }),
      )
      expect(answers).toEqual(urls.map(path => [path, 403, false]))
      // the app itself is served
      expect(await (await fetch(`${url}/app/`)).text()).toContain('<title>app</title>')
    } finally {
      await server.close()
    }
  })

  it('in middleware mode (no URLs are printed) the lines are printed at once, with the path', async () => {
    const dir = fresh('middleware')
    const logger = recorder()
    const server = await createServer(
      config({}, { root: dir, customLogger: logger, logLevel: 'info', server: { middlewareMode: true } }),
    )
    try {
      expect(logger.lines.filter(line => line.includes('spa-telemetry'))).toEqual([
        '  ➜  spa-telemetry: collector at /telemetry, events stored in .spa-telemetry/',
        '  ➜  spa-telemetry: dashboard at /dashboard/ (this machine only, every group shown: development)',
        '  ➜  spa-telemetry: .spa-telemetry/ is not in .gitignore: add it to keep the events out of git',
      ])
    } finally {
      await server.close()
    }
  })
})

describe('the dashboard in vite dev', () => {
  it('answers at /dashboard/ over the stored events, every group shown (threshold 0: development), from this machine only', async () => {
    const dir = fresh('dashboard')
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>')
    const server = await createServer(config({}, { root: dir }))
    try {
      await server.listen()
      const url = origin(server)
      expect(
        (
          await post(
            `${url}/telemetry`,
            payload({ type: 'page', path: '/nc/:project_id' }, { type: 'track', name: 'table_created' }),
          )
        ).status,
      ).toBe(204)
      const page = await fetch(`${url}/dashboard/`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(await page.text()).not.toMatch(/<title>app<\/title>/)
      const screens = (await (await fetch(`${url}/dashboard/api/screens?app=console&env=`)).json()) as {
        rows: { key: string[] }[]
      }
      expect(screens.rows.map(row => row.key[0])).toEqual(['/nc/:project_id'])
      // a request forwarded from another machine (a proxy in front) gets nothing
      const remote = await new Promise<number>((done, fail) =>
        request(
          `${url}/dashboard/api/screens?app=console&env=`,
          { headers: { 'x-forwarded-for': '203.0.113.7' } },
          response => done(response.statusCode!),
        )
          .on('error', fail)
          .end(),
      )
      expect(remote).toBe(403)
      // its index and files are not served as files either
      expect((await fetch(`${url}/.spa-telemetry/.dashboard-index/`)).status).toBe(403)
    } finally {
      await server.close()
    }
  })

  it('dashboard: false serves none (Vite answers /dashboard/ as any path); its options are checked at setup', async () => {
    const dir = fresh('no-dashboard')
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>')
    const server = await createServer(config({ dashboard: false }, { root: dir }))
    try {
      await server.listen()
      expect(await (await fetch(`${origin(server)}/dashboard/`)).text()).toMatch(/<title>app<\/title>/)
    } finally {
      await server.close()
    }
    expect(() => telemetry({ dashboard: { threshold: -1 } })).toThrow(
      '[spa-telemetry] threshold is -1: expected a whole number from 0 to 1000000',
    )
    expect(() => telemetry({ dashboard: 'yes' as never })).toThrow(
      '[spa-telemetry] dashboard is "yes": expected true, false or { threshold, identity, token, top }',
    )
    expect(() => telemetry({ path: '/dashboard/events' })).toThrow(
      '[spa-telemetry] path is "/dashboard/events": expected a path outside /dashboard, where the dashboard is',
    )
  })
})

describe('.gitignore lines that cover the directory', () => {
  it.each([
    ['.spa-telemetry', '.spa-telemetry', true],
    ['.spa-telemetry/', '.spa-telemetry', true],
    ['/.spa-telemetry/', '.spa-telemetry', true],
    ['.spa-telemetry/*', '.spa-telemetry', true],
    ['.spa-telemetry/**', '.spa-telemetry', true],
    ['.spa-*', '.spa-telemetry', true],
    ['.*', '.spa-telemetry', true],
    ['**/.spa-telemetry', 'demo/.spa-telemetry', true],
    ['.spa-telemetry/', 'demo/.spa-telemetry', true],
    ['demo/', 'demo/.spa-telemetry', true],
    ['/.spa-telemetry/', 'demo/.spa-telemetry', false],
    ['# .spa-telemetry', '.spa-telemetry', false],
    ['.spa-telemetry\n!.spa-telemetry', '.spa-telemetry', false],
    ['!.spa-telemetry\n.spa-telemetry', '.spa-telemetry', true],
    ['spa-telemetry', '.spa-telemetry', false],
    ['.spa-telemetry.bak', '.spa-telemetry', false],
    ['events', '.spa-telemetry', false],
    ['[.]spa-telemetry', '.spa-telemetry', true],
    ['', '.spa-telemetry', false],
  ])('%j covers %s: %s', (lines, dir, expected) => {
    expect(ignores(lines, dir)).toBe(expected)
  })
})

describe('in vite preview, after vite build', () => {
  const outDir = join(temp, 'dist')
  const dir = join(temp, 'preview-events')

  it('the build succeeds with the plugin; the preview stores events', async () => {
    await build(config({ dir }, { build: { outDir, emptyOutDir: true } }))
    const logger = recorder()
    const server = await preview(config({ dir }, { build: { outDir }, customLogger: logger, logLevel: 'info' }))
    try {
      const url = origin(server)
      expect((await post(`${url}/telemetry`, payload({ type: 'page', path: '/nc/:project_id' }))).status).toBe(204)
      expect(stored(dir).map(e => e.path)).toEqual(['/nc/:project_id'])
      expect((await fetch(`${url}/nc/p_8f2k`)).headers.get('content-type')).toMatch(/^text\/html/)
      server.printUrls()
      expect(logger.lines.filter(line => line.includes('spa-telemetry'))).toEqual([
        `  ➜  spa-telemetry: collector at ${url}/telemetry, events stored in ${dir}/`,
        `  ➜  spa-telemetry: dashboard at ${url}/dashboard/ (this machine only, every group shown: development)`,
      ])
      expect((await fetch(`${url}/dashboard/`)).status).toBe(200)
    } finally {
      await server.close()
    }
  })
})

/** Every string of 12 characters or more in these files (the static parts of template literals included). */
const literals = (files: string[]): Set<string> => {
  const found = new Set<string>()
  for (const file of files) {
    const code = readFileSync(file, 'utf8').replace(/^\s*(\/\/|\*|\/\*).*$/gm, '')
    for (const [, , text] of code.matchAll(/(['"`])((?:\\.|(?!\1)[^\\\n])*)\1/g)) {
      for (const part of text.split(/\$\{[^}]*\}/)) if (part.length >= 12) found.add(part)
    }
  }
  return found
}
const sources = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(name => /\.(ts|js)$/.test(name) && !name.endsWith('.config.ts') && !name.endsWith('.d.ts'))
    .map(name => join(dir, name))

describe('the client bundle', () => {
  // the server's strings, less those the browser code has too ("application/json", "[spa-telemetry] ")
  const client = literals([...sources('src'), ...sources('adapters')])
  // (the dashboard's page is browser code of its own, served by the dashboard: not the app's)
  const dashboard = sources('dashboard').filter(file => !file.startsWith(join('dashboard', 'page')))
  const server = [...literals([...sources('vite'), ...sources('collector'), ...dashboard])].filter(
    text => ![...client].some(other => other.includes(text)),
  )
  const found = (code: string): string[] => server.filter(text => code.includes(text))

  it('has nothing of the plugin, the collector or the dashboard: none of their strings (built with the plugin, as an app is)', async () => {
    expect(server.length).toBeGreaterThan(100)
    const outDir = join(temp, 'scan')
    await build(config({ dir: join(temp, 'scan-events') }, { build: { outDir, emptyOutDir: true } }))
    const files = readdirSync(outDir, { recursive: true, encoding: 'utf8' }).filter(name =>
      /\.(js|html|css)$/.test(name),
    )
    const code = files.map(name => readFileSync(join(outDir, name), 'utf8')).join('\n')
    // the tracker is there, the app's own code with it
    expect(code).toContain('table_created')
    expect(code).toContain('/nc/:project_id')
    expect(found(code)).toEqual([])
    expect(code).not.toMatch(/node:|srvx|ndjson|createCollector|createDashboard|toNodeListener|uPlot/)
  })

  it('the scan finds the collector where a bundle has it', async () => {
    const code = await bundle(join(FIXTURE, 'leak.ts'), 'leak')
    expect(found(code).length).toBeGreaterThan(20)
  })
})

describe('the built entry (npm run build)', () => {
  it('is what Node loads for spa-telemetry/vite; it imports the collector by its public name, one copy of it', async () => {
    expect(existsSync('dist/vite/index.js')).toBe(true)
    const built = readFileSync('dist/vite/index.js', 'utf8')
    expect(built).toMatch(/from "spa-telemetry\/collector"/)
    expect(built).not.toContain('body not received within')
    // a Vite server started by Node from the package's own entries (the self-reference: no source, no alias)
    const dir = fresh('built')
    const script = `
      import telemetry from 'spa-telemetry/vite'
      import { createServer } from 'vite'
      const server = await createServer({ configFile: false, root: ${JSON.stringify(dir)}, logLevel: 'silent', plugins: [telemetry({ dir: 'events' })], server: { port: 0, host: '127.0.0.1' } })
      await server.listen()
      const { port } = server.httpServer.address()
      const response = await fetch('http://127.0.0.1:' + port + '/telemetry', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: process.argv[1] })
      console.log(response.status)
      await server.close()
    `
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, JSON.stringify(payload({ type: 'page', path: '/' }))],
      { cwd: process.cwd() },
    )
    expect(stdout.trim()).toBe('204')
    expect(stored(join(dir, 'events'))).toHaveLength(1)
  }, 30_000)
})
