/**
 * The name grammar (event names, page names, action types, error names):
 * identifiers joined by `/` or `:`, nothing that looks like data.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { cleanProps, errorName, fitsSchema, isName } from '../src/names.js'
import { canary } from './helpers/canaries.js'
import { validatePayload } from './helpers/schema.js'

describe('isName', () => {
  it.each([
    'table_created',
    'tables/create/fulfilled',
    'table:create',
    'ModifyTable/RESET',
    'APPLICATIONS_PAGE_LOAD',
    'execute_ACTION_TRIGGERED',
    'api/executeQuery/fulfilled',
    'step2',
    'error404',
    '$init',
    'export-csv',
    'a'.repeat(64),
  ])('accepts %s', name => {
    expect(isName(name)).toBe(true)
  })

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(65)],
    ['spaces', 'search for Alice Smith'],
    ['an email', 'alice@example.com'],
    ['a URL', 'https://app.example.com/nc/p_8f2k'],
    ['dots', 'users/alice.smith/loaded'],
    ['a uuid segment', 'projects/3f2a9c1d-0b5e-4f3a-9c1d-0b5e7a2c6d81/opened'],
    ['a segment starting with a digit', 'steps/1/done'],
    ['5 digits', 'order_12345'],
    ['a hex id', 'session_a0885e8e6a38'],
    ['an empty segment', 'tables//create'],
    ['a trailing separator', 'tables/'],
    ['a leading separator', '/tables'],
    ['non-ASCII', 'tâble'],
    ['@@ internals', '@@redux/INIT'],
    ['not a string', 42],
  ])('refuses %s', (_, name) => {
    expect(isName(name)).toBe(false)
  })

  it('every accepted name fits the published schema', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'aZ_$-/:.09 @'), maxLength: 70 }), name => {
        if (isName(name)) expect(fitsSchema(name)).toBe(true)
      }),
      { numRuns: 5000 },
    )
  })

  it('no canary survives in a name, however it is dressed, unless it is a plain word', () => {
    fc.assert(
      fc.property(
        canary,
        fc.constantFrom('', 'users/', 'track_'),
        fc.constantFrom('', '/loaded', '_done'),
        ([, value], before, after) => {
          // a token of letters only is a word to any grammar (documented in docs/privacy.md)
          fc.pre(!/^[a-z]+$/i.test(value))
          expect(isName(before + value + after)).toBe(false)
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('cleanProps', () => {
  it('keeps primitives, caps strings at 200 characters', () => {
    expect(cleanProps({ kind: 'grid', rows: 3, ok: false, note: 'x'.repeat(300) })).toEqual({
      kind: 'grid',
      rows: 3,
      ok: false,
      note: 'x'.repeat(200),
    })
  })

  it.each([
    ['a nested object', { a: { b: 1 } }],
    ['an array', { a: [1] }],
    ['NaN', { a: Number.NaN }],
    ['a prop name with an email', { 'alice@example.com': 1 }],
    ['a prop name that is an id', { user_123456: 1 }],
    ['__proto__', JSON.parse('{"__proto__":"x"}')],
    ['more than 20 props', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i]))],
  ])('refuses %s', (_, props) => {
    expect(typeof cleanProps(props)).toBe('string')
  })

  it('what it keeps passes the schema', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ maxLength: 70 }),
          fc.oneof(fc.string({ maxLength: 300 }), fc.double(), fc.boolean()),
          { maxKeys: 25 },
        ),
        props => {
          const clean = cleanProps(props)
          if (typeof clean === 'string') return
          const payload = {
            schema: 1,
            sentAt: '2026-11-24T10:00:00.000Z',
            library: { name: 'spa-telemetry', version: '0.1.0' },
            app: { name: 'x' },
            dropped: 0,
            events: [{ type: 'track', id: 'A'.repeat(21), ts: 1, name: 'x', props: clean }],
          }
          expect(validatePayload(payload)).toBe(true)
        },
      ),
      { numRuns: 3000 },
    )
  })
})

describe('errorName', () => {
  it('is the class name from the prototype chain', () => {
    class QuotaError extends Error {}
    expect(errorName(new QuotaError('alice'))).toBe('QuotaError')
    expect(errorName(new RangeError('alice'))).toBe('RangeError')
  })

  it.each([
    ['a string', 'alice@example.com'],
    ['a plain object', { name: 'alice' }],
    ['an own constructor', Object.assign(new Error(), JSON.parse('{"constructor":{"name":"alice_smith"}}'))],
    ['an own name', Object.assign(new Error(), { name: 'alice_smith' })],
    ['null', null],
  ])('is "Error" for %s', (_, value) => {
    expect(errorName(value)).toBe('Error')
  })

  it('a class whose name does not follow the grammar is "Error"', () => {
    const Named = { ['Order12345Error']: class extends Error {} }['Order12345Error']
    expect(errorName(new Named())).toBe('Error')
  })
})
