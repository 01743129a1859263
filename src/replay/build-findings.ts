import type { Config } from '../config/schema.js'
import type { Migration } from '../migrations/types.js'
import type { ParsedMigration } from '../sql/parse.js'
import { LineIndex, type SourceRange } from '../sql/source.js'
import type { CatalogSchema } from './catalog.js'
import { compareWithSnapshot } from './drift.js'
import { type FindingSink, renderReplayMessage } from './findings.js'
import type { LockMode, LockQueueReport, LockReport, ReplayReport, TrafficReport } from './report.js'
import type { RunResult, RunStop } from './run.js'
import { strongest } from './trace.js'

/** Where findings about a whole file point. */
export const FILE_START: SourceRange = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } }

/** Drift findings beyond this many are summarised in one (the report lists them all). */
const MAX_DRIFT_FINDINGS = 20

/** The newest Drizzle snapshot of the head: its text (for positions) and parsed JSON. */
export interface Snapshot {
  path: string
  text: string
  json: unknown
}

/** Where a statement-level finding points: the refused node when there is one, else the statement. */
function statementPlace(parsed: ParsedMigration, index: number, location?: number): { file: string; range: SourceRange; migration: string } {
  const statement = parsed.statements[index]
  const place = { file: parsed.migration.path, migration: parsed.migration.id }
  if (!statement) return { ...place, range: FILE_START }
  if (location === undefined) return { ...place, range: statement.range }
  return { ...place, range: parsed.lines.rangeOf(parsed.fileOffset(statement, location), statement.range.end.offset) }
}

/** The statement that stopped the run: refused by the sandbox, or rejected by PostgreSQL (on `dataTable`'s rows only, when given). */
export function stopFindings(report: ReplayReport, sink: FindingSink, stop: RunStop, parsed: ParsedMigration[], config: Config, dataTable: string | undefined): void {
  const migration = parsed[stop.migration] as ParsedMigration
  const statement = report.migrations.find((m) => m.id === migration.migration.id)?.statements[stop.statement]
  if (stop.refusal) {
    report.status = 'refused'
    const data = { ...stop.refusal.data }
    if (stop.refusal.messageId === 'temp-file-limit') data.limit = config.replay.tempFileLimitKb
    sink.add('sandbox-violation', stop.refusal.messageId, data, statementPlace(migration, stop.statement, stop.refusal.location))
    if (statement?.error) statement.error.message = renderReplayMessage('sandbox-violation', stop.refusal.messageId, data)
    return
  }
  if (!stop.error) return
  report.status = 'failed'
  const place = statementPlace(migration, stop.statement)
  if (stop.error.position) place.range = { start: stop.error.position, end: stop.error.position }
  if (dataTable !== undefined) {
    stop.error.class = 'data'
    const rows = report.data?.tables.find((t) => t.relation === dataTable)?.rows ?? 0
    sink.add('data-dependent-failure', 'failure', { message: stop.error.message, sqlstate: stop.error.sqlstate, table: dataTable, rows }, place)
    return
  }
  const messageId = statement?.executedBy === 'engine' ? 'extension' : 'statement'
  const extension = migration.statements[stop.statement]?.node?.extname ?? ''
  sink.add('replay-error', messageId, { message: stop.error.message, sqlstate: stop.error.sqlstate, version: report.server.version, extension }, place)
}

/** The lock-queue experiment: readers queued longer than the threshold behind the statement. */
export function lockQueueFindings(sink: FindingSink, queue: LockQueueReport, parsed: ParsedMigration[], config: Config): void {
  const p = parsed.find((m) => m.migration.id === queue.migration)
  if (!p || queue.withoutLockTimeout.readersQueuedMs <= config.replay.blockedTrafficMs) return
  sink.add(
    'blocked-traffic',
    'queue',
    {
      relation: queue.relation,
      ms: Math.round(queue.withoutLockTimeout.readersQueuedMs),
      lockTimeout: `${queue.withLockTimeout.lockTimeoutMs}ms`,
      withTimeout: `${queue.withLockTimeout.outcome}, readers queued ${Math.round(queue.withLockTimeout.readersQueuedMs)} ms`,
    },
    statementPlace(p, queue.statement),
  )
}

function isTable(lock: Pick<LockReport, 'relationKind'>): boolean {
  return lock.relationKind === 'table' || lock.relationKind === 'partitioned table' || lock.relationKind === 'materialized view'
}

