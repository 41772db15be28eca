/**
 * The collector's setup errors (and the dashboard's and the Vite plugin's,
 * which use collector/check.ts too) are the core's: one wording, one `show`
 * (src/errors.ts). A bad value is shown by kind, never by its contents: a
 * misplaced options object may hold a destination's key, and setup errors
 * end up in logs.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { checkNumber, checkString, setupError } from '../../collector/check.js'
import { createCollector, ndjsonStore } from '../../collector/index.js'
import * as core from '../../src/errors.js'

const message = (run: () => unknown): string => {
  try {
    run()
  } catch (error) {
    return (error as Error).message
  }
  return ''
}

describe('the same words as the core', () => {
  it('setupError, checkNumber and checkString give the message core.check gives, for any value', () => {
    fc.assert(
      fc.property(fc.anything(), value => {
        const expected = message(() => core.check(false, 'port', value, 'a port'))
        expect(setupError('port', value, 'a port').message).toBe(expected)
        if (typeof value !== 'string' || !value)
          expect(message(() => checkString('port', value, 'a port'))).toBe(expected)
        if (typeof value !== 'number')
          expect(message(() => checkNumber('port', value, 0, 65535, true))).toBe(
            message(() => core.check(false, 'port', value, 'a whole number from 0 to 65535')),
          )
      }),
    )
  })

  it('NaN is shown as NaN (JSON made it null), objects and arrays by kind, long strings cut', () => {
    expect(message(() => checkNumber('retries', NaN, 0, 10, true))).toBe(
      '[spa-telemetry] retries is NaN: expected a whole number from 0 to 10',
    )
    expect(message(() => createCollector({ store: [1, 2] as never }))).toMatch(
      /^\[spa-telemetry\] store is an array: expected a store /,
    )
    expect(setupError('dir', 'x'.repeat(100), 'a directory').message).toBe(
      `[spa-telemetry] dir is "${'x'.repeat(60)}…": expected a directory`,
    )
  })

  it('checkNumber and checkString return what they accept', () => {
    expect(checkNumber('port', 8787, 0, 65535, true)).toBe(8787)
    expect(checkNumber('ratio', 0.5, 0, 1, false)).toBe(0.5)
    expect(checkString('dir', '.spa-telemetry', 'a directory')).toBe('.spa-telemetry')
    expect(message(() => checkNumber('port', 1.5, 0, 65535, true))).toBe(
      '[spa-telemetry] port is 1.5: expected a whole number from 0 to 65535',
    )
  })
})

describe('no key in a setup error', () => {
  const KEY = 'phc_k3y_canary_5ecret'
  it.each([
    ["a destination's options as the store", () => createCollector({ store: { writeKey: KEY } as never })],
    ["a destination's options in stores", () => createCollector({ stores: [{ apiKey: KEY } as never] })],
    [
      'store and stores together',
      () => createCollector({ store: { write: async () => {}, apiKey: KEY } as never, stores: [] }),
    ],
    ['options with a key as the directory', () => ndjsonStore({ dir: { token: KEY } as never })],
    [
      'a key in a list of origins',
      () => createCollector({ store: { write: async () => {} }, origins: { token: KEY } as never }),
    ],
  ])('%s: the value is shown by kind', (_, run) => {
    const text = message(run)
    expect(text).toMatch(/^\[spa-telemetry\] .+ is an? (object|array): expected /)
    expect(text).not.toContain(KEY)
  })
})
