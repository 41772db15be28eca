/**
 * One version: the one every payload says it was sent by is the package's,
 * and the CHANGELOG (in the tarball) has a section for it.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import { LIBRARY } from '../src/index.js'

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }

describe('the version', () => {
  it("payloads name the package's version", () => {
    expect(LIBRARY).toEqual({ name: 'spa-telemetry', version })
  })

  it('the CHANGELOG has its section', () => {
    expect(readFileSync('CHANGELOG.md', 'utf8')).toMatch(new RegExp(`^## ${version.replace(/\./g, '\\.')}$`, 'm'))
  })
})
