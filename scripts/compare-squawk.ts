/**
 * Where dba-review and squawk disagree on a migration history, for the rules both have.
 *
 *   npm run compare:squawk -- <migrations dir>… [--details out.json]
 *
 * Both tools review each migration as deployed on its own inside a transaction (squawk:
 * --assume-in-transaction; dba-review: no base, drizzle's transaction), at PostgreSQL 16, every rule on.
 * Findings are matched by file, line and rule; squawk's positions are 0-based.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { allRules } from '../rules/index.js'
import { configSchema } from '../src/config/schema.js'
import { lintChange } from '../src/lint/engine.js'
import { compareMigrationSets, transactionModeFor } from '../src/migrations/compare-migrations.js'
import { findMigrationSet } from '../src/migrations/find-migration-set.js'
import { FsSource } from '../src/migrations/fs-source.js'
import { loadParser } from '../src/sql/parse.js'

interface SquawkFinding {
  file: string
  line: number
  rule_name: string
  message: string
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { details: { type: 'string' } } })
if (!positionals.length) {
  console.error('usage: compare-squawk <migrations dir>… [--details out.json]')
  process.exit(2)
}

const squawkNames = new Map<string, string[]>()
for (const rule of allRules) {
  const names = (rule.meta.aliases ?? []).filter((a) => a.startsWith('squawk:')).map((a) => a.slice('squawk:'.length))
  if (names.length) squawkNames.set(rule.meta.id, names)
}
const shared = new Set([...squawkNames.values()].flat())

await loadParser()
const details: Array<{ rule: string; only: 'dba-review' | 'squawk'; file: string; line: number; message: string }> = []
const totals = new Map<string, { both: number; dbaReview: number; squawk: number }>()
const tally = (rule: string) => totals.get(rule) ?? (totals.set(rule, { both: 0, dbaReview: 0, squawk: 0 }).get(rule) as { both: number; dbaReview: number; squawk: number })

for (const dir of positionals) {
  const config = configSchema.parse({ migrations: { dir: '' }, rules: Object.fromEntries(allRules.map((r) => [r.meta.id, r.meta.severity === 'off' ? 'notice' : r.meta.severity])) })
  const set = await findMigrationSet(new FsSource(dir), config)
  const findings = lintChange({ change: compareMigrationSets(null, set, [], config), config, transactionMode: transactionModeFor(set, config), rules: allRules })
  // squawk reports a rule at most once per line; so do we here.
  const ours = [
    ...new Map(
      findings.flatMap((f) => {
        const names = squawkNames.get(f.ruleId)
        return names ? [[`${f.ruleId}\0${f.file}\0${f.range.start.line}`, { names, file: f.file, line: f.range.start.line, message: f.message }] as const] : []
      }),
    ).values(),
  ]
  const files = set.migrations.map((m) => path.join(dir, m.path))
  let output = '[]'
  try {
    output = execFileSync(path.resolve('node_modules/.bin/squawk'), ['--reporter', 'json', '--pg-version', '16', '--assume-in-transaction', ...files], { encoding: 'utf8', maxBuffer: 1 << 28 })
  } catch (error) {
    // squawk exits 1 when it finds something; its report is still on stdout.
    output = (error as { stdout?: string }).stdout ?? '[]'
  }
  const theirs = new Map<string, string>()
  for (const f of JSON.parse(output) as SquawkFinding[]) {
    if (!shared.has(f.rule_name)) continue
    theirs.set(`${f.rule_name}\0${path.relative(dir, f.file)}\0${f.line + 1}`, f.message)
  }
  const matched = new Set<string>()
  for (const finding of ours) {
    const keys = finding.names.map((name) => `${name}\0${finding.file}\0${finding.line}`)
    const hit = keys.find((k) => theirs.has(k))
    const rule = hit ? (hit.split('\0')[0] as string) : finding.names.join('|')
    if (hit) {
      matched.add(hit)
      tally(rule).both++
    } else {
      tally(rule).dbaReview++
      details.push({ rule, only: 'dba-review', file: path.join(dir, finding.file), line: finding.line, message: finding.message })
    }
  }
  for (const [key, message] of theirs) {
    if (matched.has(key)) continue
    const [rule, file, line] = key.split('\0') as [string, string, string]
    tally(rule).squawk++
    details.push({ rule, only: 'squawk', file: path.join(dir, file), line: Number(line), message })
  }
}

console.log('rule (squawk name)                         both  only dba-review  only squawk')
for (const [rule, t] of [...totals].sort()) console.log(`${rule.padEnd(42)} ${String(t.both).padStart(5)} ${String(t.dbaReview).padStart(16)} ${String(t.squawk).padStart(12)}`)
if (values.details) {
  writeFileSync(values.details, `${JSON.stringify(details, null, 2)}\n`)
  console.log(`\n${details.length} disagreements written to ${values.details}`)
}
