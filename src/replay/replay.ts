import type { Config } from '../config/schema.js'
import { transactionModeFor } from '../migrations/compare-migrations.js'
import type { Migration, MigrationChange, TransactionMode } from '../migrations/types.js'
import { loadParser, type ParsedMigration, parseMigration } from '../sql/parse.js'
import type { SourceRange } from '../sql/source.js'
import { FindingSink } from './findings.js'
import type { ReplayLimits, ReplayReport, StatementReport } from './report.js'
import { type RunResult, type RunStop, runMigrations } from './run.js'
import { backendPid, Sandbox, type SandboxLimits } from './sandbox.js'
import type { ScreenPolicy } from './screen.js'
import type { ReplayServer } from './server.js'
import { startReplayServer } from './start-server.js'
import { ensureTemplate, type Template } from './template.js'
import { captureRelations, strongest, Tracer } from './trace.js'
import { Watchdog } from './watchdog.js'

export interface ReplayOptions {
  /** A running server to replay on (kept running). Without one, the configured backend is started and stopped. */
  server?: ReplayServer
  /** The runner's transaction semantics; default: configured, or what the head layout's runner does. */
  transactionMode?: TransactionMode
  /** Where the embedded backend puts its temporary cluster (default: the OS temp directory). */
  tempDir?: string
}

const FILE_START: SourceRange = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } }

export function limitsOf(config: Config): ReplayLimits & SandboxLimits {
  const { statementTimeoutMs, deadlineMs, tempFileLimitKb, maxDatabaseBytes, maxRows } = config.replay
  return { statementTimeoutMs, deadlineMs, tempFileLimitKb, maxDatabaseBytes, maxRows }
}

export function policyOf(config: Config): ScreenPolicy {
  return {
    extensions: new Set([...config.extensions.approved, ...config.extensions.needsApproval]),
    statementTimeoutMs: config.replay.statementTimeoutMs,
    maxRows: config.replay.maxRows,
  }
}

/** drizzle-orm's bookkeeping table (`migrations.table`), for the layouts whose runner keeps one. */
function drizzleTable(change: MigrationChange, mode: TransactionMode, config: Config): { schema: string; table: string } | undefined {
  if (change.head.layout !== 'drizzle' || mode !== 'all-pending') return undefined
  const [schema, ...rest] = config.migrations.table.split('.')
  return rest.length ? { schema: schema as string, table: rest.join('.') } : { schema: 'drizzle', table: schema as string }
}

/** Where a statement-level finding points: the refused node when there is one, else the statement. */
function statementPlace(parsed: ParsedMigration, index: number, location?: number): { file: string; range: SourceRange; migration: string } {
  const statement = parsed.statements[index]
  const place = { file: parsed.migration.path, migration: parsed.migration.id }
  if (!statement) return { ...place, range: FILE_START }
  if (location === undefined) return { ...place, range: statement.range }
  return { ...place, range: parsed.lines.rangeOf(parsed.fileOffset(statement, location), statement.range.end.offset) }
}

/**
 * Replays a change's migrations on a throw-away PostgreSQL and reports what they did. The base is
 * applied (or cloned from its template), the change runs statement by statement under the runner's
 * semantics in a sandbox, and everything the replay created is removed before this returns, on every
 * path. Call with the change as `compareMigrationSets` builds it.
 */
export async function replayChange(change: MigrationChange, config: Config, options: ReplayOptions = {}): Promise<ReplayReport> {
  const startedAt = new Date()
  const started = performance.now()
  const server = options.server ?? (await startReplayServer(config, { tempDir: options.tempDir }))
  try {
    return await replayOn(server, change, config, options, startedAt, started)
  } finally {
    if (!options.server) await server.stop()
  }
}

