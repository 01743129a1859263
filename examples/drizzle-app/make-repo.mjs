// Materialises the example as a git repository: `main` holds base/, branch `feature` adds change/ on top.
// Plain Node (no dependencies) so `npm run example` can use it before anything is installed or built.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

/** Creates the repository in a new temporary directory and returns its path. */
export function makeExampleRepo(dir = mkdtempSync(path.join(tmpdir(), 'dba-review-example-'))) {
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' })
  const env = ['-c', 'user.name=Example Developer', '-c', 'user.email=dev@example.com', '-c', 'commit.gpgsign=false']
  git('init', '-q', '-b', 'main')
  cpSync(path.join(here, 'base'), dir, { recursive: true })
  git('add', '-A')
  git(...env, 'commit', '-q', '-m', 'Initial schema: users, orders, products')
  git('checkout', '-q', '-b', 'feature')
  cpSync(path.join(here, 'change'), dir, { recursive: true })
  git('add', '-A')
  git(...env, 'commit', '-q', '-m', 'Add order status and product reference')
  return dir
}
