import type { Config } from '../config/schema.js'
import type { Finding, Severity } from '../lint/finding.js'
import { compareFindings } from '../lint/finding.js'
import { lintChange, type TableStats } from '../lint/engine.js'
import type { Rule } from '../lint/rule.js'
import { compareMigrationSets, transactionModeFor } from '../migrations/compare-migrations.js'
import type { FileSource } from '../migrations/file-source.js'
import { findMigrationSet } from '../migrations/find-migration-set.js'
import type { MigrationChange } from '../migrations/types.js'
import type { ReplayOptions } from '../replay/replay.js'
import { loadParser } from '../sql/parse.js'
import type { ReplayReport } from '../replay/report.js'
import type { ReviewReport } from './review-report.js'

export interface ReviewChangeOptions {
  /** The version the change applies to (the pull request's base); null reviews every migration of `head` on its own. */
  base: FileSource | null
  head: FileSource
  /** Repository-relative files the change touched, renames under both names: a pull request's files, or a local diff from the merge base. */
  changedFiles: string[]
  config: Config
  tableStats?: TableStats
  rules: readonly Rule[]
  /** Replay the change too (when `config.replay.enabled`); lint-only without. */
  replay?: ReplayOptions
}

function reviewedOf(change: MigrationChange): ReviewReport['reviewed'] {
  if (!change.base) return change.head.migrations.map((m) => ({ id: m.id, path: m.path, status: 'added' as const }))
  return [...change.added.map((m) => ({ m, status: 'added' as const })), ...change.edited.map((e) => ({ m: e.head, status: 'edited' as const }))]
    .sort((a, b) => a.m.order - b.m.order)
    .map(({ m, status }) => ({ id: m.id, path: m.path, status }))
}

/**
 * Replay findings that restate a lint finding are left out of the list (they stay in the replay report):
 * a foreign key without an index is reported by the rule `require-foreign-key-index` with its advice; the
 * catalog's `fk-without-index` adds what lint could not see (keys hidden in PL/pgSQL, or from the base).
 */
function withoutRepeats(replayFindings: readonly Finding[], lintFindings: readonly Finding[]): Finding[] {
  const linted = new Set(lintFindings.filter((f) => f.ruleId === 'require-foreign-key-index').map((f) => `${f.file}:${f.range.start.line}`))
  return replayFindings.filter((f) => f.ruleId !== 'fk-without-index' || !linted.has(`${f.file}:${f.range.start.line}`))
}

/**
 * The one domain entry point for reviewing a change, shared by the CLI and the GitHub App: reads the
 * migration sets of both versions as the runner will apply them, compares them, lints the change and,
 * when asked and enabled, replays it on PostgreSQL; one report with every finding.
 */
export async function reviewChange(options: ReviewChangeOptions): Promise<ReviewReport> {
  const { config } = options
  const [, base, head] = await Promise.all([loadParser(), options.base ? findMigrationSet(options.base, config) : null, findMigrationSet(options.head, config)])
  const change = compareMigrationSets(base, head, options.changedFiles, config)
  const transactionMode = transactionModeFor(head, config)
  const findings = lintChange({ change, config, transactionMode, rules: options.rules, ...(options.tableStats ? { tableStats: options.tableStats } : {}) })
  let replay: ReplayReport | undefined
  if (options.replay && config.replay.enabled) {
    // The replay engine (pg, PostgreSQL binaries) loads only for reviews that replay.
    const { replayChange } = await import('../replay/replay.js')
    replay = await replayChange(change, config, { ...options.replay, transactionMode })
    findings.push(...withoutRepeats(replay.findings, findings))
  }
  findings.sort(compareFindings)
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 }
  for (const finding of findings) counts[finding.severity]++
  return { version: 1, migrationsDir: head.dir, layout: head.layout, transactionMode, reviewed: reviewedOf(change), findings, counts, ...(replay ? { replay } : {}) }
}
