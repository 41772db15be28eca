/**
 * The segment trie of a route table and its search: the best-ranked
 * template that matches a path, in time linear in the path's length.
 *
 * Templates are numbered; `ranks[t]` orders them (lower first: vue-router's
 * ranking, see `keyOf` in compile.ts; equal ranks go to the smaller output).
 * Each node knows the best template ending there (`t`). The search tries
 * every branch that matches (static, parameter, mixed, wildcard: a path
 * seldom fits more than one) and keeps the best template it reaches. A run
 * of plain segments no other path shares is kept as one node's label (`x`),
 * not a node each, as in a radix tree.
 *
 * Below a wildcard, a node may be reached at many places of the path; each
 * wildcard edge remembers, per search, the segment from which it has tried
 * every span end after it, so that it tries each end at most twice in a
 * search (a node with no child but its label has one end only: before the
 * path's last segments): each (node, place) is searched at most twice, and
 * the work grows linearly with the path. The path is read where it is (no
 * list of segments); one with an empty segment ("//") is searched again
 * once normalized.
 */
import type { Part, Segment } from './compile.js'

export interface Node {
  /**
   * plain segments to match first, on the way into this node: text, or 0
   * for a parameter; one alone is kept as itself (a list costs more)
   */
  x: Label | undefined
  /** static children: [segment, child, …] (a few), or a Map by folded segment */
  s: (string | Node)[] | Map<string, Node> | undefined
  /** the child through a lone parameter (`/:id`) */
  p: Node | undefined
  /** other edges: text mixed with parameters, wildcards */
  e: Edge[] | undefined
  /** the best template ending here, or -1 */
  t: number
}

/** A node's label: plain segments, text or 0 for a parameter; one alone as itself. */
type Label = string | 0 | (string | 0)[]

interface Edge {
  /** the segment's parts: texts with parameters (0), or with one wildcard (1) */
  p: Part[]
  /** whether it has a wildcard (which may span segments) */
  w: boolean
  /** a wildcard's text before it and after it, in the first and last segment of its span */
  a: string
  z: string
  n: Node
  /** the search (`q`) in which spans from the segment at `m` (and after) were all tried */
  m: number
  q: number
}

/** Work done by searches, for tests: nodes visited, span ends tried, characters matched. */
export const work = { steps: 0 }

/** A trie node; every node has the same fields, so that the search reads them at one shape. */
export const createNode = (x?: Label): Node => ({ x, s: undefined, p: undefined, e: undefined, t: -1 })

/** Plain segments as a label: one alone as itself; none for none. */
const toLabel = (items: (string | 0)[]): Label | undefined =>
  items.length > 1 ? items : items.length ? items[0] : undefined

/** The pieces of a label, as a list. */
const pieces = (x: Label): (string | 0)[] => (typeof x === 'object' ? x : [x])

/** The parts of a lone wildcard segment, one list for all. */
const LONE: Part[] = [1]

/** Static children kept in a list up to this many, in a Map beyond. */
const FEW = 16

/** The static child of `node` for a folded segment, or undefined. */
export const staticChild = (node: Node, key: string): Node | undefined => {
  const s = node.s
  if (s instanceof Map) return s.get(key)
  if (s) for (let i = 0; i < s.length; i += 2) if (s[i] === key) return s[i + 1] as Node
  return undefined
}

/** Adds a static child to `node` (lists of the exact length: a pushed list reserves 16 places). */
const addStatic = (node: Node, key: string, child: Node): void => {
  const s = node.s
  if (s instanceof Map) s.set(key, child)
  else if (!s || s.length < 2 * FEW) node.s = (s || []).concat(key, child)
  else {
    const map = new Map<string, Node>()
    for (let i = 0; i < s.length; i += 2) map.set(s[i] as string, s[i + 1] as Node)
    node.s = map.set(key, child)
  }
}

/** Splits `node`'s label before its item `j`: a new child takes that item as its edge, the rest of the label and all the node had. */
const split = (node: Node, j: number): void => {
  const x = pieces(node.x!)
  const child: Node = { x: toLabel(x.slice(j + 1)), s: node.s, p: node.p, e: node.e, t: node.t }
  node.x = toLabel(x.slice(0, j))
  node.s = node.p = node.e = undefined
  node.t = -1
  if (x[j] === 0) node.p = child
  else addStatic(node, x[j] as string, child)
}

