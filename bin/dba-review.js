#!/usr/bin/env node
// Kept tiny: everything, including what a command loads lazily, lives in the built dist/.
import { run } from '../dist/src/cli/main.js'

await run()
