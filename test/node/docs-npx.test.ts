/**
 * What the guide tells users to run with `npx` (issue 21, our own pass): npx
 * runs a command of a package that is not installed by fetching the package
 * named like the command. `spa-telemetry` is ours; no package is named
 * `spa-telemetry-collector` (404 on the registry), so whoever registers that
 * name runs their code on the machine of a user who copies
 * `npx spa-telemetry-collector` into an empty directory. docs/delivery.md told
 * users to.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const pages = readdirSync('docs').filter(name => name.endsWith('.md'))

describe('the docs', () => {
  it('run every command through npx by the package name only: npx spa-telemetry …, never npx spa-telemetry-collector', () => {
    const lines = pages.flatMap(name =>
      readFileSync(`docs/${name}`, 'utf8')
        .split('\n')
        .map((line, i) => [`docs/${name}:${i + 1}`, line] as const),
    )
    const commands = lines.filter(([, line]) => /\bnpx\s+(?:--yes\s+|-y\s+)?spa-telemetry/.test(line))
    expect(commands.length).toBeGreaterThan(3) // the scan finds the commands the guide gives
    expect(
      commands.filter(([, line]) => !/\bnpx\s+(?:--yes\s+|-y\s+)?spa-telemetry(?:\s|$)/.test(line)).map(([at]) => at),
    ).toEqual([])
  })
})
