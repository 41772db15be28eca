/**
 * The Vite plugin: `plugins: [telemetry()]` serves the collector at the
 * tracker's endpoint in `vite dev` and `vite preview`, storing ndjson files in
 * a directory of the project. Server-side only: it has no hook that touches
 * modules, so nothing of it (or of the collector) reaches the client bundle,
 * and `vite build` ignores it.
 */
import { realpathSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { Plugin, PreviewServer, ViteDevServer } from 'vite'

import { checkString, setupError } from '../collector/check.js'
import { createCollector, ndjsonStore, toNodeListener } from '../collector/index.js'
import type { CollectorOptions, Store } from '../collector/index.js'
import { createDashboard, ndjsonEngine } from '../dashboard/index.js'
import type { DashboardOptions } from '../dashboard/index.js'
import { isGitIgnored } from './gitignore.js'

/** Options of {@link telemetry}: where to listen and store, and the collector's own options. */
export interface VitePluginOptions extends Pick<
  CollectorOptions,
  'origins' | 'limits' | 'maxBodyBytes' | 'bodyTimeoutMs' | 'dedupeWindow' | 'onStored' | 'onError'
> {
  /** The path the collector answers at: the tracker's `endpoint`. Default `/telemetry`. */
  path?: string
  /** The directory of the ndjson files (`events-YYYY-MM-DD.ndjson`), relative to the project's root. Default `.spa-telemetry`. */
  dir?: string
  /**
   * The dashboard over the stored events, at `/dashboard/` (this machine only,
   * unless a `token` is set). Default `true`, with `threshold: 0`: in
   * development every group shows, since every install is yours. `false`
   * serves none; an object sets the dashboard's `threshold`, `identity`,
   * `token` and `top`.
   */
  dashboard?: boolean | Pick<DashboardOptions, 'threshold' | 'identity' | 'token' | 'top'>
}

/** A Web handler served by the dev and preview servers: at `path`, or under it with `prefix`. */
interface Mount {
  path: string
  prefix?: boolean
  handler: (request: Request) => Promise<Response>
}

type Server = ViteDevServer | PreviewServer

/** Where the dashboard is served. */
const DASHBOARD = '/dashboard'

const OWN = new Set([
  'path',
  'dir',
  'dashboard',
  'origins',
  'limits',
  'maxBodyBytes',
  'bodyTimeoutMs',
  'dedupeWindow',
  'onStored',
  'onError',
])

/** What a misnamed option is called here. */
const INSTEAD: Record<string, string> = {
  endpoint: "path, the plugin's name for the tracker's endpoint",
  directory: 'dir',
  origin: 'origins',
}

/** The path of a request's URL (`/telemetry?x` → `/telemetry`). */
const pathOf = (url = '/'): string => url.split(/[?#]/, 1)[0]

/** `dir` relative to `root` (`/`-separated), or undefined when it is not inside it. */
const within = (root: string, dir: string): string | undefined => {
  const path = relative(root, dir)
  return path && !path.startsWith('..') && !isAbsolute(path) ? path.split(sep).join('/') : undefined
}

/** A path with its symbolic links resolved, or undefined when nothing is there. */
const real = (path: string): string | undefined => {
  try {
    return realpathSync.native(path)
  } catch {
    return undefined
  }
}

/**
 * Whether a request's URL can name a file in `dir`, the way Vite's servers map
 * URLs to files: from the root (under `base` or not), `/@fs/` and `/@id/`
 * absolute paths, percent-decoded, with any query; through symbolic links (a
 * link to the directory, or `dir` given through one: Vite serves a file at its
 * real path too); compared without case, as the file systems of macOS and
 * Windows do.
 */
const reaches = (url: string, root: string, base: string, dir: string): boolean => {
  let path = pathOf(url)
  try {
    path = decodeURIComponent(path)
  } catch {
    // not decodable: Vite refuses it too
  }
  const paths = base !== '/' && path.startsWith(base) ? [path, path.slice(base.length - 1)] : [path]
  const named = paths.flatMap(at => [
    resolve(root, `.${at}`),
    ...(/^\/@(fs|id)\//.test(at) ? [resolve(at.slice(4))] : []),
  ])
  const files = [...named, ...named.flatMap(file => real(file) ?? [])].map(file => file.toLowerCase())
  const targets = [dir, real(dir)].flatMap(target => (target ? [target.toLowerCase()] : []))
  return files.some(file => targets.some(target => file === target || file.startsWith(target + sep)))
}

/**
 * Serves the mounts as one Connect middleware: a request for another path goes
 * on to Vite; a handler's failure is reported and answered with a 500.
 */
const middleware = (mounts: Mount[], report: (error: unknown) => void) => {
  const listeners = mounts.map(mount => ({ ...mount, listener: toNodeListener(mount.handler) }))
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const path = pathOf(request.url)
    const mount = listeners.find(m => path === m.path || (m.prefix && path.startsWith(m.path + '/')))
    if (!mount) return next()
    mount.listener(request, response).catch((error: unknown) => {
      report(error)
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  }
}

/**
 * A Vite plugin that serves the collector (spa-telemetry/collector) at the
 * tracker's endpoint in `vite dev` and `vite preview`, storing events as ndjson
 * under the project (`.spa-telemetry/` by default), and the dashboard
 * (spa-telemetry/dashboard) over them at `/dashboard/`. It prints where, beside
 * the server's URLs, and says so when `.gitignore` does not list the directory.
 * In production the app sends to a collector of its own: the plugin serves
 * nothing after `vite build`.
 *
 * @example
 * ```ts
 * // vite.config.ts
 * import { defineConfig } from 'vite'
 * import telemetry from 'spa-telemetry/vite'
 *
 * export default defineConfig({ plugins: [telemetry()] })
 * // the app: createTracker({ endpoint: '/telemetry', app: { name: 'shop' } })
 * ```
 */
export const telemetry = (options: VitePluginOptions = {}): Plugin => {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw setupError('telemetry options', options, '{ path, dir, origins, … } or nothing')
  for (const key of Object.keys(options)) {
    if (!OWN.has(key))
      throw setupError(
        key,
        (options as Record<string, unknown>)[key],
        Object.hasOwn(INSTEAD, key) ? INSTEAD[key] : `one of the plugin's options: ${[...OWN].join(', ')}`,
      )
  }
  const { path = '/telemetry', dir = '.spa-telemetry', dashboard = true, ...rest } = options
  if (typeof path !== 'string' || !/^\/[^?#]*[^/?#]$/.test(path))
    throw setupError(
      'path',
      path,
      'a path such as "/telemetry": the tracker\'s endpoint, without a query or a trailing slash',
    )
  checkString('dir', dir, 'a directory such as ".spa-telemetry"')
  const collectorOptions: Omit<CollectorOptions, 'store'> = { ...rest, path }
  // the collector's own checks, at once: a collector on no store, without the de-duplication window
  // (3 MB; each server's collector checks dedupeWindow when it starts)
  createCollector({ ...collectorOptions, dedupeWindow: 0, store: () => {} })
  if (
    typeof dashboard !== 'boolean' &&
    (typeof dashboard !== 'object' || dashboard === null || Array.isArray(dashboard))
  ) {
    throw setupError('dashboard', dashboard, 'true, false or { threshold, identity, token, top }')
  }
  if (path === DASHBOARD || path.startsWith(DASHBOARD + '/'))
    throw setupError('path', path, `a path outside ${DASHBOARD}, where the dashboard is`)
  const dashboardOptions: Omit<DashboardOptions, 'store'> | undefined = dashboard
    ? { threshold: 0, ...(dashboard === true ? {} : dashboard), base: DASHBOARD }
    : undefined
  // the dashboard's own checks, at once too (on an engine that is never asked)
  if (dashboardOptions)
    createDashboard({ ...dashboardOptions, store: { atoms: () => Promise.reject(new Error('unused')) } as never })
  const report =
    options.onError ??
    ((error: unknown) =>
      console.error(`[spa-telemetry] vite: ${error instanceof Error ? error.message : String(error)}`))

  /** The store, the mounts and the message of one server (dev or preview). */
  const serve = (server: Server): void => {
    const { root, logger } = server.config
    const directory = resolve(root, dir)
    const store: Store = ndjsonStore({ dir: directory })
    const mounts: Mount[] = [{ path, handler: createCollector({ ...collectorOptions, store }) }]
    const engine = dashboardOptions && ndjsonEngine({ dir: directory })
    if (engine)
      mounts.push({ path: DASHBOARD, prefix: true, handler: createDashboard({ ...dashboardOptions!, store: engine }) })
    // the stored events are not files of the site: Vite would serve them (and its CORS lets localhost pages read them)
    server.middlewares.use((request, response, next) => {
      if (!reaches(request.url ?? '/', root, server.config.base, directory)) return next()
      response
        .writeHead(403, { 'content-type': 'text/plain; charset=utf-8' })
        .end('spa-telemetry: the stored events are not served')
    })
    server.middlewares.use(middleware(mounts, report))
    // the store ends with the server: pending writes finish, the file is closed
    // (where an older Vite's preview server has no close(), its HTTP server's end is the signal)
    if (typeof server.close === 'function') {
      const close = server.close.bind(server)
      server.close = async () => {
        await close()
        await Promise.all([store.close?.(), engine?.close()])
      }
    } else server.httpServer?.once('close', () => void Promise.all([store.close?.(), engine?.close()]))

    const inRoot = within(root, directory)
    const shown = `${inRoot ?? directory}/`
    const lines = (url: string, origin = ''): string[] => [
      `  ➜  spa-telemetry: collector at ${url}, events stored in ${shown}`,
      ...(dashboardOptions
        ? [
            `  ➜  spa-telemetry: dashboard at ${origin}${DASHBOARD}/ (${dashboardOptions.token ? 'token required' : 'this machine only'}${dashboardOptions.threshold ? '' : ', every group shown: development'})`,
          ]
        : []),
      ...(inRoot === undefined || isGitIgnored(root, directory)
        ? []
        : [`  ➜  spa-telemetry: ${shown} is not in .gitignore: add it to keep the events out of git`]),
    ]
    if (!server.httpServer) {
      // middleware mode: no URLs are printed, so the paths are, at once
      for (const line of lines(path)) logger.info(line)
      return
    }
    // beside the server's own URLs, when it prints them (at start in the command line)
    const printUrls = server.printUrls.bind(server)
    server.printUrls = () => {
      printUrls()
      const local = server.resolvedUrls?.local[0]
      for (const line of lines(local ? new URL(path, local).href : path, local ? new URL(local).origin : ''))
        logger.info(line)
    }
  }

  return {
    name: 'spa-telemetry',
    configResolved: ({ root, publicDir, build }) => {
      const directory = resolve(root, dir)
      const served = [
        ['the root', root],
        ['publicDir', publicDir],
        ['build.outDir', resolve(root, build.outDir)],
      ].filter(([, at]) => at)
      for (const [name, at] of served) {
        if (
          directory === at ||
          within(directory, at) !== undefined ||
          (name !== 'the root' && within(at, directory) !== undefined)
        ) {
          throw setupError(
            'dir',
            dir,
            `a directory of its own, outside ${name} (${at}): the events would be served${name === 'the root' ? ' in place of the app' : ' with the app, or shipped in its build'}`,
          )
        }
      }
    },
    configureServer: serve,
    configurePreviewServer: serve,
  }
}
