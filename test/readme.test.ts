/**
 * The README's anonymizer example, checked: every `anonymize('…') // → '…'`
 * line of it must hold for the options it shows.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import { createAnonymizer } from '../src/index.js'

const readme = readFileSync('README.md', 'utf8')
const example = readme.slice(readme.indexOf('## The anonymizer'), readme.indexOf('| option | default | what it does |'))
const claims = [...example.matchAll(/anonymize\('([^']+)'\)\s*\/\/ → '([^']+)'/g)].map(([, input, output]) => [input, output])

/** A heading's anchor, as GitHub and the npm registry write it. */
const slug = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-')

describe('README', () => {
  it('every link works on the registry page too: an absolute URL, or an anchor of a heading here', () => {
    const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map(([, heading]) => slug(heading)))
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map(([, link]) => link)
    expect(links.length).toBeGreaterThan(10)
    expect(links.filter(link => !/^https:\/\//.test(link) && !(link.startsWith('#') && anchors.has(link.slice(1))))).toEqual([])
  })

  it('shows the anonymizer with an example', () => {
    expect(claims.length).toBeGreaterThanOrEqual(3)
  })

  it.each(claims)('anonymize(%s) gives %s', (input, output) => {
    const { anonymize } = createAnonymizer({
      routes: ['/nc/:project_id', '/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/modify', '/docs{/:page}', '/files/*path'],
      placeholder: 'name',
      keepQuery: { tab: ['grid', 'form'] },
    })
    expect(example).toContain("placeholder: 'name'")
    expect(anonymize(input)).toBe(output.replace('\\/', '/'))
  })
})
