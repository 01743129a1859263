#!/usr/bin/env node
// Kept tiny: the CLI is one bundle, compiled with its code cache and V8 flags by dist/src/cli/load-cli.cjs.
const { cli, parser } = require('../dist/src/cli/load-cli.cjs').loadCli()
cli.run({ parser })