/** The child of `node` through one segment, made with `label()` as its label if missing. */
const childFor = (node: Node, segment: Segment, label: () => Label | undefined): Node => {
  if (typeof segment === 'string') {
    let child = staticChild(node, segment)
    if (!child) addStatic(node, segment, (child = createNode(label())))
    return child
  }
  if (segment === 0) return (node.p ||= createNode(label()))
  const p = segment === 1 ? LONE : segment
  // the same segment pattern is the same edge
  const key = JSON.stringify(p)
  let edge = node.e?.find(e => JSON.stringify(e.p) === key)
  if (!edge) {
    const [first, last] = [p[0], p[p.length - 1]]
    edge = {
      p,
      w: p.includes(1),
      a: typeof first === 'string' ? first : '',
      z: typeof last === 'string' ? last : '',
      n: createNode(label()),
      m: 0,
      q: 0,
    }
    node.e = (node.e || []).concat(edge)
  }
  return edge.n
}

/**
 * Adds one path of template `t` to the trie: its segments, texts folded
 * (text: a static segment, 0: a parameter, 1: a wildcard, a list: text
 * mixed with them). `before(a, b)`: whether template a ranks before b.
 *
 * @example
 * ```ts
 * insert(root, 0, ['files', 1], (a, b) => a < b) // /files/*path
 * ```
 */
export const insert = (
  root: Node,
  t: number,
  path: readonly Segment[],
  before: (a: number, b: number) => boolean,
): void => {
  let node = root
  let i = 0
  /** the plain segments from `i` on: the label of a new node */
  const label = (): Label | undefined => {
    let end = i
    while (end < path.length && (typeof path[end] === 'string' || path[end] === 0)) end++
    return toLabel(path.slice(i, end) as (string | 0)[])
  }
  for (;;) {
    if (node.x !== undefined) {
      const x = pieces(node.x)
      let j = 0
      while (j < x.length && x[j] === path[i + j]) j++
      if (j < x.length) split(node, j)
      i += j
    }
    if (i === path.length) break
    node = childFor(node, path[i++], label)
  }
  if (node.t < 0 || before(t, node.t)) node.t = t
}

const NONE: readonly never[] = []

// the state of the search under way (searches are synchronous and never nested)
let path = ''
let length = 0
let ranks: readonly number[] = []
let outputs: readonly string[] = []
let best = -1
let search = 0
/** whether the search met an empty segment ("//"): the path needs normalizing */
let empty = false
/** where the last k segments of the path start, by k, found in the search `tailsOf` */
const tails: number[] = []
let tailsOf = 0

/** Takes template `t` if it ranks before the one found (equal ranks: the smaller output). */
const take = (t: number): void => {
  if (t >= 0 && (best < 0 || ranks[t] < ranks[best] || (ranks[t] === ranks[best] && outputs[t] < outputs[best])))
    best = t
}

// the last segment endOf found (a wildcard's span and the node after it look up the same ones)
let lastStart = -1
let lastEnd = 0

/** The end of the segment starting at `start` (the next "/", or the path's end); notes an empty segment. */
const endOf = (start: number): number => {
  if (start === lastStart) return lastEnd
  let end = path.indexOf('/', start)
  if (end === start) empty = true
  if (end < 0 || end > length) end = length
  lastStart = start
  return (lastEnd = end)
}

/** Whether a wildcard's span from the segment [start, end) to `to` ends with its text after (`z`), and takes a character in one segment. */
const spans = (edge: Edge, start: number, end: number, to: number): boolean =>
  path.startsWith(edge.z, to - edge.z.length) && (to > end || end - start > edge.a.length + edge.z.length)

/** Whether a segment fits a mixed pattern: its texts in order, each parameter one character or more. */
const fits = (parts: readonly Part[], segment: string): boolean => {
  work.steps += segment.length
  let at = 0
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]
    if (typeof part !== 'string') at++
    else if (!i) {
      if (!segment.startsWith(part)) return false
      at = part.length
    } else if (i === parts.length - 1) return segment.length - part.length >= at && segment.endsWith(part)
    else {
      // the first place the text fits leaves the most room for what follows
      const found = segment.indexOf(part, at)
      if (found < 0) return false
      at = found + part.length
    }
  }
  return at <= segment.length
}

