import { compile, syntaxError, tokenize } from './compile.js'
import type { Compiled, Token } from './compile.js'
import { DEV } from './dev.js'
import { check, fail, show } from './errors.js'
import { isHost, isQueryWord } from './grammar.js'
import { createNode, find, insert, staticChild } from './match.js'
import { own } from './own.js'

/**
 * How a parameter is written in the output: `'colon'` (`:table_id`, the
 * template as written), `'name'` (`table_id`), `'upper'` (`TABLE_ID`) or a
 * function of the name.
 */
export type Placeholder = 'colon' | 'name' | 'upper' | ((name: string, kind: 'param' | 'wildcard') => string)

/**
 * What happens to a path that matches no route: `'mask'` keeps the segments
 * that are static somewhere in the route table and writes `*` for the rest,
 * `'drop'` drops the event, a function gets the masked path and returns what
 * to send (or `null` to drop).
 */
export type Unmatched = 'mask' | 'drop' | ((masked: string) => string | null)

/**
 * Query keys to keep. A list keeps the keys with every value written as `*`;
 * an object also allows values: a list of allowed values or a pattern that
 * must match the whole value. Keys and kept values are words (ASCII letters,
 * digits, `_ - . ~`) that do not look like data: another value is sent as
 * `*`, another key never (the path grammar, docs/privacy.md).
 */
export type KeepQuery = readonly string[] | Record<string, readonly string[] | RegExp>

/** A URL, a path, or anything shaped like `window.location`. */
export type LocationLike = string | { pathname: string; search?: string; hash?: string } | { href: string }

export interface AnonymizerOptions {
  /**
   * Route templates in path-to-regexp syntax: `/nc/:project_id`,
   * `/docs{/:page}`, `/files/*path`. When several match a path, the one
   * vue-router 4 ranks first, whatever their order here.
   */
  routes?: readonly string[]
  /** How parameters are written in the output. Default `'colon'`. */
  placeholder?: Placeholder
  /** A prefix the app is served under, stripped first: `/app/`. */
  base?: string
  /** Hash routing: the route is the part after `#` (`/#/nc/p1`). */
  hash?: boolean
  /** What to do with paths no route matches. Default `'mask'`. */
  unmatched?: Unmatched
  /** Query keys (and values) that may be kept. Default: none. */
  keepQuery?: KeepQuery
  /** Match static segments case-sensitively. Default `false`, as vue-router. */
  sensitive?: boolean
  /** Referrer hosts that may be sent as their host name instead of `external`. */
  referrerHosts?: readonly string[]
}

