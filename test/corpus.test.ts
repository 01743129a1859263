import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { allRules } from '../rules/index.js'
import { configSchema } from '../src/config/schema.js'
import { lintChange, reviewBatches } from '../src/lint/engine.js'
import { compareFindings } from '../src/lint/finding.js'
import { LintThreads } from '../src/lint/lint-threads.js'
import { compareMigrationSets, transactionModeFor } from '../src/migrations/compare-migrations.js'
import { findMigrationSet } from '../src/migrations/find-migration-set.js'
import { FsSource } from '../src/migrations/fs-source.js'
import { parseMigration } from '../src/sql/parse.js'

/**
 * Robustness on the complete real migration histories in ../shared/corpus (Apache-2.0, used by path, never
 * copied here). DBA_REVIEW_CORPUS points elsewhere. A missing corpus fails loudly rather than skipping.
 */
const corpus = process.env.DBA_REVIEW_CORPUS ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/corpus')

describe.each([
  ['simstudioai__sim', 298, '0091_backfill_user_stats.sql', 1914],
  ['Dokploy__dokploy', 186, '0130_abandoned_dagger.sql', 888],
])('corpus %s', (project, entries, orphan, statements) => {
  const dir = path.join(corpus, project)
  const config = configSchema.parse({ migrations: { dir: '' } })

  it('is present', () => {
    expect(existsSync(dir), `corpus not found at ${dir} (set DBA_REVIEW_CORPUS)`).toBe(true)
  })

  it('parses every statement of every file, applied or not, with PostgreSQL 16\'s grammar', async () => {
    const source = new FsSource(dir)
    const set = await findMigrationSet(source, config)
    expect(set.migrations).toHaveLength(entries)
    expect(set.ignoredFiles).toEqual([orphan])
    const orphans = await Promise.all(set.ignoredFiles.map(async (file) => ({ id: file, path: file, text: String(await source.read(file)), hash: '', order: -1, breakpoints: true })))
    const parsed = [...set.migrations, ...orphans].map(parseMigration)
    const rejected = parsed.flatMap((p) => p.statements.filter((s) => !s.node).map((s) => `${p.migration.path}:${s.range.start.line}: ${s.syntaxError?.message}`))
    expect(rejected).toEqual([])
    expect(parsed.reduce((n, p) => n + p.statements.length, 0)).toBe(statements)
  })

  it('lints the whole history with every rule enabled, each migration as its own deploy', async () => {
    const set = await findMigrationSet(new FsSource(dir), config)
    const everyRule = configSchema.parse({ migrations: { dir: '' }, rules: Object.fromEntries(allRules.map((r) => [r.meta.id, 'notice'])) })
    const change = compareMigrationSets(null, set, [], everyRule)
    const findings = lintChange({ change, config: everyRule, transactionMode: transactionModeFor(set, everyRule), rules: allRules })
    expect(findings.filter((f) => f.ruleId === 'syntax-error')).toEqual([])
    expect(findings.filter((f) => f.ruleId === 'drizzle-journal-orphan-file').map((f) => f.file)).toEqual([orphan])
    for (const finding of findings) {
      expect(finding.range.start.line).toBeGreaterThan(0)
      expect(finding.range.end.offset).toBeGreaterThanOrEqual(finding.range.start.offset)
    }
  })

  it('lints in shards, and on a helper thread, with exactly the findings of one run', async () => {
    const set = await findMigrationSet(new FsSource(dir), config)
    const change = compareMigrationSets(null, set, [], config)
    const options = { change, config, transactionMode: transactionModeFor(set, config), rules: allRules }
    const whole = lintChange(options)
    const batches = reviewBatches(change).length
    const cuts = [0, Math.floor(batches / 3), Math.floor((2 * batches) / 3), batches]
    const sharded = cuts.slice(1).flatMap((to, i) => lintChange({ ...options, shard: { from: cuts[i]!, to } }))
    expect(sharded.sort(compareFindings)).toEqual(whole)

    const threads = new LintThreads(1)
    try {
      expect(await threads.lint(options)).toEqual(whole)
      expect(threads.counts).toEqual({ helperShards: 1, recovered: 0 })
      // A shard the helper cannot take (here: a change that cannot be sent to a thread) is linted here instead.
      const unsendable = { ...options, change: { ...change, head: { ...change.head, migrations: change.head.migrations.map((m) => ({ ...m, toJSON: () => m })) } } }
      expect(await threads.lint(unsendable)).toEqual(whole)
      expect(threads.counts).toEqual({ helperShards: 1, recovered: 1 })
    } finally {
      await threads.close()
    }
  })
})
