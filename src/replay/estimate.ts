import type { TableStats } from '../lint/engine.js'
import type { DataReport, EffectReport, EstimatesReport, StatementReport } from './report.js'
import type { RunResult } from './run.js'

/** One run of the change on tables seeded at one size. */
export interface Measurement {
  run: RunResult
  data: DataReport
}

const EFFECT_ORDER: Array<EffectReport['kind']> = ['rewrite', 'index-build', 'scan']

/** The pre-existing table whose size drives a statement's time: the one it rewrites, indexes or scans. */
function drivingRelation(statement: StatementReport): string | undefined {
  const effects = statement.effects.filter((e) => e.relationKind === 'table' || e.relationKind === 'partitioned table' || e.relationKind === 'materialized view')
  return [...effects].sort((a, b) => EFFECT_ORDER.indexOf(a.kind) - EFFECT_ORDER.indexOf(b.kind))[0]?.relation
}

function rowsOf(data: DataReport, relation: string): number {
  return data.tables.find((t) => t.relation === relation)?.rows ?? 0
}

/**
 * Extrapolates each statement to production size from two seeded runs (reference.md §2: catalog-only
 * statements stay flat, rewrites and scans grow about linearly). A statement that rewrites, indexes or
 * scans a table with a known production count is fitted as a line through the two measurements (a
 * non-positive slope, i.e. noise, counts as flat); everything else stays at its larger measurement.
 * A dangerous lock is held from its statement to the end of its transaction, so its estimate is the
 * sum of those statements' estimates.
 */
export function buildEstimates(measurements: Measurement[], sizes: [number, number], stats: TableStats): EstimatesReport {
  const [small, large] = measurements as [Measurement, Measurement]
  const report: EstimatesReport = { estimated: true, sizes, productionRows: Object.fromEntries(stats), statements: [], locks: [], estimatedTotalMs: 0 }
  const estimateOf = new Map<StatementReport, number>()
  for (const migration of large.run.migrations) {
    if (migration.status === 'not-pending') continue
    const before = small.run.migrations.find((m) => m.id === migration.id)
    for (const statement of migration.statements) {
      if (statement.ms === undefined) continue
      const measuredSmall = before?.statements[statement.index]?.ms ?? statement.ms
      const relation = drivingRelation(statement)
      const production = relation ? stats.get(relation) : undefined
      const entry: EstimatesReport['statements'][number] = {
        migration: migration.id,
        statement: statement.index,
        measured: [
          { rows: relation ? rowsOf(small.data, relation) : 0, ms: measuredSmall },
          { rows: relation ? rowsOf(large.data, relation) : 0, ms: statement.ms },
        ],
        model: 'flat',
        estimatedMs: Math.max(measuredSmall, statement.ms),
      }
      if (relation && production !== undefined) {
        entry.relation = relation
        entry.rows = production
        const [a, b] = entry.measured as [{ rows: number; ms: number }, { rows: number; ms: number }]
        const slope = b.rows > a.rows ? (b.ms - a.ms) / (b.rows - a.rows) : 0
        if (slope > 0) {
          entry.model = 'linear'
          entry.estimatedMs = b.ms + slope * Math.max(0, production - b.rows)
        }
      }
      estimateOf.set(statement, entry.estimatedMs)
      report.statements.push(entry)
    }
  }
  const statements = large.run.migrations.flatMap((m) => (m.status === 'not-pending' ? [] : m.statements.map((s) => ({ migration: m.id, statement: s }))))
  statements.forEach(({ migration, statement }, i) => {
    for (const lock of statement.locks) {
      if (!lock.dangerous || !(lock.relationKind === 'table' || lock.relationKind === 'partitioned table')) continue
      const held = statements
        .slice(i)
        .filter(({ statement: s }) => s.transaction === statement.transaction)
        .reduce((sum, { statement: s }) => sum + (estimateOf.get(s) ?? 0), 0)
      report.locks.push({ relation: lock.relation, mode: lock.mode, migration, statement: statement.index, estimatedHeldMs: held })
    }
  })
  report.estimatedTotalMs = [...estimateOf.values()].reduce((sum, ms) => sum + ms, 0)
  return report
}
