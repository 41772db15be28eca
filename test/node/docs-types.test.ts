/**
 * Every TypeScript block of the README and of the guide (docs/**.md)
 * type-checks, as a user would paste it:
 * against the package's own entries and the real types of Vue, vue-router,
 * Redux, Redux Toolkit and Nuxt. What a block uses but leaves to the reader
 * (`App`, `router`, `reducer`, `tracker`) is declared for it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/** The README and every page of the guide. */
const pages = [
  'README.md',
  ...readdirSync('docs', { recursive: true, encoding: 'utf8' })
    .filter(name => name.endsWith('.md'))
    .map(name => `docs/${name}`),
]
const codeOf = (page: string): string[] =>
  [...readFileSync(page, 'utf8').matchAll(/```ts\n([^]*?)```/g)].map(([, code]) => code)
const blocks = codeOf('README.md')
const guide = pages.slice(1).flatMap(page => codeOf(page).map(code => ({ page, code })))

/** What a block may use without declaring it, and how it is declared. */
const GIVEN: [name: string, declaration: string][] = [
  ['App', "declare const App: import('vue').Component"],
  ['router', "declare const router: import('vue-router').Router"],
  ['reducer', 'declare const reducer: (state: number | undefined, action: { type: string }) => number'],
  ['tracker', "declare const tracker: import('spa-telemetry').Tracker"],
  ['defineNuxtPlugin', "import { defineNuxtPlugin } from 'nuxt/app'"],
  // with the types Nuxt generates for an installed module (.nuxt/types/modules.d.ts): the spaTelemetry key
  [
    'defineNuxtConfig',
    "import { defineNuxtConfig } from 'nuxt/config'; import type {} from 'spa-telemetry/nuxt/module'",
  ],
  // the React Router section's components
  ...['Layout', 'Project', 'Table', 'Account', 'NotFound'].map((name): [string, string] => [
    name,
    `declare const ${name}: import('react').ComponentType`,
  ]),
]

/** A block as a module: the declarations it needs, then the block, line for line. */
const toModule = (code: string): string => {
  const given = GIVEN.filter(
    ([name]) =>
      new RegExp(`\\b${name}\\b`).test(code) &&
      !new RegExp(`(?:const|let)\\s+${name}\\b|import[^\\n]*\\b${name}\\b`).test(code),
  )
  return given.map(([, declaration]) => declaration).join('; ') + '\n' + code + '\nexport {}\n'
}

/** Type errors of the blocks, compiled together with the project's compiler options. */
const typeErrors = (modules: string[]): string[] => {
  const config = ts.getParsedCommandLineOfConfigFile(
    'tsconfig.json',
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  )!
  const files = new Map(modules.map((code, i) => [ts.sys.resolvePath(`test/readme-block-${i + 1}.ts`), code]))
  const host = ts.createCompilerHost(config.options)
  const read = host.readFile
  host.readFile = name => files.get(ts.sys.resolvePath(name)) ?? read(name)
  host.fileExists = name => files.has(ts.sys.resolvePath(name)) || ts.sys.fileExists(name)
  const program = ts.createProgram([...files.keys()], { ...config.options, noUnusedLocals: false }, host)
  return [...files.keys()].flatMap(name =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(name)).map(d => {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0
      return `${name.split('/').pop()}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    }),
  )
}

describe('README', () => {
  it('has a TypeScript block for the core and every adapter', () => {
    // (the Nuxt module is named in nuxt.config's modules, not imported)
    for (const entry of [
      "'spa-telemetry'",
      "'spa-telemetry/vue'",
      "'spa-telemetry/redux'",
      "'spa-telemetry/history'",
      "'spa-telemetry/react-router'",
      "'spa-telemetry/collector'",
      "'spa-telemetry/vite'",
    ]) {
      expect(
        blocks.some(code => code.includes(`from ${entry}`)),
        entry,
      ).toBe(true)
    }
    expect(blocks.some(code => code.includes("modules: ['spa-telemetry/nuxt']"))).toBe(true)
  })

  it('every TypeScript block of the README and the guide type-checks', () => {
    const all = [...blocks.map(code => ({ page: 'README.md', code })), ...guide]
    const errors = typeErrors(all.map(({ code }) => toModule(code)))
    // readme-block-N.ts is the Nth block: name its page
    expect(
      errors.map(error =>
        error.replace(/^readme-block-(\d+)\.ts/, (_, n: string) => `${all[Number(n) - 1].page} block ${n}`),
      ),
    ).toEqual([])
  }, 90_000)

  it('a block with a type error is caught (the check can fail)', () => {
    const errors = typeErrors([
      toModule("import { createTracker } from 'spa-telemetry'\ncreateTracker({ endpoint: 42 })"),
    ])
    expect(errors.join('\n')).toMatch(/readme-block-1\.ts:2: Type 'number' is not assignable to type 'string'/)
  }, 60_000)
})
