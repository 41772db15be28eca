/**
 * The package's two builds (`npm run build`): dist/dev/, which the
 * `development` export condition picks, keeps every setup check and its
 * message word for word as the source has it; dist/, the default, is the
 * production build: no setup checks, no explanations in debug output,
 * and the same behaviour at run time.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'

import * as source from '../src/index.js'
import { useFakeBrowser } from './helpers/browser.js'

const BUILT = ['dist/index.js', 'dist/dev/index.js', 'dist/redux.js', 'dist/dev/redux.js'].every(file =>
  existsSync(file),
)
type Core = typeof source
const load = async (): Promise<[Core, Core]> => [
  await import('../dist/dev/index.js' as string),
  await import('../dist/index.js' as string),
]

useFakeBrowser()

/** Setup mistakes, and the message each gets in development. */
const MISTAKES: [string, () => unknown][] = [
  ['an endpoint that is not a URL', () => ({ endpoint: 'telemetry', app: { name: 'console' } })],
  ['a misspelt option', () => ({ endpoint: '/telemetry', app: { name: 'console' }, endpont: '/x' })],
  ['a batch size of 0', () => ({ endpoint: '/telemetry', app: { name: 'console' }, batch: { size: 0 } })],
  [
    "format: 'segment' (0.1.0's string)",
    () => ({ endpoint: '/telemetry', app: { name: 'console' }, format: 'segment' }),
  ],
  ['an invalid template', () => ({ endpoint: '/telemetry', app: { name: 'console' }, routes: ['/users/:'] })],
]

/** Words that only development builds may carry. */
const DEV_ONLY = [
  'an absolute URL or a path',
  'unknown option',
  'does not follow the name grammar',
  'kept the events, retrying in',
  'Access-Control-Allow-Origin',
  'the app is not affected',
]

/** Words of the adapters' setup checks and warnings, which only their development files may carry. */
const ADAPTERS_DEV_ONLY = [
  'a tracker from createTracker()',
  'an object like {',
  'is deprecated and goes in the next minor version',
]

/** The browser files of a build (dist/ or dist/dev/): the core, the adapters and their shared chunks. */
const files = (dir: string): string[] =>
  readdirSync(dir)
    .filter(name => name.endsWith('.js'))
    .map(name => `${dir}/${name}`)
/** A built file's code, without the docs the build keeps (a doc's example may quote a message). */
const code = (file: string): string => readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '')

describe('the two builds', () => {
  it('npm run build wrote both (run it before the tests)', () => {
    expect(BUILT).toBe(true)
  })

  it.each(MISTAKES)('development: %s fails with the same message as the source', async (_, options) => {
    const [dev] = await load()
    let expected = ''
    try {
      source.createTracker(options() as never)
    } catch (error) {
      expected = (error as Error).message
    }
    expect(expected).toMatch(/^\[spa-telemetry\] .+: .+/)
    expect(() => dev.createTracker(options() as never)).toThrow(expected)
  })

  it('production: the option checks are left out, so a misspelt option does not throw', async () => {
    const [, production] = await load()
    expect(() =>
      production.createTracker({ endpoint: '/telemetry', app: { name: 'console' }, endpont: '/x' } as never).destroy(),
    ).not.toThrow()
  })

  it('production: none of the development words are in the bundle; development has them all', () => {
    const production = readFileSync('dist/index.js', 'utf8')
    const development = readFileSync('dist/dev/index.js', 'utf8')
    expect(DEV_ONLY.filter(words => production.includes(words))).toEqual([])
    expect(DEV_ONLY.filter(words => !development.includes(words))).toEqual([])
    // replaced by the build (comments may still name it)
    expect(production).not.toMatch(/process\.env\.NODE_ENV\s*[!=]/)
    expect(development).not.toMatch(/process\.env\.NODE_ENV\s*[!=]/)
  })

  it("production: none of the adapters' development words are in any file; development has each", () => {
    for (const words of ADAPTERS_DEV_ONLY) {
      expect(files('dist').filter(file => code(file).includes(words))).toEqual([])
      expect(files('dist/dev').filter(file => code(file).includes(words))).not.toEqual([])
    }
  })

  it('the development flag is folded into every file of both builds: no DEV binding and no process.env test is left', () => {
    for (const file of [...files('dist'), ...files('dist/dev')]) {
      expect(code(file), file).not.toMatch(/\bDEV\b/)
      expect(code(file), file).not.toMatch(/process\.env/)
    }
  })

  it('both builds send the same events, and production drops what development drops', async () => {
    const sent: string[][] = []
    for (const core of await load()) {
      const bodies: string[] = []
      vi.stubGlobal(
        'fetch',
        async (_: string, init: RequestInit) => (bodies.push(String(init.body)), new Response(null, { status: 204 })),
      )
      const tracker = core.createTracker({
        endpoint: '/telemetry',
        app: { name: 'console' },
        routes: ['/nc/:project_id'],
      })
      tracker.page('/nc/p_8f2k?q=alice')
      tracker.track('table_created', { kind: 'grid' })
      tracker.track('search for Alice Smith')
      tracker.action('users/alice.smith/loaded')
      tracker.error(new TypeError('alice'))
      tracker.flush()
      await vi.runAllTimersAsync()
      tracker.destroy()
      sent.push(
        bodies.flatMap(body =>
          JSON.parse(body).events.map(
            (e: { type: string; name?: string; path?: string }) => `${e.type} ${e.name ?? ''} ${e.path ?? ''}`,
          ),
        ),
      )
      expect(bodies.map(body => JSON.parse(body).dropped)).toEqual([2])
    }
    expect(sent[1]).toEqual(sent[0])
    expect(sent[0]).toEqual(['page  /nc/:project_id', 'track table_created ', 'error TypeError /nc/:project_id'])
  })

  it('addRoutes() never throws after setup, in either build: bad templates are skipped and reported in debug output (development says why)', async () => {
    const [dev, production] = await load()
    for (const core of [dev, production]) {
      const info = vi.spyOn(console, 'info').mockImplementation(() => {})
      const tracker = core.createTracker({
        endpoint: '/telemetry',
        app: { name: 'console' },
        routes: ['/nc/:project_id'],
        debug: true,
      })
      for (const routes of [
        ['/users/:'],
        ['/a/(x)'],
        ['/files/*'],
        ['/x/{y'],
        [42],
        [null],
        42,
        null,
        undefined,
        '/x',
      ]) {
        expect(() => tracker.addRoutes(routes as never)).not.toThrow()
      }
      tracker.addRoutes(['/ok/:id', '/users/:'])
      expect(tracker.routes()).toEqual(['/nc/:project_id', '/ok/:id'])
      const lines = info.mock.calls.map(call => call.map(String).join(' '))
      expect(lines.filter(line => line.includes('addRoutes()'))).toHaveLength(11)
      expect(lines.some(line => line.includes('missing parameter name'))).toBe(core === dev)
      tracker.destroy()
      info.mockRestore()
    }
  })

  it('adapters: development checks their options, production does not', async () => {
    const dev = await import('../dist/dev/redux.js' as string)
    const production = await import('../dist/redux.js' as string)
    expect(() => dev.createTelemetryMiddleware({})).toThrow(
      '[spa-telemetry] tracker is an object: expected a tracker from createTracker()',
    )
    expect(() => production.createTelemetryMiddleware({})).not.toThrow()
  })
})
