import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { allRules } from '../rules/index.js'
import { configSchema } from '../src/config/schema.js'
import { lintChange } from '../src/lint/engine.js'
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
})
