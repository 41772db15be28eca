/**
 * The validator is generated from schema/v1.json at build time: the committed
 * module is in sync with the schema, self-contained, and decides as ajv
 * compiling the schema at run time would.
 */
import Ajv from 'ajv'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { validate } from '../../collector/schema-v1.js'
import { validatePayload } from '../../collector/index.js'
import { HOST_SYNTAX, PATH_SYNTAX } from '../../src/grammar.js'
import { payload } from '../helpers/collector.js'

describe('collector/schema-v1.js', () => {
  it('is in sync with schema/v1.json (else: node collector/generate-validator.mjs)', () => {
    // exits 1 with a message when the committed file differs from a fresh generation
    execFileSync(process.execPath, ['collector/generate-validator.mjs', '--check'], { stdio: 'pipe' })
  })

  it('is a self-contained ES module: no require, no import, no schema compiler', () => {
    const source = readFileSync('collector/schema-v1.js', 'utf8')
    expect(source).not.toMatch(/\brequire\(|^\s*import\b|\bnew Function\b|\beval\(/m)
    expect(source).toMatch(/^export const validate = /m)
  })

  const ajv = new Ajv({ allErrors: false })
  ajv.addFormat(
    'date-time',
    text =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/.test(text) &&
      !Number.isNaN(Date.parse(text)),
  )
  const reference = ajv.compile(JSON.parse(readFileSync('schema/v1.json', 'utf8')))

  it('decides as ajv compiling schema/v1.json at run time, on random changes to a valid payload', () => {
    const base = payload([
      { type: 'page', path: '/a', from: '/b', referrer: 'external' },
      { type: 'track', name: 'x', props: { a: 1, b: 'two', c: true }, path: undefined },
    ])
    const field = fc.constantFrom(
      'schema',
      'sentAt',
      'library',
      'app',
      'instanceId',
      'anonymousId',
      'sessionId',
      'events',
      'dropped',
      'extra',
      '__proto__',
    )
    const eventField = fc.constantFrom('type', 'id', 'ts', 'path', 'from', 'referrer', 'name', 'props', 'url')
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ maxLength: 600 }),
      fc.constantFrom('2026-11-24T10:00:00.000Z', '2026-02-30T10:00:00Z', 'x'.repeat(21), 1, -1, 1.5),
    )
    const change = fc.oneof(
      fc.record({ at: fc.constant('top'), key: field, value: fc.option(value) }),
      fc.record({ at: fc.integer({ min: 0, max: 1 }), key: eventField, value: fc.option(value) }),
    )
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 3 }), changes => {
        const copy = JSON.parse(JSON.stringify(base))
        for (const { at, key, value } of changes) {
          const target = at === 'top' ? copy : copy.events?.[at]
          if (typeof target !== 'object' || target === null) continue
          if (value === null) delete target[key]
          else Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true })
        }
        const parsed = JSON.parse(JSON.stringify(copy)) as { events: { props?: object }[] }
        const expected = reference(parsed)
        expect(validate(parsed)).toBe(expected)
        expect(validatePayload(parsed).ok).toBe(
          expected && !parsed.events.some(e => e?.props && Object.hasOwn(e.props, '__proto__')),
        )
      }),
      { numRuns: 300, seed: 14 },
    )
  })

  it('accepts what the tracker sends', () => {
    const result = validatePayload(
      payload([
        { type: 'page', path: '/nc/:project_id', from: '/nc', referrer: 'external' },
        { type: 'heartbeat', path: undefined },
        { type: 'error', name: 'TypeError' },
      ]),
    )
    expect(result).toMatchObject({ ok: true })
  })

  it('carries the path syntax of src/grammar.ts as the patterns of path, from and referrer (one source: a change there fails here)', () => {
    const schema = JSON.parse(readFileSync('schema/v1.json', 'utf8'))
    expect(schema.definitions.path.pattern).toBe(`^${PATH_SYNTAX}$`)
    expect(schema.definitions.referrer.pattern).toBe(`^(?:${HOST_SYNTAX}|${PATH_SYNTAX})$`)
    expect(schema.definitions.event.properties.from).toEqual({ $ref: '#/definitions/path' })
    expect(schema.definitions.event.properties.referrer).toEqual({ $ref: '#/definitions/referrer' })
  })
})
