#!/usr/bin/env node
// `spa-telemetry-collector [flags]`: the alias of `spa-telemetry collect [flags]` (see cli.ts).
import { command } from './process.js'

command('spa-telemetry-collector', process.argv.slice(2))
