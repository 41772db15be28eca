/**
 * The guide's links work: a relative link names a file of the repository
 * (and, with `#anchor`, a heading of that page), an anchor names a heading of
 * its own page, and every page with three sections or more opens with a
 * table of contents that links each of them. The README's links must work on
 * the registry page too, so they are absolute (or anchors); those into this
 * repository name files that exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { describe, expect, it } from 'vitest'

const REPOSITORY = 'https://github.com/spa-telemetry/spa-telemetry/blob/main/'
const guide = readdirSync('docs', { recursive: true, encoding: 'utf8' })
  .filter(name => name.endsWith('.md'))
  .map(name => `docs/${name}`)

/** A page without its code blocks (a `](x)` in code is not a link). */
const prose = (page: string): string => readFileSync(page, 'utf8').replace(/```[^]*?```/g, '')

/** A heading's anchor, as GitHub writes it. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-')

const anchorsOf = (page: string): Set<string> =>
  new Set([...prose(page).matchAll(/^#+ (.+)$/gm)].map(([, heading]) => slug(heading)))
const linksOf = (page: string): string[] => [...prose(page).matchAll(/\]\(([^)\s]+)\)/g)].map(([, link]) => link)

/** Why a link of `page` is broken, or '' when it works. */
const broken = (page: string, link: string): string => {
  if (/^https?:\/\//.test(link) && !link.startsWith(REPOSITORY)) return ''
  const [target, anchor] = link.startsWith(REPOSITORY) ? link.slice(REPOSITORY.length).split('#') : link.split('#')
  const file = link.startsWith(REPOSITORY) ? normalize(target) : target ? normalize(join(dirname(page), target)) : page
  if (!existsSync(file)) return `${page}: ${link}: no file ${file}`
  if (anchor && (!file.endsWith('.md') || !anchorsOf(file).has(anchor)))
    return `${page}: ${link}: no heading #${anchor} in ${file}`
  return ''
}

describe('the guide (docs/)', () => {
  it('has pages', () => {
    expect(guide.length).toBeGreaterThan(0)
  })

  it.each(guide)('%s: every link names a file and heading that exist', page => {
    expect(
      linksOf(page)
        .map(link => broken(page, link))
        .filter(Boolean),
    ).toEqual([])
  })

  it.each(guide)('%s: opens with a table of contents when it has three sections or more', page => {
    const sections = [...prose(page).matchAll(/^## (.+)$/gm)].map(([, heading]) => slug(heading))
    if (sections.length < 3) return
    const links = new Set(linksOf(page))
    expect(sections.filter(section => !links.has(`#${section}`))).toEqual([])
  })

  it('a broken link is caught (the check can fail)', () => {
    expect(broken('docs/privacy.md', './no-such-page.md')).toMatch(/no file/)
    expect(broken('docs/privacy.md', '#no-such-heading')).toMatch(/no heading/)
    expect(broken('README.md', `${REPOSITORY}docs/no-such-page.md`)).toMatch(/no file/)
  })
})

describe('the README', () => {
  it('links into this repository name files that exist', () => {
    expect(
      linksOf('README.md')
        .map(link => broken('README.md', link))
        .filter(Boolean),
    ).toEqual([])
  })
})