function lockKey(lock: { migration: string; statement: number; relation: string }): string {
  return `${lock.migration}\u0000${lock.statement}\u0000${lock.relation}`
}

/** One entry per relation and statement: a statement taking SHARE and ACCESS EXCLUSIVE on a table is reported once, at the stronger. */
function strongestPerStatement<T extends { migration: string; statement: number; relation: string; mode: LockMode; ms: number }>(locks: T[]): T[] {
  const best = new Map<string, T>()
  for (const lock of locks) {
    const key = lockKey(lock)
    const current = best.get(key)
    if (!current || strongest([current.mode, lock.mode]) === lock.mode) best.set(key, { ...lock, ms: Math.max(lock.ms, current?.ms ?? 0) })
  }
  return [...best.values()]
}

/** Findings from what the change measurably did: rewrites, long dangerous locks, total time. */
export function measuredFindings(report: ReplayReport, sink: FindingSink, parsed: ParsedMigration[], config: Config): void {
  const byId = new Map(parsed.map((p) => [p.migration.id, p]))
  for (const migration of report.migrations) {
    const p = byId.get(migration.id) as ParsedMigration
    for (const statement of migration.statements) {
      for (const effect of statement.effects) {
        if (effect.kind !== 'rewrite' || !isTable(effect)) continue
        const start = statement.startAtMs ?? 0
        const held = report.locks.filter((l) => l.relation === effect.relation && l.acquiredAtMs <= start && l.releasedAtMs >= start)
        const mode = strongest(held.map((l) => l.mode)) ?? 'ACCESS EXCLUSIVE'
        const rows = report.data?.tables.find((t) => t.relation === effect.relation)?.rows ?? 0
        sink.add('table-rewrite', 'rewrite', { relation: effect.relation, reason: effect.reasons.join(', ') || statement.kind || 'statement', mode, ms: Math.round(statement.ms ?? 0), rows }, statementPlace(p, statement.index))
      }
    }
  }
  for (const lock of strongestPerStatement(report.locks.filter((l) => l.dangerous && isTable(l)).map((l) => ({ ...l, ms: l.heldMs })))) {
    if (lock.ms <= config.replay.dangerousLockMs) continue
    const p = byId.get(lock.migration)
    if (p) sink.add('dangerous-lock', 'held', { mode: lock.mode, relation: lock.relation, ms: Math.round(lock.ms), basis: 'measured', limit: config.replay.dangerousLockMs }, statementPlace(p, lock.statement))
  }
  const first = report.migrations.find((m) => m.status !== 'not-pending')
  if (first && report.totals.ms > config.replay.slowMigrationMs) {
    const p = byId.get(first.id) as ParsedMigration
    sink.add('slow-migration', 'slow', { ms: Math.round(report.totals.ms), basis: 'measured', limit: config.replay.slowMigrationMs }, { file: p.migration.path, range: FILE_START, migration: p.migration.id })
  }
}

/** A probe stream blocked longer than the threshold: anchored at the first statement whose lock blocks that kind of query. */
export function trafficFindings(report: ReplayReport, sink: FindingSink, traffic: TrafficReport, parsed: ParsedMigration[], config: Config): void {
  for (const table of traffic.tables) {
    for (const [operation, stats, blocks] of [
      ['reads', table.reads, (l: LockReport) => l.mode === 'ACCESS EXCLUSIVE'],
      ['writes', table.writes, (l: LockReport) => l.dangerous],
    ] as const) {
      if (stats.maxBlockedMs <= config.replay.blockedTrafficMs) continue
      const lock = report.locks.find((l) => l.relation === table.relation && blocks(l))
      const p = parsed.find((m) => m.migration.id === lock?.migration) ?? (parsed[0] as ParsedMigration)
      sink.add(
        'blocked-traffic',
        'probe',
        { operation, relation: table.relation, maxMs: Math.round(stats.maxBlockedMs), totalMs: Math.round(stats.totalBlockedMs) },
        lock ? statementPlace(p, lock.statement) : { file: p.migration.path, range: FILE_START, migration: p.migration.id },
      )
    }
  }
}

/** Anchors each unindexed foreign key at the statement that names it (or its table). */
export function foreignKeyFindings(report: ReplayReport, sink: FindingSink, parsed: ParsedMigration[]): void {
  for (const fk of report.unindexedForeignKeys) {
    const name = fk.table.split('.').pop() as string
    const place =
      parsed.flatMap((p) => p.statements.filter((s) => s.text.includes(fk.constraint)).map((s) => statementPlace(p, s.index)))[0] ??
      parsed.flatMap((p) => p.statements.filter((s) => s.text.includes(name)).map((s) => statementPlace(p, s.index)))[0]
    if (place) sink.add('fk-without-index', 'missing', { constraint: fk.constraint, table: fk.table, columns: fk.columns.join(', ') }, place)
  }
}

