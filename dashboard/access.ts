/**
 * Who may see the dashboard. Without a token: requests from this machine only
 * (a loopback peer, a loopback `Host`, nothing forwarded by a proxy). With a
 * token: whoever presents it, in an `Authorization: Bearer` header or through
 * the login form, which sets a signed session cookie (HttpOnly,
 * SameSite=Strict, Secure off loopback). The token is never accepted in a URL:
 * a URL holding it is refused, and it is never logged.
 */

/** How the dashboard learns a request's peer address (srvx's `request.ip` by default). */
export type ClientAddress = (request: Request) => string | undefined

const COOKIE = 'spa_telemetry_dashboard'
const SESSION_SECONDS = 12 * 60 * 60
const encoder = new TextEncoder()

/** Is this a loopback address (127.0.0.0/8, ::1, or IPv4-mapped 127.x)? */
export const isLoopbackAddress = (address: string | undefined): boolean =>
  !!address &&
  (address === '::1' ||
    address.startsWith('127.') ||
    address.startsWith('::ffff:127.') ||
    address === '0:0:0:0:0:0:0:1')

/** Is this `Host` header a name of this machine (localhost, 127.x, [::1]), with any port? */
export const isLoopbackHost = (host: string | null): boolean => {
  if (!host) return false
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '')
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  )
}

/** Headers a proxy adds: a request that went through one is not from this machine, whatever its peer. */
const FORWARDED = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via']

/**
 * The HTTP version of a request that srvx serves on Node (the command, `listen`,
 * the Vite plugin): `'1.0'`, `'1.1'` or `'2.0'`; undefined where it is not known.
 */
const httpVersion = (request: Request): string | undefined => {
  const version = (request as Request & { runtime?: { node?: { req?: { httpVersion?: unknown } } } }).runtime?.node?.req
    ?.httpVersion
  return typeof version === 'string' ? version : undefined
}

/**
 * The request came from this machine, to a name of this machine, not through a
 * proxy. HTTP/1.0 counts as a proxy: it is what nginx's `proxy_pass` speaks by
 * default, adding no forwarding header and naming the upstream (`127.0.0.1:8787`)
 * as the `Host`, and no browser speaks it.
 */
export const fromLoopback = (request: Request, address: ClientAddress): boolean => {
  if (FORWARDED.some(name => request.headers.has(name))) return false
  if (httpVersion(request) === '1.0') return false
  if (!isLoopbackHost(request.headers.get('host') ?? hostOf(request.url))) return false
  return isLoopbackAddress(address(request))
}

const hostOf = (url: string): string | null => {
  try {
    return new URL(url).host
  } catch {
    return null
  }
}

/** srvx (the command, the Vite plugin, `listen`) puts the peer's address on `request.ip`. */
export const defaultAddress: ClientAddress = request => {
  const ip = (request as Request & { ip?: unknown }).ip
  return typeof ip === 'string' ? ip : undefined
}

/** Compares two strings in time that depends on their lengths only. */
export const same = (a: string, b: string): boolean => {
  const x = encoder.encode(a)
  const y = encoder.encode(b)
  let diff = x.length ^ y.length
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}

const base64url = (bytes: ArrayBuffer): string => {
  let text = ''
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte)
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The session cookie's signature: HMAC-SHA-256 of its expiry, keyed by the token (a new token ends every session). */
const sign = async (token: string, expires: number): Promise<string> => {
  const key = await crypto.subtle.importKey('raw', encoder.encode(token), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
  return base64url(await crypto.subtle.sign('HMAC', key, encoder.encode(`spa-telemetry dashboard session ${expires}`)))
}

/** The `Set-Cookie` of a new session (or of its end, with `clear`). */
export const sessionCookie = async (
  token: string,
  path: string,
  secure: boolean,
  now: number,
  clear = false,
): Promise<string> => {
  const expires = Math.floor(now / 1000) + SESSION_SECONDS
  const value = clear ? '' : `${expires}.${await sign(token, expires)}`
  return `${COOKIE}=${value}; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=${clear ? 0 : SESSION_SECONDS}${secure ? '; Secure' : ''}`
}

/** Does the request present a token in an `Authorization: Bearer` header (right or wrong)? */
export const presentsBearer = (request: Request): boolean =>
  request.headers.get('authorization')?.startsWith('Bearer ') === true

/** Does the request carry the token (Bearer) or a valid session cookie? */
export const authorized = async (request: Request, token: string, now: number): Promise<boolean> => {
  const header = request.headers.get('authorization')
  if (header?.startsWith('Bearer ')) return same(header.slice(7).trim(), token)
  const cookie = (request.headers.get('cookie') ?? '')
    .split(';')
    .map(part => part.trim())
    .find(part => part.startsWith(`${COOKIE}=`))
  if (!cookie) return false
  const [expires, signature] = cookie.slice(COOKIE.length + 1).split('.')
  if (!signature || !/^\d+$/.test(expires) || Number(expires) * 1000 <= now) return false
  return same(signature, await sign(token, Number(expires)))
}

/** Names a query parameter may not have (a token there would be in logs, history and `Referer`). */
const TOKEN_NAMES = /^(token|access_token|auth|authorization|key|api_key|password)$/i

/** Does the URL carry the token, or a parameter named like one? */
export const tokenInUrl = (url: string, token: string | undefined): boolean => {
  let parsed: URL
  try {
    parsed = new URL(url, 'http://x')
  } catch {
    return false
  }
  for (const [name, value] of parsed.searchParams) {
    if (TOKEN_NAMES.test(name)) return true
    if (token && (value.includes(token) || name.includes(token))) return true
  }
  if (token) {
    for (const text of [url, safeDecode(url)]) if (text.includes(token)) return true
  }
  return false
}

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
