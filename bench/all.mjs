// npm run bench: every benchmark, each in a process of its own, one after the
// other (they measure time: never two at once). Figures go to bench/results/
// (git-ignored). Exits non-zero if any missed a target, after running all.
// Run after `npm run build`.
import { spawnSync } from 'node:child_process'

const BENCHES = [
  ['bench/anonymize.mjs'],
  ['--expose-gc', 'bench/tracker.mjs'],
  ['bench/tracker-browser.mjs'],
  ['bench/size.mjs'],
  ['bench/collector.mjs'],
  ['bench/dashboard.mjs'],
]
const missed = []
for (const args of BENCHES) {
  const { status } = spawnSync(process.execPath, args, { stdio: 'inherit' })
  if (status !== 0) missed.push(args.at(-1))
}
console.log(missed.length ? `\nmissed a target: ${missed.join(', ')}` : '\nevery target met')
process.exitCode = missed.length ? 1 : 0
