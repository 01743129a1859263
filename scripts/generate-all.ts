/**
 * `npm run generate [-- --check]`: every generator in order, each in its own process so that later ones
 * import what earlier ones wrote (the docs read the regenerated rule index). `--check` is passed on:
 * nothing is written and the exit code is 1 when any generated file is out of date.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const GENERATORS = ['generate-rule-index.ts', 'generate-docs.ts', 'generate-config-schema.ts']

const dir = path.dirname(fileURLToPath(import.meta.url))
for (const script of GENERATORS) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, script), ...process.argv.slice(2)], { stdio: 'inherit' })
  if (result.status !== 0) process.exitCode = 1
}
