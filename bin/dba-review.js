#!/usr/bin/env node
// Kept tiny: everything, including what a command loads lazily, lives in the built dist/.
import v8 from 'node:v8'

// A CLI run parses SQL once: V8's optimising WebAssembly tier would compile the parser for longer than the
// whole run takes, so stay on the baseline compiler. Must be set before the parser module is compiled.
v8.setFlagsFromString('--liftoff-only')
// Likewise for JavaScript: with V8's default interrupt budget, optimising compiles of the rules' code take the
// CPU from the run and are ready too late to pay off. Six times the default made a corpus lint about a fifth
// faster, and a run six times as long faster too (figures in DEVELOPERS.md).
v8.setFlagsFromString('--interrupt-budget=400000')
const { run } = await import('../dist/cli/dba-review.js')
await run()
