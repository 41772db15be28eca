import { parse } from 'path-to-regexp'
import type { Key, Token } from 'path-to-regexp'

import { check, fail, show } from './errors.js'

/**
 * How a parameter is written in the output: `'colon'` (`:table_id`, the
 * template as written), `'name'` (`table_id`), `'upper'` (`TABLE_ID`) or a
 * function of the name.
 */
export type Placeholder =
  | 'colon'
  | 'name'
  | 'upper'
  | ((name: string, kind: 'param' | 'wildcard') => string)

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
 * must match the whole value.
 */
export type KeepQuery = readonly string[] | Record<string, readonly string[] | RegExp>

/** A URL, a path, or anything shaped like `window.location`. */
export type LocationLike =
  | string
  | { pathname: string; search?: string; hash?: string }
  | { href: string }

export interface AnonymizerOptions {
  /** Route templates in path-to-regexp syntax: `/nc/:project_id`, `/docs{/:page}`, `/files/*path`. */
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
  /** Adds templates to the table (a router's `addRoute`). */
  addRoutes(routes: readonly string[]): void
  /** The templates in the table, in the order they were added. */
  routes(): string[]
}

/** A segment part: text, a parameter (0) or a wildcard (1). */
type Part = string | 0 | 1
type Segment = [parts: Part[], optional: boolean]
interface Edge {
  /** rank, lower is tried first: static 0, mixed 1, param 2, the same +3 when optional, wildcard 6 (7) */
  k: number
  /** key: the segment's pattern, equal keys are the same edge */
  x: string
  /** pattern the (joined) segment must match; none for a lone parameter or wildcard */
  m: RegExp | undefined
  /** a wildcard edge, spanning one or more segments */
  w: boolean
  n: Trie
}
/**
 * A trie node. Most nodes have one static child or one parameter, so those
 * are fields of their own: a Map or an edge list only where there are more.
 */
interface Trie {
  /** the segment of the only static child, or undefined when `s` is a Map */
  k: string | undefined
  /** static children: the only one (see `k`), or a Map by folded segment */
  s: Trie | Map<string, Trie> | undefined
  /** the child of a plain parameter (`/:id`) */
  p: Trie | undefined
  /** other edges: text mixed with parameters, optional segments, wildcards; by rank */
  e: Edge[] | undefined
  /** output; when templates tie, the smallest output, whatever their order */
  r: string | undefined
}

const escapeRegExp = (text: string): string => text.replace(/[.+*?^${}()[\]|/\\]/g, '\\$&')

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** A query key or value: `+` is a space there, and only there. */
const decodeQuery = (text: string): string => decode(text.replace(/\+/g, ' '))

/** Every flat token sequence a template stands for, optional groups expanded. */
const expand = (tokens: readonly Token[], optional: boolean): [Token, boolean][][] => {
  let alternatives: [Token, boolean][][] = [[]]
  for (const token of tokens) {
    if (token.type === 'group') {
      const next: [Token, boolean][][] = []
      for (const inner of expand(token.tokens, true)) {
        for (const a of alternatives) next.push(a.concat(inner))
      }
      alternatives = next.concat(alternatives)
      if (alternatives.length > 256) throw Error('more than 256 combinations of optional groups')
    } else for (const a of alternatives) a.push([token, optional])
  }
  return alternatives
}

/** Splits a flat token sequence into path segments, as path-to-regexp reads them. */
const toSegments = (flat: [Token, boolean][]): Segment[] => {
  const segments: Segment[] = []
  let current: Segment | undefined
  let text = 1
  let slash = false
  const add = (part: Part, optional: boolean): void => {
    if (!slash) throw Error('it must start with "/"')
    if (!current) segments.push((current = [[], false]))
    const parts = current[0]
    const last = parts.length - 1
    if (typeof part === 'string' && typeof parts[last] === 'string') parts[last] += part
    else parts.push(part)
    current[1] ||= optional
  }
  for (const [token, optional] of flat) {
    if (token.type === 'text') {
      token.value.split('/').forEach((piece, i) => {
        if (i) slash = !(current = undefined)
        if (piece) add(piece, optional)
      })
      text = 1
    } else {
      if (!text) throw Error(`missing text before "${(token as Key).name}"`)
      add(token.type === 'param' ? 0 : 1, optional)
      text = 0
    }
  }
  return segments
}

