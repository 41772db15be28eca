/**
 * The adapters' one error module (adapters/guards.ts) speaks the core's
 * words: `show` and `check` give the messages `src/errors.ts` gives, value
 * for value, so that a setup error reads the same from `createTracker` and
 * from any adapter; `show`, `fail`, `safely` and `DEV` are the core's code,
 * copied (adapters reach the core only by its public name). And its
 * helpers: a deprecation warns once, a setup step rethrows only the core's
 * own errors, `safely` keeps everything.
 */
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'

import * as core from '../../src/errors.js'
import { atSetup, check, deprecated, isTracker, safely, show } from '../../adapters/guards.js'

const message = (run: () => void): string => {
  try {
    run()
  } catch (error) {
    return (error as Error).message
  }
  return ''
}

describe('the same words as the core', () => {
  it.each([
    ['x'],
    ['a'.repeat(80)],
    [''],
    [42],
    [NaN],
    [null],
    [undefined],
    [true],
    [[1, 2]],
    [[]],
    [{}],
    [() => {}],
    [Symbol.for('s')],
    [10n],
    [new Date(0)],
    [/x/],
  ])('show(%o)', value => {
    expect(show(value)).toBe(core.show(value))
  })

  it('show and check, for any value', () => {
    fc.assert(
      fc.property(fc.anything(), value => {
        expect(show(value)).toBe(core.show(value))
        expect(message(() => check(false, 'routes', value, 'a list'))).toBe(
          message(() => core.check(false, 'routes', value, 'a list')),
        )
      }),
    )
  })

  it("show, fail, safely and DEV are the core's code, copied", () => {
    /** The code of `export const <name>` in a file, up to the blank line after it. */
    const code = (file: string, name: string): string =>
      readFileSync(file, 'utf8').match(new RegExp(`^export const ${name}\\b[^]*?\\n(?=\\n|$)`, 'm'))?.[0] ??
      `${name} not in ${file}`
    for (const [name, file] of [
      ['show', 'src/errors.ts'],
      ['fail', 'src/errors.ts'],
      ['safely', 'src/errors.ts'],
      ['DEV', 'src/dev.ts'],
    ]) {
      expect(code('adapters/guards.ts', name)).toBe(code(file, name))
    }
  })

  it("safely: the same containment and report as the core's", () => {
    for (const action of [
      () => 'done',
      () => {
        throw new Error('x')
      },
      () => {
        throw null
      },
    ]) {
      const reports = [0, 0]
      expect(() => safely(action, () => reports[0]++)).not.toThrow()
      expect(() => core.safely(action, () => reports[1]++)).not.toThrow()
      expect(reports[0]).toBe(reports[1])
    }
  })

  it('arrays are "an array", as in the core (they were "an object" here)', () => {
    expect(message(() => check(false, 'routes', ['/a'], 'a list of templates'))).toBe(
      '[spa-telemetry] routes is an array: expected a list of templates',
    )
  })
})

describe('helpers', () => {
  it('check runs a test it is given; a test that throws fails the check', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap')
        },
      },
    )
    expect(
      message(() =>
        check(() => typeof (hostile as { page: unknown }).page === 'function', 'tracker', hostile, 'a tracker'),
      ),
    ).toBe('[spa-telemetry] tracker is an object: expected a tracker')
    expect(() => check(() => true, 'x', 1, 'y')).not.toThrow()
    expect(isTracker(hostile, 'page')).toBe(false)
  })

  it('deprecated warns once per old form, in development', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    deprecated('old()', 'new()')
    deprecated('old()', 'new()')
    deprecated('older()', 'new()')
    expect(warn.mock.calls).toEqual([
      ['[spa-telemetry] old() is deprecated and goes in the next minor version: new()'],
      ['[spa-telemetry] older() is deprecated and goes in the next minor version: new()'],
    ])
    warn.mockRestore()
  })

  it('atSetup rethrows the core’s errors (in development), keeps others and returns the fallback', () => {
    expect(() => atSetup(() => core.fail('routes[0] "/:" is not a valid path template'))).toThrow(
      '[spa-telemetry] routes[0]',
    )
    expect(
      atSetup(() => {
        throw new TypeError('broken tracker')
      }, 'fallback'),
    ).toBe('fallback')
    expect(atSetup(() => 'made', 'fallback')).toBe('made')
    expect(() =>
      safely(() => {
        throw new Error('x')
      }),
    ).not.toThrow()
  })
})
