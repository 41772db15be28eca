/**
 * The anonymizer in a production build (`process.env.NODE_ENV` is
 * "production", as bundlers replace it): no setup checks and no messages,
 * but a template that cannot be compiled still throws, naming its place; and
 * the privacy behaviour is the development build's, output for output.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it, vi } from 'vitest'

import { createAnonymizer } from '../src/anonymize.js'
import type { AnonymizerOptions } from '../src/anonymize.js'

/**
 * `createAnonymizer` as a production build has it: the sources loaded again
 * with `process.env.NODE_ENV` "production", so the development flag
 * (src/dev.ts) is `false` in every module, as the build folds it.
 */
let built: typeof createAnonymizer
beforeAll(async () => {
  vi.stubEnv('NODE_ENV', 'production')
  vi.resetModules()
  try {
    built = (await import('../src/anonymize.js')).createAnonymizer
  } finally {
    vi.unstubAllEnvs()
  }
})

/** Runs `build` with the production build's `createAnonymizer`. */
const production = <T>(build: (create: typeof createAnonymizer) => T): T => build(built)

describe('production build', () => {
  it.each([
    [['/a', '/b', '/c', '/users/:'], '[spa-telemetry] routes[3]'],
    [['users/:id'], '[spa-telemetry] routes[0]'],
    [['/a/:x:y'], '[spa-telemetry] routes[0]'],
    [['/a/x-*w.:p'], '[spa-telemetry] routes[0]'],
    [['/a', 42], '[spa-telemetry] routes[1]'],
    [['/x{/:a}{/:b}{/:c}{/:d}{/:e}{/:f}{/:g}{/:h}{/:i}'], '[spa-telemetry] routes[0]'],
  ])('a template that cannot be compiled throws a short message: %j', (routes, message) => {
    expect(() => production(create => create({ routes: routes as string[] }))).toThrow(new Error(message))
    // the development build explains
    expect(() => createAnonymizer({ routes: routes as string[] })).toThrow(message + ' ')
  })

  it('checks no other option, and a template listed twice is listed once', () => {
    const anonymizer = production(create =>
      create({ routes: ['/a', '/a'], placeholder: 'snake' as never, hash: 'yes' as never }),
    )
    expect(anonymizer.routes()).toEqual(['/a'])
    expect(() => createAnonymizer({ placeholder: 'snake' as never })).toThrow('[spa-telemetry] placeholder is "snake"')
  })

  it('masks, keeps queries, folds case and decodes as the development build does', () => {
    const options: AnonymizerOptions[] = [
      {
        routes: [
          '/nc/:project_id',
          '/nc/:project_id/table/:table_id',
          '/Settings/profile',
          '/files/*path.json',
          '/docs{/:page}',
        ],
        keepQuery: { tab: ['grid'], q: [] },
      },
      { routes: ['/nc/:id', '/a/:x.:y'], placeholder: 'upper', sensitive: true, base: '/app/', unmatched: 'drop' },
      { routes: ['/', '/nc/:id'], hash: true, unmatched: masked => masked.toUpperCase() },
    ]
    const url = fc
      .tuple(
        fc.array(
          fc.constantFrom(
            'nc',
            'NC',
            'p_1',
            'table',
            't%2F1',
            'settings',
            'Profile',
            'files',
            'a.json',
            'caf%C3%A9',
            '%E0%A4%A',
            'app',
            'docs',
            'a',
            'x.y',
            '',
          ),
          { maxLength: 6 },
        ),
        fc.constantFrom('', '?tab=grid&q=alice', '?tab=x', '#/nc/p1?tab=grid', '#frag'),
      )
      .map(([parts, rest]) => '/' + parts.join('/') + rest)
    for (const option of options) {
      const development = createAnonymizer(option)
      const inProduction = production(create => create(option))
      fc.assert(
        fc.property(url, input => {
          expect(inProduction.anonymize(input)).toBe(development.anonymize(input))
        }),
        { numRuns: 2_000 },
      )
    }
  })
})
