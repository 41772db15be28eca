// Sizes (min+gz, from size-limit: production builds beside development
// builds) against the targets of the package, and as ratios against nanoid,
// the one dependency the core ships, measured in the same run. size-limit's
// own limits in package.json are regression guards at the measured sizes;
// the targets are what the sizes should be. Exits non-zero when one is
// missed. Run after `npm run build`: node bench/size.mjs (with --guards: only
// the guards, as npm test runs them)
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'

/** Targets in bytes, by the start of the size-limit entry's name. */
const TARGETS = {
  'core: createTracker': 5000,
  'spa-telemetry/vue over the core (production)': 800,
  'spa-telemetry/redux over the core (production)': 400,
  'spa-telemetry/history over the core (production)': 400,
  'spa-telemetry/react-router over the core: both (production)': 500,
}

let output
try {
  output = execFileSync(process.execPath, ['node_modules/size-limit/bin.js', '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
} catch (error) {
  // size-limit exits non-zero when a guard is exceeded: its JSON is still there
  output = error.stdout
}
const entries = JSON.parse(output.slice(output.indexOf('[')))

// npm run size (in npm test): the guards only. Each budget holds its entry, and
// is at most 3% above it: the docs show the budgets as the sizes (test/node/figures.test.ts)
if (process.argv.includes('--guards')) {
  const budgets = Object.fromEntries(
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))['size-limit'].map(e => [
      e.name,
      e.limit,
    ]),
  )
  const bytes = limit => Math.round(Number(limit.replace(/ KB$/, '')) * 1000)
  const wrong = entries.flatMap(e => {
    // (a baseline is a measuring stick, not a budget of ours)
    if (e.name.startsWith('baseline:')) return []
    const budget = bytes(budgets[e.name])
    if (e.size > budget) return [`${e.name}: ${e.size} B, over its budget of ${budget} B`]
    if (e.size < budget * 0.97)
      return [
        `${e.name}: ${e.size} B, more than 3% under its budget of ${budget} B: lower the budget (and the docs with it)`,
      ]
    return []
  })
  for (const line of wrong) console.log(`size-limit: ${line}`)
  if (!wrong.length) console.log(`size-limit: ${entries.length} entries, each within its budget and within 3% of it`)
  process.exit(wrong.length ? 1 : 0)
}
const nanoid = entries.find(e => e.name.startsWith('baseline: nanoid')).size
const rows = Object.fromEntries(
  entries.map(e => {
    const target = Object.entries(TARGETS).find(([prefix]) => e.name.startsWith(prefix))?.[1]
    return [
      e.name,
      {
        bytes: e.size,
        'vs nanoid': Math.round((e.size / nanoid) * 10) / 10,
        target: target ?? '',
        'meets target': target === undefined ? '' : e.size <= target,
        guard: e.passed,
      },
    ]
  }),
)
console.log('\nsizes, min+gz bytes (size-limit), against the targets and against nanoid measured in the same run')
console.table(rows)
const missed = Object.entries(rows).filter(([, row]) => row['meets target'] === false || !row.guard)
for (const [name, row] of missed)
  console.log(`MISS  ${name}: ${row.bytes} B${row.target ? ` (target ${row.target} B)` : ' (over its guard)'}`)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(
  new URL('./results/size.json', import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), sizes: rows }, null, 2) + '\n',
)
process.exitCode = missed.length ? 1 : 0
