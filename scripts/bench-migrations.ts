/**
 * Times reading the real corpus histories (`npm run bench:migrations`): the raw file reads alone, then
 * findMigrationSet over the working tree and over a git commit of the same files.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configSchema } from '../src/config/schema.js'
import { FsSource } from '../src/migrations/fs-source.js'
import { findMigrationSet } from '../src/migrations/find-migration-set.js'
import { openGitSource } from '../src/migrations/git-source.js'

const CORPUS = process.env.DBA_REVIEW_CORPUS ?? '/work/shared/corpus'
const RUNS = 30
const config = configSchema.parse({ migrations: { dir: '' } })

async function measure(run: () => unknown): Promise<string> {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    await run()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return `min ${times[0]!.toFixed(1)} ms, median ${times[RUNS >> 1]!.toFixed(1)} ms`
}

for (const name of ['simstudioai__sim', 'Dokploy__dokploy']) {
  const folder = join(CORPUS, name)
  const source = new FsSource(folder)
  const files = await source.list('')
  const repo = mkdtempSync(join(tmpdir(), 'dba-review-bench-'))
  try {
    cpSync(folder, repo, { recursive: true })
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo })
    git('init', '-q')
    git('add', '.')
    git('commit', '-q', '-m', 'corpus')
    // Packed, as in a clone; loose objects make git itself twice as slow.
    git('gc', '-q')
    const gitSource = await openGitSource(repo, 'HEAD')
    const set = await findMigrationSet(source, config)
    console.log(`${name}: ${files.length} files, ${set.migrations.length} migrations`)
    console.log(`  readFileSync of every file   ${await measure(() => files.map((file) => readFileSync(join(folder, file))))}`)
    console.log(`  findMigrationSet (fs)        ${await measure(() => findMigrationSet(source, config))}`)
    console.log(`  findMigrationSet (git)       ${await measure(() => findMigrationSet(gitSource, config))}`)
    gitSource.close()
  } finally {
    rmSync(repo, { recursive: true, force: true })
  }
}
