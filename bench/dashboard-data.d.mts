import type { StoredEvent } from '../collector/index.js'

export interface GenerateOptions {
  events?: number
  days?: number
  installs?: number
  screens?: number
  actions?: number
  versions?: number
  seed?: number
  end?: number
}
export declare const random: (seed: number) => () => number
export declare const screenNames: (n: number) => string[]
export declare const actionNames: (n: number) => { type: 'action' | 'track'; name: string }[]
export declare function generate(options?: GenerateOptions): Generator<{ day: string; events: StoredEvent[] }>
export declare const writeNdjson: (dir: string, days: Iterable<{ day: string; events: StoredEvent[] }>) => number
