/**
 * `npm run bench:lint -- <corpus path>… [--runs N]`: whole-process wall time of `dba-review lint` (the built
 * CLI, spawned as users run it, default text output) against squawk (`node_modules/.bin/squawk`, its default
 * text output) on the same migrations, in the same run, alternating, N times each. Prints files, statements,
 * wall times, statements per second, the ratio to squawk (target ≤ 1.5×), and the findings per rule on the
 * corpus (from one extra JSON run). Run `npm run build` first.
 */
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, openSync, readdirSync, statSync } from 'node:fs'
import { devNull } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { defaultConfig } from '../src/config/schema.js'
import { findMigrationSet } from '../src/migrations/find-migration-set.js'
import { FsSource } from '../src/migrations/fs-source.js'
import type { ReviewReport } from '../src/review/review-report.js'
import { loadParser, parseMigration } from '../src/sql/parse.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const CLI = path.join(ROOT, 'bin', 'dba-review.cjs')
const SQUAWK = path.join(ROOT, 'node_modules', '.bin', 'squawk')
const TARGET_RATIO = 1.5

const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '5' } }, allowPositionals: true })
const runs = Number(values.runs)
if (!positionals.length || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: npm run bench:lint -- <corpus path>… [--runs N]')
  process.exit(2)
}
if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
  console.error('dist/ is missing: run `npm run build` first (the benchmark times the built CLI).')
  process.exit(2)
}

/** Migration folders: every folder under the given paths that holds .sql files directly. */
function migrationFolders(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true })
  const here = entries.some((e) => e.isFile() && e.name.endsWith('.sql')) ? [dir] : []
  return [...here, ...entries.filter((e) => e.isDirectory() && e.name !== 'meta' && e.name !== 'node_modules').flatMap((e) => migrationFolders(path.join(dir, e.name)))]
}

const folders = positionals.flatMap((p) => {
  const absolute = path.resolve(p)
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    console.error(`${p}: not a folder`)
    process.exit(2)
  }
  return migrationFolders(absolute)
})
const sqlFiles = folders.flatMap((folder) => readdirSync(folder).filter((f) => f.endsWith('.sql')).map((f) => path.join(folder, f)))

// What dba-review reviews: the migrations each folder's runner applies, split into statements.
await loadParser()
let migrations = 0
let statements = 0
for (const folder of folders) {
  const set = await findMigrationSet(new FsSource(path.dirname(folder)), { ...defaultConfig, migrations: { ...defaultConfig.migrations, dir: path.basename(folder) } })
  migrations += set.migrations.length
  for (const migration of set.migrations) statements += parseMigration(migration).statements.length
}

interface Timed {
  ms: number
  stdout: string
  status: number | null
}

/**
 * Runs a command to completion. Timed runs write their report to /dev/null: a pipe's reader would charge each
 * tool for the size of its output (squawk prints 5.3 MB on the corpus, dba-review 2.2 MB), not for its work.
 */
function timed(command: string, args: string[], keepOutput = false): Timed {
  const stdout = keepOutput ? 'pipe' : openSync(devNull, 'w')
  const start = process.hrtime.bigint()
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', stdout, 'pipe'] })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  // dba-review exits 1 and squawk exits 1 when they find something; 2 (or a signal) means the run failed.
  if (result.status === null || result.status > 1) throw new Error(`${command} ${args.slice(0, 2).join(' ')}… failed (${result.status}): ${result.stderr}`)
  if (typeof stdout === 'number') closeSync(stdout)
  return { ms, stdout: result.stdout ?? '', status: result.status }
}

// Start-up alone: what every invocation pays before any migration is read.
const startup = { node: [] as number[], ours: [] as number[], squawk: [] as number[] }
for (let i = 0; i < runs; i++) {
  startup.node.push(timed(process.execPath, ['-e', '0']).ms)
  startup.ours.push(timed(process.execPath, [CLI, '--version']).ms)
  startup.squawk.push(timed(SQUAWK, ['--version']).ms)
}

const ours: number[] = []
const theirs: number[] = []
const lint = () => ours.push(timed(process.execPath, [CLI, 'lint', ...folders]).ms)
const squawk = () => theirs.push(timed(SQUAWK, sqlFiles).ms)
// Alternate which tool goes first, so neither always gets the warmer file cache.
for (let i = 0; i < runs; i++) for (const run of i % 2 === 0 ? [lint, squawk] : [squawk, lint]) run()
const lastReport = timed(process.execPath, [CLI, 'lint', ...folders, '--format', 'json'], true).stdout

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const fmt = (ms: number): string => `${ms.toFixed(0)} ms`
const ourMedian = median(ours)
const theirMedian = median(theirs)
const ratio = ourMedian / theirMedian

console.log(`Corpus: ${folders.length} migration folders, ${sqlFiles.length} .sql files (${migrations} applied by their runners), ${statements} statements`)
console.log(`Start-up (median): node -e 0 ${fmt(median(startup.node))}, dba-review --version ${fmt(median(startup.ours))}, squawk --version ${fmt(median(startup.squawk))}`)
console.log(`dba-review lint (whole process): median ${fmt(ourMedian)}, min ${fmt(Math.min(...ours))}, max ${fmt(Math.max(...ours))} over ${runs} runs`)
console.log(`squawk (whole process):          median ${fmt(theirMedian)}, min ${fmt(Math.min(...theirs))}, max ${fmt(Math.max(...theirs))} over ${runs} runs`)
console.log(`dba-review: ${Math.round(statements / (ourMedian / 1000))} statements/s whole process; squawk: ${Math.round(statements / (theirMedian / 1000))} statements/s`)
console.log(`Ratio dba-review / squawk: ${ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'})`)

const parsed = JSON.parse(lastReport) as ReviewReport | ReviewReport[]
const reports = Array.isArray(parsed) ? parsed : [parsed]
const byRule = new Map<string, { error: number; warning: number; notice: number }>()
for (const finding of reports.flatMap((r) => r.findings)) {
  const counts = byRule.get(finding.ruleId) ?? { error: 0, warning: 0, notice: 0 }
  counts[finding.severity]++
  byRule.set(finding.ruleId, counts)
}
console.log(`\nFindings per rule (${reports.reduce((n, r) => n + r.findings.length, 0)} in all):`)
const width = Math.max(0, ...[...byRule.keys()].map((id) => id.length))
for (const [id, c] of [...byRule].sort((a, b) => b[1].error + b[1].warning + b[1].notice - (a[1].error + a[1].warning + a[1].notice) || a[0].localeCompare(b[0]))) {
  const total = c.error + c.warning + c.notice
  const split = (['error', 'warning', 'notice'] as const).filter((s) => c[s]).map((s) => `${c[s]} ${s}`).join(', ')
  console.log(`  ${id.padEnd(width)}  ${String(total).padStart(5)}  (${split})`)
}