async function replayOn(server: ReplayServer, change: MigrationChange, config: Config, options: ReplayOptions, startedAt: Date, started: number): Promise<ReplayReport> {
  const mode = options.transactionMode ?? transactionModeFor(change.head, config)
  const drizzle = drizzleTable(change, mode, config)
  const limits = limitsOf(config)
  const policy = policyOf(config)
  const sink = new FindingSink(config)
  const report: ReplayReport = {
    version: 1,
    startedAt: startedAt.toISOString(),
    status: 'passed',
    server: { backend: server.backend, version: server.version },
    transactionMode: mode,
    limits,
    base: { migrations: change.base?.migrations.length ?? 0, templateKey: '', template: 'reused' },
    migrations: [],
    transactions: [],
    locks: [],
    totals: { ms: 0, statements: 0, executed: 0, rewrites: 0, scans: 0, maxDangerousLockMs: 0 },
    unindexedForeignKeys: [],
    findings: sink.findings,
    timings: { setupMs: 0, changeMs: 0, afterMs: 0, totalMs: 0 },
  }
  const finish = (): ReplayReport => {
    report.findings.sort((a, b) => a.file.localeCompare(b.file) || a.range.start.offset - b.range.start.offset || a.ruleId.localeCompare(b.ruleId))
    report.timings.totalMs = performance.now() - started
    report.timings.afterMs = Math.max(0, report.timings.totalMs - report.timings.setupMs - report.timings.changeMs)
    return report
  }

  await loadParser()
  const templated = await ensureTemplate(server, { migrations: change.base?.migrations ?? [], mode, drizzle, policy, limits })
  if (!templated.ok) {
    report.base.templateKey = templated.key
    baseFailure(report, sink, templated.run, templated.migrations)
    return finish()
  }
  const template: Template = templated.template
  report.base.templateKey = template.key
  report.base.template = template.built ? 'built' : 'reused'
  if (template.buildMs !== undefined) report.base.buildMs = template.buildMs

  const sandbox = await Sandbox.open(server, { template: template.database, templateOwner: template.owner, limits })
  try {
    const watchdog = new Watchdog(server, sandbox.database, limits, started)
    const client = await sandbox.connect()
    const pid = await backendPid(client)
    const tracer = new Tracer(await captureRelations(sandbox.admin))
    // drizzle picks pending files itself; other runners get the change's new files.
    const pending = drizzle ? change.head.migrations : change.added
    const parsed = pending.map(parseMigration)
    report.timings.setupMs = performance.now() - started
    const changeStart = performance.now()
    const run = await runMigrations(
      { admin: sandbox.admin, adminPid: sandbox.adminPid, client, pid, watchdog, policy, tracer, clock: () => performance.now() - changeStart },
      { migrations: parsed, mode, drizzle },
    )
    report.timings.changeMs = performance.now() - changeStart
    applyRun(report, run, tracer, new Set(change.added.map((m) => m.id)))
    if (run.stop) stopFindings(report, sink, run.stop, parsed, config)
    measuredFindings(report, sink, parsed, config)
  } finally {
    await sandbox.dispose()
  }
  return finish()
}

/** Keeps the change's migrations (and, for drizzle, none of the base's already-applied ones) and totals. */
function applyRun(report: ReplayReport, run: RunResult, tracer: Tracer, added: Set<string>): void {
  report.migrations = run.migrations.filter((m) => m.status !== 'not-pending' || added.has(m.id))
  report.transactions = run.transactions
  report.locks = tracer.locks
  const statements = report.migrations.flatMap((m) => m.statements)
  report.totals = {
    ms: run.ms,
    statements: statements.length,
    executed: statements.filter((s) => s.status === 'ok' || s.status === 'error').length,
    rewrites: statements.flatMap((s) => s.effects).filter((e) => e.kind === 'rewrite').length,
    scans: statements.flatMap((s) => s.effects).filter((e) => e.kind !== 'rewrite').length,
    maxDangerousLockMs: Math.max(0, ...tracer.locks.filter((l) => l.dangerous).map((l) => l.heldMs)),
  }
}

