/**
 * The README is also the package's page on the npm registry, where relative
 * links break: every link is absolute, or an anchor of a heading here.
 * (Its examples run in test/examples.test.ts, its TypeScript blocks
 * type-check in test/node/docs-types.test.ts.)
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const readme = readFileSync('README.md', 'utf8')

/** A heading's anchor, as GitHub and the npm registry write it. */
const slug = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-')

describe('README', () => {
  it('is read in five minutes: under 200 lines, the two repository commands on its first screen (60 lines)', () => {
    const lines = readme.split('\n')
    expect(lines.length).toBeLessThan(200)
    const first = lines.slice(0, 60).join('\n')
    expect(first).toContain('npm install && npm run demo')
    expect(first).toMatch(/^npm test\b/m)
    expect(first).toContain('npm install spa-telemetry')
  })

  it('every link works on the registry page too: an absolute URL, or an anchor of a heading here', () => {
    const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map(([, heading]) => slug(heading)))
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map(([, link]) => link)
    expect(links.length).toBeGreaterThan(5)
    expect(
      links.filter(link => !/^https:\/\//.test(link) && !(link.startsWith('#') && anchors.has(link.slice(1)))),
    ).toEqual([])
  })
})
