// Sizes (min+gz, from size-limit) as ratios against baselines measured in the
// same run: path-to-regexp's `parse` and nanoid, the two dependencies the
// core cannot do without. Run after `npm run build`: node bench/size.mjs
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'

const output = execFileSync(process.execPath, ['node_modules/size-limit/bin.js', '--json'], { encoding: 'utf8' })
const entries = JSON.parse(output.slice(output.indexOf('[')))
const size = prefix => entries.find(e => e.name.startsWith(prefix)).size
const parse = size('baseline: path-to-regexp parse')
const dependencies = parse + size('baseline: nanoid')
const rows = Object.fromEntries(
  entries.map(e => [e.name, { bytes: e.size, 'vs parse': Math.round((e.size / parse) * 100) / 100, 'vs parse + nanoid': Math.round((e.size / dependencies) * 100) / 100, 'within budget': e.passed }]),
)
console.log('\nsizes, min+gz bytes, and ratios against the dependencies measured in the same run')
console.table(rows)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/size.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), sizes: rows }, null, 2) + '\n')
