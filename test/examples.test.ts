/**
 * The examples of the README and the guide that print a result run, and
 * print what they say: in every ```ts block, a line `expression // → value`
 * (or an expression followed by a line `// → value`) is a claim. Each such
 * block is written out as a module whose claims are recorded, imported
 * (against the package's source, as a user's code imports the package) and
 * every claim compared.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const pages = [
  'README.md',
  ...readdirSync('docs', { recursive: true, encoding: 'utf8' })
    .filter(name => name.endsWith('.md'))
    .map(name => `docs/${name}`),
]

/** A quoted string, a number, `true`, `false` or `null` at the start of `text`. */
const LITERAL = /^('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d[\d_.]*|true|false|null)/
const CLAIM = /^(.*?);?\s*\/\/ → (.*)$/

interface Example {
  page: string
  index: number
  code: string
  claims: number
}

/** The block with its claims rewritten as `claim(actual, expected, 'line')` calls; `claims` counts them. */
export const toRunnable = (block: string): { code: string; claims: number } => {
  const lines = block.split('\n')
  let claims = 0
  for (let i = 0; i < lines.length; i++) {
    const found = CLAIM.exec(lines[i])
    const literal = found && LITERAL.exec(found[2])
    if (!found || !literal) continue
    const own = found[1].trim()
    // a claim alone on its line is about the expression on the line before
    const at = own ? i : i - 1
    const expression = own || lines[at].trim().replace(/;$/, '')
    lines[at] = `claim(${expression}, ${literal[1]}, ${JSON.stringify(expression.slice(0, 80))})`
    if (!own) lines[i] = ''
    claims++
  }
  return { code: lines.join('\n'), claims }
}

const examples: Example[] = pages.flatMap(page =>
  [...readFileSync(page, 'utf8').matchAll(/```ts\n([^]*?)```/g)].flatMap(([, block], index) => {
    const { code, claims } = toRunnable(block)
    return claims ? [{ page, index: index + 1, code, claims }] : []
  }),
)

describe('examples that print a result', () => {
  it('there are some, and the anonymizer has one', () => {
    expect(examples.some(example => example.page === 'docs/anonymizer.md')).toBe(true)
  })

  it('a claim that does not hold is caught (the check can fail)', () => {
    expect(toRunnable('1 + 1 // → 3\nx\n// → 2').code).toBe('claim(1 + 1, 3, "1 + 1")\nclaim(x, 2, "x")\n')
  })

  it.each(examples.map(example => [`${example.page} block ${example.index}`, example] as const))(
    '%s',
    async (_, example) => {
      mkdirSync('test/.build', { recursive: true })
      const file = `test/.build/example-${example.page.replace(/\W/g, '-')}-${example.index}.ts`
      const results: [actual: unknown, expected: unknown, line: string][] = []
      ;(globalThis as Record<string, unknown>).__claims = results
      writeFileSync(
        file,
        `const claim = (actual: unknown, expected: unknown, line: string) => (globalThis as any).__claims.push([actual, expected, line])\n${example.code}\nexport {}\n`,
      )
      await import(/* @vite-ignore */ `./.build/${file.split('/').pop()}?t=${Date.now()}`)
      expect(results.length).toBe(example.claims)
      for (const [actual, expected, line] of results) expect(actual, line).toEqual(expected)
    },
  )
})