function stopFindings(report: ReplayReport, sink: FindingSink, stop: RunStop, parsed: ParsedMigration[], config: Config): void {
  const migration = parsed[stop.migration] as ParsedMigration
  const statement = report.migrations.find((m) => m.id === migration.migration.id)?.statements[stop.statement] as StatementReport | undefined
  if (stop.refusal) {
    report.status = 'refused'
    const data = { ...stop.refusal.data }
    if (stop.refusal.messageId === 'temp-file-limit') data.limit = config.replay.tempFileLimitKb
    sink.add('sandbox-violation', stop.refusal.messageId, data, statementPlace(migration, stop.statement, stop.refusal.location))
    if (statement?.error) statement.error.message = sink.findings[sink.findings.length - 1]?.message ?? statement.error.message
    return
  }
  if (!stop.error) return
  report.status = 'failed'
  const place = statementPlace(migration, stop.statement)
  if (stop.error.position) place.range = { start: stop.error.position, end: stop.error.position }
  const messageId = statement?.executedBy === 'engine' ? 'extension' : 'statement'
  const extension = migration.statements[stop.statement]?.node?.extname ?? ''
  sink.add('replay-error', messageId, { message: stop.error.message, sqlstate: stop.error.sqlstate, version: report.server.version, extension }, place)
}

/** Findings from what the change measurably did: rewrites, long dangerous locks, total time. */
function measuredFindings(report: ReplayReport, sink: FindingSink, parsed: ParsedMigration[], config: Config): void {
  const byId = new Map(parsed.map((p) => [p.migration.id, p]))
  for (const migration of report.migrations) {
    const p = byId.get(migration.id) as ParsedMigration
    for (const statement of migration.statements) {
      for (const effect of statement.effects) {
        if (effect.kind !== 'rewrite' || effect.relationKind === 'index') continue
        const start = statement.startAtMs ?? 0
        const held = report.locks.filter((l) => l.relation === effect.relation && l.acquiredAtMs <= start && l.releasedAtMs >= start)
        const mode = strongest(held.map((l) => l.mode)) ?? 'ACCESS EXCLUSIVE'
        sink.add('table-rewrite', 'rewrite', { relation: effect.relation, reason: effect.reasons.join(', ') || statement.kind || 'statement', mode, ms: Math.round(statement.ms ?? 0), rows: report.data?.tables.find((t) => t.relation === effect.relation)?.rows ?? 0 }, statementPlace(p, statement.index))
      }
    }
  }
  for (const lock of report.locks) {
    if (!lock.dangerous || lock.heldMs <= config.replay.dangerousLockMs) continue
    const p = byId.get(lock.migration)
    if (!p) continue
    sink.add('dangerous-lock', 'held', { mode: lock.mode, relation: lock.relation, ms: Math.round(lock.heldMs), basis: 'measured', limit: config.replay.dangerousLockMs }, statementPlace(p, lock.statement))
  }
  const first = report.migrations.find((m) => m.status !== 'not-pending')
  if (first && report.totals.ms > config.replay.slowMigrationMs) {
    const p = byId.get(first.id) as ParsedMigration
    sink.add('slow-migration', 'slow', { ms: Math.round(report.totals.ms), basis: 'measured', limit: config.replay.slowMigrationMs }, { file: p.migration.path, range: FILE_START, migration: p.migration.id })
  }
}

/** The base itself does not apply: nothing of the change can be measured. */
function baseFailure(report: ReplayReport, sink: FindingSink, run: RunResult, migrations: Migration[]): void {
  report.status = 'error'
  const stop = run.stop as RunStop
  const migration = migrations[stop.migration] as Migration
  const statement = run.migrations[stop.migration]?.statements[stop.statement]
  const message = stop.error?.message ?? stop.refusal?.messageId ?? 'refused'
  report.error = `The base migration ${migration.path} does not apply: ${message}`
  sink.add(
    'replay-error',
    'base',
    { migration: migration.path, message, sqlstate: stop.error?.sqlstate || '-' },
    { file: migration.path, range: statement?.range ?? FILE_START, migration: migration.id },
  )
}