/** The edge a segment becomes (its node still to come); text already folded. */
const toEdge = ([parts, optional]: Segment): Omit<Edge, 'n'> => {
  const wildcard = parts.includes(1)
  if (wildcard && parts.some(p => p === 0)) throw Error('a wildcard can only share its segment with text')
  const single = parts.length === 1
  // a required static segment is a child in a map, never tested by a pattern
  if (single && !optional && typeof parts[0] === 'string') return { k: 0, x: parts[0], m: undefined, w: false }
  // path-to-regexp locks a parameter to the shortest value the next text follows; for a yes/no
  // match within one segment that is the same as any value, since the next parameter absorbs the rest
  const source = parts.map(part => (typeof part === 'string' ? escapeRegExp(part) : part ? '[^]+' : '[^/]+')).join('')
  return {
    k: wildcard ? 6 + +optional : (single ? (parts[0] ? 0 : 2) : 1) + (optional ? 3 : 0),
    x: single && typeof parts[0] === 'string' ? (parts[0] as string) : source,
    // a lone parameter or wildcard matches any (non-empty) text: no pattern to test
    m: single && typeof parts[0] !== 'string' ? undefined : RegExp(`^${source}$`),
    w: wildcard,
  }
}

const byRank = (a: Edge, b: Edge): number =>
  a.k - b.k || b.x.length - a.x.length || (a.x > b.x ? 1 : -1)

/** A trie node; every node has the same fields, so that `find` reads them at one shape. */
const createNode = (): Trie => ({ k: undefined, s: undefined, p: undefined, e: undefined, r: undefined })

const PARAM = 2

/** The most specific terminal node for `segments[i..]`: edges tried in rank order. */
const find = (node: Trie, segments: string[], i: number): Trie | undefined => {
  if (i === segments.length) return node.r === undefined ? undefined : node
  const segment = segments[i]
  let found: Trie | undefined
  const child =
    node.k === undefined ? (node.s as Map<string, Trie> | undefined)?.get(segment) : node.k === segment ? (node.s as Trie) : undefined
  if (child !== undefined && (found = find(child, segments, i + 1)) !== undefined) return found
  let param = node.p
  const edges = node.e
  if (edges !== undefined) {
    for (let e = 0; e < edges.length; e++) {
      const edge = edges[e]
      if (param !== undefined && edge.k > PARAM) {
        if ((found = find(param, segments, i + 1)) !== undefined) return found
        param = undefined
      }
      // a wildcard tries the longest span first, as path-to-regexp's greedy `[^]+` does
      for (let j = edge.w ? segments.length : i + 1; j > i; j--) {
        if (edge.m !== undefined && !edge.m.test(j - i > 1 ? segments.slice(i, j).join('/') : segment)) continue
        if ((found = find(edge.n, segments, j)) !== undefined) return found
      }
    }
  }
  return param === undefined ? undefined : find(param, segments, i + 1)
}