/** Where the last `k` segments of the path start (the "/" before them), or -1. */
const tail = (k: number): number => {
  if (tailsOf !== search) {
    tails.length = 0
    tailsOf = search
  }
  if (tails[k] === undefined) {
    work.steps++
    const after = k && tail(k - 1)
    tails[k] = !k ? length : after > 0 ? path.lastIndexOf('/', after - 1) : -1
  }
  return tails[k]
}

/** Follows a wildcard edge from the segment at `start` (ending at `end`) to each end of a span it may take. */
const span = (edge: Edge, start: number, end: number): void => {
  const n = edge.n
  // a node with no child but its label ends the path: one end only, as many segments before it as the label has
  const chain = n.s === undefined && n.p === undefined && n.e === undefined
  // this search has tried every end from here on (a chain's one end, or those after a later start)
  if ((edge.q === search && (chain || start >= edge.m)) || !path.startsWith(edge.a, start)) return
  if (chain) {
    const to = tail(n.x === undefined ? 0 : typeof n.x === 'object' ? n.x.length : 1)
    if (to >= end && spans(edge, start, end, to)) {
      edge.q = search
      visit(n, to)
    }
    return
  }
  // spans from a later segment start were all tried in this search: only the ends up to its own are new
  const stop = edge.q === search ? endOf(edge.m) : length
  edge.m = start
  edge.q = search
  for (let to = end; !empty;) {
    work.steps++
    // the next end first: the node's label reads that segment first too
    const next = to < stop ? endOf(to + 1) : -1
    if (spans(edge, start, end, to)) visit(n, to)
    if (next < 0) return
    to = next
  }
}

/** Searches below `node` from `at` (the "/" before the next segment, or the path's end). */
const visit = (node: Node, at: number): void => {
  work.steps++
  const x = node.x
  if (x !== undefined) {
    // each piece of the label: a text to equal (and a "/" or the end after it), or 0 for any segment
    const one = typeof x !== 'object'
    for (let i = 0; i < (one ? 1 : x.length); i++) {
      if (at === length) return
      // an empty segment: the path needs normalizing
      if (path.charCodeAt(at + 1) === 47) return void (empty = true)
      const piece = one ? x : x[i]
      if (piece === 0) at = endOf(at + 1)
      else {
        const end = at + 1 + piece.length
        if (!path.startsWith(piece, at + 1) || (end < length && path.charCodeAt(end) !== 47) || end > length) return
        at = end
      }
    }
  }
  if (at === length) return take(node.t)
  const start = at + 1
  const end = endOf(start)
  if (empty) return
  const s = node.s
  if (s !== undefined) {
    let child: Node | undefined
    if (s instanceof Map) child = s.get(path.slice(start, end))
    else {
      for (let i = 0; i < s.length; i += 2) {
        const key = s[i] as string
        if (key.length === end - start && path.startsWith(key, start)) {
          child = s[i + 1] as Node
          break
        }
      }
    }
    if (child !== undefined) visit(child, end)
  }
  if (node.p !== undefined) visit(node.p, end)
  const edges = node.e
  if (edges !== undefined) {
    for (let i = 0; i < edges.length; i++) {
      const edge = edges[i]
      if (edge.w) span(edge, start, end)
      else if (fits(edge.p, path.slice(start, end))) visit(edge.n, end)
    }
  }
}

/**
 * The best-ranked template matching a path ("" or "/" for the root, else
 * "/a/b", each segment decoded and folded), or -1; or -2 if the search met
 * an empty segment (`//`): then the path needs normalizing first.
 *
 * @example
 * ```ts
 * find(root, '/nc/p_8f2k', ranks, outputs) // 3, the number of '/nc/:project_id'
 * ```
 */
export const find = (root: Node, target: string, order: readonly number[], written: readonly string[]): number => {
  path = target
  // a trailing "/" is no segment
  length = target.length
  while (length && target.charCodeAt(length - 1) === 47) length--
  ranks = order
  outputs = written
  best = -1
  empty = false
  lastStart = -1
  search++
  visit(root, 0)
  // nothing of this search stays reachable from here
  path = ''
  ranks = outputs = NONE
  return empty ? -2 : best
}
