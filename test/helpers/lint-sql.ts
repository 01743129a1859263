import { configSchema, type Config } from '../../src/config/schema.js'
import type { Finding } from '../../src/lint/finding.js'
import { lintChange, type TableStats } from '../../src/lint/engine.js'
import type { FileTree, FilesRuleCase, Rule, RuleCase, SqlRuleCase } from '../../src/lint/rule.js'
import { compareMigrationSets, findChangedFiles, transactionModeFor, watchedDirs } from '../../src/migrations/compare-migrations.js'
import type { FileSource } from '../../src/migrations/file-source.js'
import { findMigrationSet } from '../../src/migrations/find-migration-set.js'
import type { Migration, MigrationChange, MigrationSet } from '../../src/migrations/types.js'

function migration(id: string, text: string, order: number): Migration {
  return { id, path: `drizzle/${id}.sql`, text, hash: id, order, breakpoints: true }
}

function set(migrations: Migration[]): MigrationSet {
  return { layout: 'drizzle', dir: 'drizzle', migrations, ignoredFiles: [], snapshots: [], problems: [] }
}

function mergeDeep(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target }
  for (const [k, v] of Object.entries(patch)) {
    const prev = out[k]
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>) : v
  }
  return out
}

/** A repository version held in memory: the real migration-set readers run on it as on a working tree. */
class TreeSource implements FileSource {
  readonly label = 'test tree'
  constructor(private readonly files: FileTree) {}

  async list(dir: string): Promise<string[]> {
    return Object.keys(this.files).filter((path) => dir === '' || path.startsWith(`${dir}/`)).sort()
  }

  async read(path: string): Promise<Buffer | null> {
    const content = this.files[path]
    return content === undefined ? null : Buffer.from(content)
  }
}

/** A files case's change, read and compared the way `reviewChange` does. */
async function changeOfFiles(testCase: FilesRuleCase, config: Config): Promise<MigrationChange> {
  const head = new TreeSource(testCase.files.head)
  const base = testCase.files.base ? new TreeSource(testCase.files.base) : null
  const [baseSet, headSet, changedFiles] = await Promise.all([
    base ? findMigrationSet(base, config) : null,
    findMigrationSet(head, config),
    findChangedFiles(base ?? new TreeSource({}), head, watchedDirs(config)),
  ])
  return compareMigrationSets(baseSet, headSet, changedFiles, config)
}

/** The change a SQL case describes: `base` as the one applied migration, `sql` and `more` as new ones. */
export function changeOf(testCase: SqlRuleCase): MigrationChange {
  const base = testCase.base === undefined ? [] : [migration('0000_base', testCase.base, 0)]
  const added = [testCase.sql, ...(testCase.more ?? [])].map((sql, i) => migration(`${String(i + 1).padStart(4, '0')}_change`, sql, base.length + i))
  return { base: set(base), head: set([...base, ...added]), added, edited: [], removed: [], changedSchemaFiles: [], changedFiles: added.map((m) => m.path) }
}

export function configOf(testCase: RuleCase, enabled: readonly Rule[]): Config {
  const rules = Object.fromEntries(enabled.map((r) => [r.meta.id, { severity: r.meta.severity === 'off' ? 'warning' : r.meta.severity, options: testCase.options ?? {} }]))
  return configSchema.parse(mergeDeep({ postgres: { version: testCase.pgVersion ?? 16 }, rules }, testCase.config ?? {}))
}

function lintWith(change: MigrationChange, config: Config, testCase: RuleCase, enabled: readonly Rule[], allRules: readonly Rule[], tableStats?: TableStats): Finding[] {
  const off = Object.fromEntries(allRules.filter((r) => !enabled.includes(r)).map((r) => [r.meta.id, 'off' as const]))
  const transactionMode = testCase.transaction ?? transactionModeFor(change.head, config)
  return lintChange({ change, config: { ...config, rules: { ...off, ...config.rules } }, transactionMode, rules: allRules, tableStats })
}

/** Lints one SQL case with exactly the given rules enabled (default severity, `off` rules switched on). */
export function lintCase(testCase: SqlRuleCase, enabled: readonly Rule[], allRules: readonly Rule[], tableStats?: TableStats): Finding[] {
  return lintWith(changeOf(testCase), configOf(testCase, enabled), testCase, enabled, allRules, tableStats)
}

/** Lints any rule case (SQL or files) like `lintCase`, and returns the change it built. */
export async function lintRuleCase(testCase: RuleCase, enabled: readonly Rule[], allRules: readonly Rule[]): Promise<{ change: MigrationChange; findings: Finding[] }> {
  const config = configOf(testCase, enabled)
  const change = 'files' in testCase ? await changeOfFiles(testCase, config) : changeOf(testCase)
  const tableStats = testCase.tableStats ? new Map(Object.entries(testCase.tableStats)) : undefined
  return { change, findings: lintWith(change, config, testCase, enabled, allRules, tableStats) }
}

/** Applies every fix's edits to `text` (edits must not overlap). */
export function applyFixes(text: string, findings: Finding[], file: string): string {
  const edits = findings.filter((f) => f.file === file).flatMap((f) => f.fix?.edits ?? []).sort((a, b) => b.start - a.start)
  let out = text
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end)
  return out
}