/** The text of a URL or location, and whether it may start with an origin (a location's pathname may not). */
const toText = (input: unknown): [text: string, origin: boolean] | undefined => {
  if (typeof input === 'string') return [input, true]
  if (input && typeof input === 'object') {
    const { pathname, search, hash, href } = input as Record<string, unknown>
    if (typeof pathname === 'string') {
      return [pathname + (typeof search === 'string' ? search : '') + (typeof hash === 'string' ? hash : ''), false]
    }
    if (typeof href === 'string') return [href, true]
  }
  return undefined
}

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
export const createAnonymizer = (options: AnonymizerOptions = {}): Anonymizer => {
  const {
    placeholder = 'colon',
    hash = false,
    unmatched = 'mask',
    keepQuery = [],
    sensitive = false,
    referrerHosts = [],
    base = '',
  } = options
  const styles = ['colon', 'name', 'upper']
  check(typeof placeholder === 'function' || styles.includes(placeholder), 'placeholder', placeholder, `"colon", "name", "upper" or a function`)
  check(typeof unmatched === 'function' || unmatched === 'mask' || unmatched === 'drop', 'unmatched', unmatched, `"mask", "drop" or a function`)
  check(typeof hash === 'boolean', 'hash', hash, 'true or false')
  check(typeof sensitive === 'boolean', 'sensitive', sensitive, 'true or false')
  check(Array.isArray(referrerHosts) && referrerHosts.every(h => h && typeof h === 'string'), 'referrerHosts', referrerHosts, 'an array of host names')
  check(typeof base === 'string' && (!base || base[0] === '/'), 'base', base, 'a path starting with "/", like "/app/"')
  const fold = (text: string): string => (sensitive ? text : text.toLowerCase())
  const prefix = fold(base.replace(/\/+$/, ''))

  const rules = new Map<string, readonly string[] | RegExp | undefined>(
    Array.isArray(keepQuery) ? keepQuery.map(key => [key, undefined]) : Object.entries(keepQuery || 0),
  )
  check(
    keepQuery && typeof keepQuery === 'object' &&
      [...rules].every(([key, rule]) => key && typeof key === 'string' &&
        (!rule || rule instanceof RegExp || (Array.isArray(rule) && rule.every(v => typeof v === 'string')))),
    'keepQuery', keepQuery, 'query keys ["tab"] or allowed values { tab: ["grid", "form"], page: /^\\d+$/ }',
  )

  const style = (name: string, kind: 'param' | 'wildcard'): string => {
    const out =
      placeholder === 'name'
        ? name
        : placeholder === 'upper'
          ? name.toUpperCase()
          : typeof placeholder === 'function'
            ? placeholder(name, kind)
            : (kind === 'param' ? ':' : '*') + name
    check(out && typeof out === 'string', `placeholder("${name}")`, out, 'a non-empty string')
    return out
  }
  const write = (tokens: readonly Token[]): string =>
    tokens.map(t => (t.type === 'text' ? t.value : t.type === 'group' ? `{${write(t.tokens)}}` : style(t.name, t.type))).join('')

  const root = createNode()
  /** template → output */
  const outputs = new Map<string, string>()
  /** folded static segment → how the route table writes it */
  const statics = new Map<string, string>()

  /** Parses and checks a template: its output and the edges of each alternative. */
  const compile = (template: string, name: () => string): [output: string, segments: Segment[][], paths: Omit<Edge, 'n'>[][]] => {
    try {
      if (!/^\{?\//.test(template)) throw Error('it must start with "/"')
      const { tokens } = parse(template)
      const segments = expand(tokens, false).map(toSegments)
      const paths = segments.map(list =>
        list.map(([parts, optional]) => toEdge([parts.map(p => (typeof p === 'string' ? fold(p) : p)), optional])),
      )
      return [placeholder === 'colon' ? template : write(tokens), segments, paths]
    } catch (error) {
      if (String(error).includes('[spa-telemetry]')) throw error
      const reason = String((error as Error).message).replace(/: \/.*|; visit.*/, '')
      return fail(`${name()} is not a valid path template: ${reason[0].toLowerCase() + reason.slice(1)}`)
    }
  }

  const insert = (template: string, [output, segments, paths]: ReturnType<typeof compile>): void => {
    outputs.set(template, output)
    for (const [[text, more]] of segments.flat()) {
      if (typeof text === 'string' && more === undefined) {
        const folded = fold(text)
        const known = statics.get(folded)
        if (known === undefined || text < known) statics.set(folded, text)
      }
    }
    for (const edges of paths) {
      let node = root
      for (const edge of edges) {
        if (!edge.k) {
          if (node.k === edge.x) node = node.s as Trie
          else if (node.s === undefined) {
            node.k = edge.x
            node = node.s = createNode()
          } else {
            // a second static child: from a field to a Map
            if (node.k !== undefined) node.s = new Map([[node.k, node.s as Trie]])
            node.k = undefined
            const children = node.s as Map<string, Trie>
            let child = children.get(edge.x)
            if (!child) children.set(edge.x, (child = createNode()))
            node = child
          }
        } else if (edge.k === PARAM) node = node.p ||= createNode()
        else {
          const list = (node.e ||= [])
          let same = list.find(e => e.k === edge.k && e.x === edge.x)
          if (!same) {
            list.push((same = { k: edge.k, x: edge.x, m: edge.m, w: edge.w, n: createNode() }))
            list.sort(byRank)
          }
          node = same.n
        }
      }
      if (node.r === undefined || output < node.r) node.r = output
    }
  }

  const addRoutes = (routes: readonly string[]): void => {
    check(Array.isArray(routes) && routes.length, 'routes', routes, 'a non-empty array of path templates like "/nc/:project_id"')
    const seen = new Set<string>()
    // all or nothing: every template is checked before the table changes
    const compiled = routes.map((template, index) => {
      const name = (): string => `routes[${index}] ${show(template)}`
      if (typeof template !== 'string') fail(`${name()} is not a string: expected a path template like "/nc/:project_id"`)
      if (seen.has(template)) fail(`${name()} is listed twice`)
      seen.add(template)
      // a template the table has already (a router adding a route again) is left as it is
      return outputs.has(template) ? undefined : compile(template, name)
    })
    routes.forEach((template, index) => compiled[index] && insert(template, compiled[index]))
  }
  if (options.routes !== undefined) addRoutes(options.routes)

  const query = (search: string): string => {
    const found = new Map<string, string>()
    for (const pair of search.split('&')) {
      const [key, value = ''] = pair.split('=').map(decodeQuery)
      if (rules.has(key) && !found.has(key)) found.set(key, value)
    }
    let out = ''
    for (const [key, rule] of rules) {
      const value = found.get(key)
      if (value === undefined) continue
      let allowed: unknown = rule && !(rule instanceof RegExp) && rule.includes(value)
      if (rule instanceof RegExp) {
        rule.lastIndex = 0
        allowed = rule.exec(value)?.[0] === value
      }
      out += (out ? '&' : '?') + encodeURIComponent(key) + '=' + (allowed ? encodeURIComponent(value) : '*')
    }
    return out
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
    let path = question >= 0 && question < end ? text.slice(0, question) : end < text.length ? text.slice(0, end) : text
    let out: string | null | undefined = route ? outputs.get(route) : undefined
    if (out === undefined) {
      path = fold(path)
      if (prefix && !hash && path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/')) {
        path = path.slice(prefix.length)
      }
      const encoded = path.includes('%')
      const segments: string[] = []
      for (let start = 0, slash = 0; start < path.length; start = slash + 1) {
        slash = path.indexOf('/', start)
        if (slash < 0) slash = path.length
        if (slash === start) continue
        const segment = path.slice(start, slash)
        // decoded text is folded again: %41 is an A
        segments.push(encoded && segment.includes('%') ? fold(decode(segment)) : segment)
      }
      const node = route === null ? undefined : find(root, segments, 0)
      if (node !== undefined) out = node.r!
      else if (unmatched === 'drop') return null
      else {
        const masked = '/' + segments.map(segment => statics.get(segment) ?? '*').join('/')
        out = unmatched === 'mask' ? masked : unmatched(masked)
        if (typeof out !== 'string') return null
      }
    }
    return rules.size && search ? out + query(search) : out
  }

  const anonymizeReferrer = (referrer: string, origin: string): string | null => {
    const m = typeof referrer === 'string' && /^[a-z][\w+.-]*:\/\/(?:[^@/?#]*@)?([^/?#:]*)[^/?#]*/i.exec(referrer)
    if (!m) return null
    if (typeof origin === 'string' && m[0].toLowerCase() === origin.toLowerCase()) return anonymize(referrer)
    const host = m[1].toLowerCase()
    return referrerHosts.includes(host) ? host : 'external'
  }

  return { anonymize, anonymizeReferrer, addRoutes, routes: () => [...outputs.keys()] }
}
