import { configSchema, type Config } from '../../src/config/schema.js'
import type { Finding } from '../../src/lint/finding.js'
import { lintChange, type TableStats } from '../../src/lint/engine.js'
import type { Rule, RuleCase } from '../../src/lint/rule.js'
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

/** The change a rule case describes: `base` as the one applied migration, `sql` and `more` as new ones. */
export function changeOf(testCase: RuleCase): MigrationChange {
  const base = testCase.base === undefined ? [] : [migration('0000_base', testCase.base, 0)]
  const added = [testCase.sql, ...(testCase.more ?? [])].map((sql, i) => migration(`${String(i + 1).padStart(4, '0')}_change`, sql, base.length + i))
  return { base: set(base), head: set([...base, ...added]), added, edited: [], removed: [], changedSchemaFiles: [], changedFiles: added.map((m) => m.path) }
}

export function configOf(testCase: RuleCase, enabled: readonly Rule[]): Config {
  const rules = Object.fromEntries(enabled.map((r) => [r.meta.id, { severity: r.meta.severity === 'off' ? 'warning' : r.meta.severity, options: testCase.options ?? {} }]))
  return configSchema.parse(mergeDeep({ postgres: { version: testCase.pgVersion ?? 16 }, rules }, testCase.config ?? {}))
}

/** Lints one rule case with exactly the given rules enabled (default severity, `off` rules switched on). */
export function lintCase(testCase: RuleCase, enabled: readonly Rule[], allRules: readonly Rule[], tableStats?: TableStats): Finding[] {
  const change = changeOf(testCase)
  const config = configOf(testCase, enabled)
  const off = Object.fromEntries(allRules.filter((r) => !enabled.includes(r)).map((r) => [r.meta.id, 'off' as const]))
  return lintChange({ change, config: { ...config, rules: { ...off, ...config.rules } }, transactionMode: testCase.transaction ?? 'all-pending', rules: allRules, tableStats })
}

/** Applies every fix's edits to `text` (edits must not overlap). */
export function applyFixes(text: string, findings: Finding[], file: string): string {
  const edits = findings.filter((f) => f.file === file).flatMap((f) => f.fix?.edits ?? []).sort((a, b) => b.start - a.start)
  let out = text
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end)
  return out
}
