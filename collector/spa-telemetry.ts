#!/usr/bin/env node
// The `spa-telemetry` command: `spa-telemetry collect [flags]`, `spa-telemetry --help` (see cli.ts).
import { command } from './process.js'

command('spa-telemetry', process.argv.slice(2))