export function driftFindings(report: ReplayReport, sink: FindingSink, catalog: CatalogSchema, snapshot: Snapshot, bookkeeping: string | undefined): void {
  const differences = compareWithSnapshot(catalog, snapshot.json, bookkeeping ? [bookkeeping] : [])
  report.drift = { snapshot: snapshot.path, differences }
  const lines = new LineIndex(snapshot.text)
  const placeOf = (name: string): SourceRange => {
    // Point at the object's key in the snapshot when it is there (tables are keyed `schema.table`).
    const parts = name.split('.')
    for (let n = parts.length; n > 0; n--) {
      const at = snapshot.text.indexOf(`"${parts.slice(0, n).join('.')}"`)
      if (at >= 0) return lines.rangeOf(at, at + parts.slice(0, n).join('.').length + 2)
    }
    return FILE_START
  }
  for (const difference of differences.slice(0, MAX_DRIFT_FINDINGS)) {
    const sides = [difference.snapshot && `snapshot: ${difference.snapshot}`, difference.database && `database: ${difference.database}`].filter(Boolean).join('; ')
    sink.add('snapshot-drift', 'drift', { snapshot: snapshot.path, difference: `${difference.object} ${difference.name} is ${difference.kind}${sides ? ` (${sides})` : ''}` }, { file: snapshot.path, range: placeOf(difference.name) })
  }
  if (differences.length > MAX_DRIFT_FINDINGS) {
    sink.add('snapshot-drift', 'drift', { snapshot: snapshot.path, difference: `${differences.length - MAX_DRIFT_FINDINGS} more differences (see the report)` }, { file: snapshot.path, range: FILE_START })
  }
}

export function estimateFindings(report: ReplayReport, sink: FindingSink, parsed: ParsedMigration[], config: Config): void {
  const estimates = report.estimates
  if (!estimates) return
  const basis = `estimated for production sizes from runs at ${estimates.sizes.join(' and ')} rows`
  const measured = new Set(strongestPerStatement(report.locks.filter((l) => l.dangerous && isTable(l)).map((l) => ({ ...l, ms: l.heldMs }))).filter((l) => l.ms > config.replay.dangerousLockMs).map(lockKey))
  for (const lock of strongestPerStatement(estimates.locks.map((l) => ({ ...l, ms: l.estimatedHeldMs })))) {
    if (lock.ms <= config.replay.dangerousLockMs || measured.has(lockKey(lock))) continue
    const p = parsed.find((m) => m.migration.id === lock.migration)
    if (p) sink.add('dangerous-lock', 'held', { mode: lock.mode, relation: lock.relation, ms: Math.round(lock.ms), basis, limit: config.replay.dangerousLockMs }, statementPlace(p, lock.statement))
  }
  const first = report.migrations.find((m) => m.status !== 'not-pending')
  if (first && estimates.estimatedTotalMs > config.replay.slowMigrationMs && !report.findings.some((f) => f.ruleId === 'slow-migration')) {
    const p = parsed.find((m) => m.migration.id === first.id) as ParsedMigration
    sink.add('slow-migration', 'slow', { ms: Math.round(estimates.estimatedTotalMs), basis, limit: config.replay.slowMigrationMs }, { file: p.migration.path, range: FILE_START, migration: p.migration.id })
  }
}

/** The base itself does not apply: nothing of the change can be measured. */
export function baseFailure(report: ReplayReport, sink: FindingSink, run: RunResult, migrations: Migration[]): void {
  report.status = 'error'
  const stop = run.stop as RunStop
  const migration = migrations[stop.migration] as Migration
  const statement = run.migrations[stop.migration]?.statements[stop.statement]
  const message = stop.refusal ? renderReplayMessage('sandbox-violation', stop.refusal.messageId, stop.refusal.data) : (stop.error?.message ?? '')
  report.error = `The base migration ${migration.path} does not apply: ${message}`
  sink.add(
    'replay-error',
    'base',
    { migration: migration.path, message, sqlstate: stop.error?.sqlstate || '-' },
    { file: migration.path, range: statement?.range ?? FILE_START, migration: migration.id },
  )
}
