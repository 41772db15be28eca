// Sizes (min+gz, from size-limit: production builds beside development
// builds) against the targets of the package, and as ratios against nanoid,
// the one dependency the core ships, measured in the same run. size-limit's
// own limits in package.json are regression guards at the measured sizes;
// the targets are what the sizes should be. Exits non-zero when one is
// missed. Run after `npm run build`: node bench/size.mjs
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'

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
  output = execFileSync(process.execPath, ['node_modules/size-limit/bin.js', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
} catch (error) {
  // size-limit exits non-zero when a guard is exceeded: its JSON is still there
  output = error.stdout
}
const entries = JSON.parse(output.slice(output.indexOf('[')))
const nanoid = entries.find(e => e.name.startsWith('baseline: nanoid')).size
const rows = Object.fromEntries(
  entries.map(e => {
    const target = Object.entries(TARGETS).find(([prefix]) => e.name.startsWith(prefix))?.[1]
    return [e.name, { bytes: e.size, 'vs nanoid': Math.round((e.size / nanoid) * 10) / 10, target: target ?? '', 'meets target': target === undefined ? '' : e.size <= target, guard: e.passed }]
  }),
)
console.log('\nsizes, min+gz bytes (size-limit), against the targets and against nanoid measured in the same run')
console.table(rows)
const missed = Object.entries(rows).filter(([, row]) => row['meets target'] === false || !row.guard)
for (const [name, row] of missed) console.log(`MISS  ${name}: ${row.bytes} B${row.target ? ` (target ${row.target} B)` : ' (over its guard)'}`)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/size.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), sizes: rows }, null, 2) + '\n')
process.exitCode = missed.length ? 1 : 0
