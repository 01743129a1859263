// `npm run example`: installs and builds when needed, then reviews the bundled example pull request
// (examples/drizzle-app) exactly as CI would: `dba-review review --base main` on a git repository.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeExampleRepo } from '../examples/drizzle-app/make-repo.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const npm = (...args) => {
  try {
    execFileSync('npm', args, { cwd: root, stdio: 'inherit' })
  } catch {
    // npm has already printed what went wrong.
    console.error(`example: \`npm ${args.join(' ')}\` failed`)
    process.exit(2)
  }
}

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) npm('ci', '--no-audit', '--no-fund')
npm('run', '--silent', 'build')

const repo = makeExampleRepo()
try {
  console.log(`Example repository: ${repo} (branch feature, base main)\n`)
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'dba-review.cjs'), 'review', '--repo', repo, '--base', 'main'], { stdio: 'inherit' })
  const code = result.status ?? 2
  // Exit 1 means "error findings": the expected verdict for this change, so the example itself succeeded.
  if (code === 1) console.log('\ndba-review exited with 1: the change has error findings, as this example intends.')
  process.exitCode = code === 1 ? 0 : code
} finally {
  rmSync(repo, { recursive: true, force: true })
}
