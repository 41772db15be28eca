/**
 * The dashboard as a Web-standard handler, `(request: Request) => Promise<Response>`,
 * like the collector: the command serves it at `/dashboard` beside the
 * collector, and any framework can mount it. Read-only: GET and HEAD for the
 * page, its assets and the API; POST only to sign in and out.
 */
import { checkNumber, setupError } from '../collector/check.js'
import { authorized, defaultAddress, fromLoopback, presentsBearer, same, sessionCookie, tokenInUrl } from './access.js'
import type { ClientAddress } from './access.js'
import { loadAssets } from './assets.js'
import { toCsv } from './csv.js'
import type { Engine } from './engine.js'
import { login, page, refusal, SECURITY_HEADERS } from './html.js'
import { BadQuery, parseQuery, parseStep, parseSteps, required } from './query.js'
import * as views from './views.js'
import type { Context, Identity } from './views.js'

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** The store to read, through its engine: `ndjsonEngine({ dir })` or `clickhouseEngine({ url })`. */
  store: Engine
  /** Groups of fewer distinct installs than this (per key, day and version) are folded. Default 5; 0 turns folding off (development only). */
  threshold?: number
  /** The tracker's `identity` option: only `'persistent'` ids count installs. Default `'persistent'`. */
  identity?: Identity
  /** The path the dashboard is served under. Default `/dashboard`. */
  base?: string
  /** Anyone presenting this token (16 characters or more) may see the dashboard; without one, only this machine may. Never put it in a URL. */
  token?: string
  /** Rows in each ranked list (the rest is summed as "other"). Default 20. */
  top?: number
  /** The peer address of a request (default: srvx's `request.ip`, as the command and `listen` give). Unknown means not this machine. */
  clientAddress?: ClientAddress
  /** Errors of the store. Default: `console.error` of the message (never a URL, never the token). */
  onError?: (error: unknown) => void
}

/** The dashboard: a Web-standard request handler. */
export type Dashboard = (request: Request) => Promise<Response>

const JSON_TYPE = 'application/json; charset=utf-8'
const IDENTITIES = ['persistent', 'session', 'none']
const LOGIN_ATTEMPTS_PER_MINUTE = 10

/**
 * Creates the dashboard: read-only aggregates over a store, small groups
 * folded (see docs/privacy.md), served on this machine only unless a token is set.
 *
 * @example
 * ```ts
 * import { createDashboard, ndjsonEngine } from 'spa-telemetry/dashboard'
 * import { listen } from 'spa-telemetry/collector'
 *
 * const dashboard = createDashboard({ store: ndjsonEngine({ dir: './events' }) })
 * const server = await listen(dashboard, { port: 8788 })
 * console.log(`${server.url}dashboard/`)
 * ```
 */