export interface Anonymizer {
  /**
   * The anonymized path of a URL: its route template, or the masked path, or
   * `null` when the event must be dropped. A `route` that is a template of
   * the table is used as the match (adapters pass the router's own match);
   * `null` says the router matched no real route: the path is unmatched.
   */
  anonymize(input: LocationLike, route?: string | null): string | null
  /** `external`, an allowed host name, or the template of a same-origin referrer. */
  anonymizeReferrer(referrer: string, origin: string): string | null
  /**
   * Adds templates to the table (a router's `addRoute`): all or nothing, a bad template throws, as at
   * setup; given `skip`, each bad template is skipped instead and `skip` gets why (in production
   * builds, only its place).
   */
  addRoutes(routes: readonly string[], skip?: (why: string) => void): void
  /** The templates in the table, in the order they were added. */
  routes(): string[]
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The text of a URL or location, and whether it may start with an origin (a location's pathname may not). */
const toText = (input: unknown): [text: string, origin: boolean] | undefined => {
  if (typeof input === 'string') return [input, true]
  if (input && typeof input === 'object') {
    // each property read of `window.location` is a call into the browser and a new string: only those used
    const { pathname, search, hash } = input as Record<string, unknown>
    if (typeof pathname === 'string') {
      return [pathname + (typeof search === 'string' ? search : '') + (typeof hash === 'string' ? hash : ''), false]
    }
    const { href } = input as Record<string, unknown>
    if (typeof href === 'string') return [href, true]
  }
  return undefined
}

/** A segment's length and first character as one small integer (lengths beyond 32767 share theirs: a filter may let some through). */
const shapeOf = (length: number, code: number): number => ((length & 0x7fff) << 16) | code

const ORIGIN = /^(?:[a-z][\w+.-]*:)?\/\/[^/?#]*/i

/**
 * Creates the anonymizer: route templates in, anonymized paths out.
 *
 * @example
 * ```ts
 * const { anonymize } = createAnonymizer({
 *   routes: ['/nc/:project_id', '/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/modify'],
 *   placeholder: 'name',
 * })
 * anonymize('https://x.io/data/schema/public/tables/users/modify?q=1')
 * // → '/data/schema/SCHEMA_NAME/tables/TABLE_NAME/modify'
 * anonymize('/nc/p_8f2k/secret') // → '/nc/*\/*'
 * ```
 */
export const createAnonymizer = (given: AnonymizerOptions = {}): Anonymizer => {
  const options = own(given)
  const {
    placeholder = 'colon',
    hash = false,
    unmatched = 'mask',
    keepQuery = [],
    sensitive = false,
    referrerHosts = [],
    base = '',
  } = options
  if (DEV) {
    check(
      typeof placeholder === 'function' || ['colon', 'name', 'upper'].includes(placeholder),
      'placeholder',
      placeholder,
      `"colon", "name", "upper" or a function`,
    )
    check(
      typeof unmatched === 'function' || unmatched === 'mask' || unmatched === 'drop',
      'unmatched',
      unmatched,
      `"mask", "drop" or a function`,
    )
    check(typeof hash === 'boolean', 'hash', hash, 'true or false')
    check(typeof sensitive === 'boolean', 'sensitive', sensitive, 'true or false')
    check(
      Array.isArray(referrerHosts) && referrerHosts.every(h => h && typeof h === 'string'),
      'referrerHosts',
      referrerHosts,
      'an array of host names',
    )
    check(
      typeof base === 'string' && (!base || base[0] === '/'),
      'base',
      base,
      'a path starting with "/", like "/app/"',
    )
  }
  const fold = (text: string): string => (sensitive ? text : text.toLowerCase())
  const prefix = fold(base.replace(/\/+$/, ''))

  const rules = new Map<string, readonly string[] | RegExp | undefined>(
    Array.isArray(keepQuery) ? keepQuery.map(key => [key, undefined]) : Object.entries(keepQuery || 0),
  )
  if (DEV) {
    check(
      keepQuery &&
        typeof keepQuery === 'object' &&
        [...rules].every(
          ([key, rule]) =>
            key &&
            typeof key === 'string' &&
            (!rule || rule instanceof RegExp || (Array.isArray(rule) && rule.every(v => typeof v === 'string'))),
        ),
      'keepQuery',
      keepQuery,
      'query keys ["tab"] or allowed values { tab: ["grid", "form"], page: /^\\d+$/ }',
    )
  }

  const style = (name: string, kind: 'param' | 'wildcard'): string => {
    const out =
      placeholder === 'name'
        ? name
        : placeholder === 'upper'
          ? name.toUpperCase()
          : typeof placeholder === 'function'
            ? placeholder(name, kind)
            : (kind === 'param' ? ':' : '*') + name
    if (DEV) check(out && typeof out === 'string', `placeholder("${name}")`, out, 'a non-empty string')
    return out
  }
  const write = (tokens: readonly Token[]): string =>
    tokens
      .map(t => (t.type === 'text' ? t.value : t.type === 'group' ? `{${write(t.tokens)}}` : style(t.name, t.type)))
      .join('')

  const root = createNode()
  /** template → its number; by number: its output, rank key and rank (set before a search) */
  const numbers = new Map<string, number>()
  const outputs: string[] = []
  const keys: string[] = []
  let ranks: number[] = []
  let ranked = true
  /** one string per rank key: templates of one shape share it */
  const shared = new Map<string, string>()
  /**
   * the folded static segments of the table but its first ones (the root's
   * children know those), one string each; and how the table writes those
   * it writes otherwise
   */
  const words = new Map<string, string>()
  const written = new Map<string, string>()
  /** the length and first character of every static segment (see `shapeOf`): most segments of a path to mask need no lookup */
  const shapes = new Set<number>()
  /** folded static segment → "/" and how the table writes it, for masked paths, made as they are first needed */
  const slashed = new Map<string, string>()
  const slash = (segment: string): string => {
    const word = '/' + (written.get(segment) ?? segment)
    slashed.set(segment, word)
    return word
  }

  /**
   * Whether template a ranks before b: by rank key, then by output, whatever
   * the order they came in (equal outputs: either will do).
   */
  const before = (a: number, b: number): boolean => (keys[a] !== keys[b] ? keys[a] < keys[b] : outputs[a] < outputs[b])

  /**
   * Compiles a template, folded (its paths' texts as the trie keeps them),
   * and as written when folding changed it (how the table writes its words);
   * or fails naming it (in production builds: only its place).
   */
  const compileAt = (template: string, index: number): [Compiled, Compiled?] => {
    try {
      const folded = fold(template)
      return folded === template ? [compile(template)] : [compile(folded), compile(template)]
    } catch {
      if (DEV) {
        let reason = ''
        try {
          compile(template)
        } catch (error) {
          reason = (error as Error).message
        }
        fail(`routes[${index}] ${show(template)} is not a valid path template: ${reason || syntaxError(template)}`)
      }
      throw Error(`[spa-telemetry] routes[${index}]`)
    }
  }

  /** Adds a compiled template to the table; notes its static segments as words of the table (each word one string). */
  const add = (template: string, [{ paths, key }, original]: [Compiled, Compiled?]): void => {
    const t = outputs.push(placeholder === 'colon' ? template : write(tokenize(template))) - 1
    numbers.set(template, t)
    keys.push(shared.get(key) ?? (shared.set(key, key), key))
    for (let a = 0; a < paths.length; a++) {
      const path = paths[a]
      for (let i = 0; i < path.length; i++) {
        const segment = path[i]
        if (typeof segment !== 'string') continue
        const as = original?.paths[a][i] as string
        if (as !== undefined && as !== segment && !(written.get(segment)! <= as)) written.set(segment, as)
        shapes.add(shapeOf(segment.length, segment.charCodeAt(0)))
        // one string per word; the root's children know the first segments
        if (i) path[i] = words.get(segment) ?? (words.set(segment, segment), segment)
      }
      insert(root, t, path, before)
    }
  }

  const addRoutes = (routes: readonly string[], skip?: (why: string) => void): void => {
    if (DEV)
      check(
        Array.isArray(routes) && routes.length,
        'routes',
        routes,
        'a non-empty array of path templates like "/nc/:project_id"',
      )
    const seen = new Set<string>()
    // all or nothing: every template is checked before the table changes (but for those skipped)
    const compiled = routes.map((template, index) => {
      try {
        if (DEV) {
          const name = `routes[${index}] ${show(template)}`
          if (typeof template !== 'string')
            fail(`${name} is not a string: expected a path template like "/nc/:project_id"`)
          if (seen.has(template) && !skip) fail(`${name} is listed twice`)
        }
        // a template the table has already (a router adding a route again) is left as it is
        if (seen.has(template) || numbers.has(template)) return undefined
        seen.add(template)
        return compileAt(template, index)
      } catch (error) {
        if (!skip) throw error
        skip((error as Error).message.slice(16))
      }
    })
    routes.forEach((template, index) => compiled[index] && add(template, compiled[index]))
    ranked = false
    slashed.clear()
  }
  if (options.routes !== undefined) addRoutes(options.routes)

  /** Ranks every template (after additions): one rank per rank key, in order. */
  const rank = (): void => {
    const order = new Map([...shared.keys()].sort().map((key, r) => [key, r]))
    ranks = keys.map(key => order.get(key)!)
    ranked = true
  }

  /** The path as the trie reads it: "" for the root, else "/a/b", no empty segment, each decoded (an encoded "/" stays "%2F") and folded. */
  const normalize = (path: string): string => {
    let out = ''
    for (const segment of path.split('/')) {
      // decoded text is folded again: %41 is an A
      if (segment) out += '/' + (segment.includes('%') ? fold(decode(segment).replace(/\//g, '%2F')) : segment)
    }
    return out
  }

  /** A path no template matches, masked: each segment a word of the table, or "*". */
  const mask = (path: string): string => {
    // joined in runs of about a thousand characters, the runs once: a long string joined piece by piece is slow to keep
    const runs: string[] = []
    let run = ''
    for (let start = 1, end = 0; end < path.length; start = end + 1) {
      end = path.indexOf('/', start) >>> 0
      if (end > path.length) end = path.length
      if (end === start) continue
      let word = '/*'
      if (shapes.has(shapeOf(end - start, path.charCodeAt(start)))) {
        const segment = path.slice(start, end)
        word = slashed.get(segment) ?? (words.has(segment) || staticChild(root, segment) ? slash(segment) : word)
      }
      run += word
      if (run.length > 1000) {
        runs.push(run)
        run = ''
      }
    }
    runs.push(run)
    return runs.join('') || '/'
  }

  /** The kept part of a query: each key of `keepQuery` (its first value), in their order. */
  const query = (search: string): string => {
    // decodes keys and values, `+` as a space; never throws
    const found = new URLSearchParams(search)
    let out = ''
    for (const [key, rule] of rules) {
      const value = found.get(key)
      if (value === null) continue
      let allowed: unknown = rule && !(rule instanceof RegExp) && rule.includes(value)
      if (rule instanceof RegExp) {
        rule.lastIndex = 0
        allowed = rule.exec(value)?.[0] === value
      }
      // a key or an allowed value outside the path grammar (not a word, or data-like) is never written: the key is left out, the value is "*"
      const name = encodeURIComponent(key)
      const text = encodeURIComponent(value)
      if (isQueryWord(name)) out += (out ? '&' : '?') + name + '=' + (allowed && isQueryWord(text) ? text : '*')
    }
    return out
  }

  /**
   * The template a path matches, or (none matching, or `route` null: the
   * router matched no real route) the masked path; null to drop it.
   */
  const anonymizePath = (path: string, route: string | null | undefined): string | null => {
    path = fold(path)
    if (prefix && !hash && path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/')) {
      path = path.slice(prefix.length)
    }
    if (!ranked) rank()
    // a path is searched as it is, unless it has an escape or an empty segment ("//": the search tells): normalized first
    let t = -2
    if (route !== null && path.charCodeAt(0) === 47 && !path.includes('%')) t = find(root, path, ranks, outputs)
    if (t === -2) {
      path = normalize(path)
      if (route !== null) t = find(root, path, ranks, outputs)
    }
    if (t >= 0) return outputs[t]
    if (unmatched === 'drop') return null
    const masked = mask(path)
    const out = unmatched === 'mask' ? masked : unmatched(masked)
    return typeof out === 'string' ? out : null
  }

  const anonymize = (input: LocationLike, route?: string | null): string | null => {
    let text: string
    let origin = true
    if (typeof input === 'string') text = input
    else {
      const read = toText(input)
      if (!read) return null
      ;[text, origin] = read
    }
    // the origin regexp only for what is not already a plain path
    if (origin && (text.charCodeAt(0) !== 47 || text.charCodeAt(1) === 47)) {
      const found = ORIGIN.exec(text)
      if (found) text = text.slice(found[0].length)
    }
    if (hash) {
      const at = text.indexOf('#')
      text = at < 0 ? '' : text.slice(at + (text[at + 1] === '!' ? 2 : 1))
    }
    let end = text.indexOf('#')
    if (end < 0) end = text.length
    const question = text.indexOf('?')
    const search = question >= 0 && question < end ? text.slice(question + 1, end) : ''
    const path =
      question >= 0 && question < end ? text.slice(0, question) : end < text.length ? text.slice(0, end) : text
    const hinted = route ? numbers.get(route) : undefined
    const out = hinted === undefined ? anonymizePath(path, route) : outputs[hinted]
    if (out === null) return null
    return rules.size && search ? out + query(search) : out
  }

  const anonymizeReferrer = (referrer: string, origin: string): string | null => {
    const m = typeof referrer === 'string' && /^[a-z][\w+.-]*:\/\/(?:[^@/?#]*@)?([^/?#:]*)[^/?#]*/i.exec(referrer)
    if (!m) return null
    if (typeof origin === 'string' && m[0].toLowerCase() === origin.toLowerCase()) return anonymize(referrer)
    const host = m[1].toLowerCase()
    return referrerHosts.includes(host) && isHost(host) ? host : 'external'
  }

  return { anonymize, anonymizeReferrer, addRoutes, routes: () => [...numbers.keys()] }
}