export const createDashboard = (options: DashboardOptions): Dashboard => {
  if (typeof options !== 'object' || options === null)
    throw setupError('createDashboard options', options, '{ store, … }')
  const { store, token } = options
  if (!store || typeof store.atoms !== 'function')
    throw setupError('store', store, 'an engine: ndjsonEngine({ dir }) or clickhouseEngine({ url })')
  const k = checkNumber('threshold', options.threshold ?? 5, 0, 1_000_000, true)
  const identity = options.identity ?? 'persistent'
  if (!IDENTITIES.includes(identity)) throw setupError('identity', identity, "'persistent', 'session' or 'none'")
  if (options.base !== undefined && (typeof options.base !== 'string' || !options.base.startsWith('/')))
    throw setupError('base', options.base, 'a path such as "/dashboard"')
  const base = (options.base ?? '/dashboard').replace(/\/+$/, '')
  if (token !== undefined && (typeof token !== 'string' || token.length < 16 || /\s/.test(token)))
    throw setupError(
      'token',
      token === undefined ? token : '(hidden)',
      'a string of 16 characters or more, without spaces',
    )
  const top = checkNumber('top', options.top ?? 20, 1, 1000, true)
  const address = options.clientAddress ?? defaultAddress
  if (typeof address !== 'function') throw setupError('clientAddress', address, 'a function (request) => address')
  const report =
    options.onError ??
    ((error: unknown) =>
      console.error(`[spa-telemetry] dashboard: ${error instanceof Error ? error.message : String(error)}`))
  // the apps and environments change rarely, and every question without app and env asks for them (its default): kept 10 s
  let scopes: { at: number; value: ReturnType<Engine['scopes']> } | undefined
  const engine: Engine = {
    ...store,
    scopes: () => {
      if (!scopes || Date.now() - scopes.at > 10_000)
        scopes = { at: Date.now(), value: store.scopes().catch(error => ((scopes = undefined), Promise.reject(error))) }
      return scopes.value
    },
  }
  const context: Context = { engine, k, identity, top }
  let failures: number[] = []

  const respond = (
    status: number,
    body: string | Uint8Array | null,
    type: string,
    headers: Record<string, string> = {},
  ): Response =>
    new Response(body as BodyInit | null, {
      status,
      headers: {
        ...SECURITY_HEADERS,
        'cache-control': 'no-store',
        ...(body === null ? {} : { 'content-type': type }),
        ...headers,
      },
    })
  const json = (status: number, value: unknown, headers: Record<string, string> = {}): Response =>
    respond(status, JSON.stringify(value), JSON_TYPE, headers)

  /** The default scope: the app and environment with the most installs. */
  const defaultScope = async (): Promise<{ app: string; env: string }> =>
    (await views.scopes(context)).scopes[0] ?? { app: '', env: '' }

  const api = async (name: string, params: URLSearchParams): Promise<Record<string, unknown>> => {
    const query = parseQuery(params, await defaultScope(), Date.now())
    switch (name) {
      case 'scopes': {
        const answer = await views.scopes(context, query)
        return { ...answer, app: query.app, env: query.env, from: query.from, to: query.to }
      }
      case 'screens':
        return { ...(await views.screens(context, query)) }
      case 'actions':
        return { ...(await views.actions(context, query)) }
      case 'errors':
        return { ...(await views.errors(context, query)) }
      case 'flows':
        return { ...(await views.flows(context, query, required(params, 'screen'))) }
      case 'versions': {
        const of = params.get('of')
        return { ...(await views.versions(context, query, of ? parseStep('of', of) : undefined)) }
      }
      case 'installs':
        return { ...(await views.activity(context, query)) }
      case 'funnel':
        return { ...(await views.funnel(context, query, parseSteps(params))) }
      default:
        throw new NotFound()
    }
  }

  /** Too many wrong tokens in the last minute (sign-in form and Bearer headers alike): no token is checked until then. */
  const lockedOut = (now: number): boolean => {
    failures = failures.filter(at => now - at < 60_000)
    return failures.length >= LOGIN_ATTEMPTS_PER_MINUTE
  }

  /**
   * A form posted by a page of another origin. Browsers say so in
   * `Sec-Fetch-Site`; under the dashboard's `Referrer-Policy: no-referrer` their
   * `Origin` is `null`, even from the dashboard's own page. Without
   * `Sec-Fetch-Site` (older browsers, curl), by `Origin`.
   */
  const crossSite = (request: Request): boolean => {
    const site = request.headers.get('sec-fetch-site')
    if (site !== null) return site !== 'same-origin'
    const origin = request.headers.get('origin')
    return origin !== null && origin !== new URL(request.url).origin
  }

  /** Sign-in: the token as a form field, from this site only, at most 10 failures a minute. */
  const signIn = async (request: Request, secure: boolean): Promise<Response> => {
    if (crossSite(request))
      return respond(403, refusal('Refused', 'Sign in from the dashboard page itself.'), 'text/html; charset=utf-8')
    const now = Date.now()
    if (lockedOut(now))
      return respond(429, login('Too many wrong tokens: wait a minute.'), 'text/html; charset=utf-8', {
        'retry-after': '60',
      })
    const form = new URLSearchParams((await request.text()).slice(0, 4096))
    if (!token || !same(form.get('token') ?? '', token)) {
      failures.push(now)
      return respond(401, login('That is not the dashboard token.'), 'text/html; charset=utf-8')
    }
    return respond(303, null, '', {
      location: `${base}/`,
      'set-cookie': await sessionCookie(token, `${base}/`, secure, now),
    })
  }

  return async request => {
    try {
      const url = new URL(request.url)
      if (url.pathname !== base && !url.pathname.startsWith(`${base}/`))
        return respond(404, 'not found', 'text/plain; charset=utf-8')
      if (tokenInUrl(request.url, token))
        return json(400, {
          error: 'a token must never be in a URL: send it in an Authorization header or through the sign-in form',
        })
      const path = url.pathname.slice(base.length)
      const loopback = fromLoopback(request, address)
      // the cookie is Secure unless this machine asks directly (a proxy in front may name 127.0.0.1 as the Host while its clients use HTTPS)
      const secure = !loopback
      const method = request.method
      if (path === '/login' || path === '/logout') {
        if (method !== 'POST') return respond(405, 'method not allowed', 'text/plain; charset=utf-8', { allow: 'POST' })
        if (!token) return respond(404, 'not found', 'text/plain; charset=utf-8')
        if (path === '/logout')
          return respond(303, null, '', {
            location: `${base}/`,
            'set-cookie': await sessionCookie(token, `${base}/`, secure, Date.now(), true),
          })
        return await signIn(request, secure)
      }
      if (method !== 'GET' && method !== 'HEAD')
        return respond(405, 'method not allowed: the dashboard is read-only', 'text/plain; charset=utf-8', {
          allow: 'GET, HEAD',
        })
      const asset = path === '/app.js' || path === '/app.css' ? (await loadAssets()).get(path.slice(1)) : undefined
      if (asset) return respond(200, method === 'HEAD' ? null : asset.body, asset.type, { 'cache-control': 'no-cache' })
      // a Bearer header is checked like the sign-in form: 10 wrong tokens a minute, then none is checked until the minute is over
      const bearer = token !== undefined && presentsBearer(request)
      if (bearer && lockedOut(Date.now()))
        return json(429, { error: 'too many wrong tokens: wait a minute' }, { 'retry-after': '60' })
      const allowed = token ? await authorized(request, token, Date.now()) : loopback
      if (bearer && !allowed) failures.push(Date.now())
      if (!allowed) {
        if (path.startsWith('/api/'))
          return json(token ? 401 : 403, {
            error: token
              ? 'sign in first (Authorization: Bearer, or the sign-in form)'
              : 'the dashboard answers on this machine only unless a token is set',
          })
        if (token) return respond(401, login(''), 'text/html; charset=utf-8')
        return respond(
          403,
          refusal(
            'Refused',
            'The dashboard answers requests from this machine only. To open it from elsewhere, start it with a token (SPA_TELEMETRY_DASHBOARD_TOKEN) behind HTTPS.',
          ),
          'text/html; charset=utf-8',
        )
      }
      if (path === '') return respond(308, null, '', { location: `${base}/` })
      if (path === '/') return respond(200, method === 'HEAD' ? null : page(), 'text/html; charset=utf-8')
      const match = /^\/api\/([a-z]+)(\.csv)?$/.exec(path)
      if (!match) return respond(404, 'not found', 'text/plain; charset=utf-8')
      const answer = await api(match[1], url.searchParams)
      if (match[2]) {
        if (match[1] === 'scopes') throw new NotFound()
        return respond(
          200,
          method === 'HEAD' ? null : toCsv(answer as Parameters<typeof toCsv>[0]),
          'text/csv; charset=utf-8',
          { 'content-disposition': `attachment; filename="spa-telemetry-${match[1]}.csv"` },
        )
      }
      return json(200, answer)
    } catch (error) {
      if (error instanceof BadQuery) return json(400, { error: error.message })
      if (error instanceof NotFound) return json(404, { error: 'not found' })
      report(error)
      return json(503, { error: 'the store did not answer' }, { 'retry-after': '5' })
    }
  }
}

class NotFound extends Error {}
