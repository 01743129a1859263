import type pg from 'pg'
import type { Config } from '../config/schema.js'
import type { TableStats } from '../lint/engine.js'
import { transactionModeFor } from '../migrations/compare-migrations.js'
import type { FileSource } from '../migrations/file-source.js'
import type { MigrationChange, TransactionMode } from '../migrations/types.js'
import { loadParser, type ParsedMigration, parseMigration, type PgNode } from '../sql/parse.js'
import {
  baseFailure,
  driftFindings,
  estimateFindings,
  FILE_START,
  foreignKeyFindings,
  lockQueueFindings,
  measuredFindings,
  type Snapshot,
  stopFindings,
  trafficFindings,
} from './build-findings.js'
import { type CatalogSchema, findUnindexedForeignKeys, readCatalog } from './catalog.js'
import { buildEstimates, type Measurement } from './estimate.js'
import { FindingSink } from './findings.js'
import { runLockQueue } from './lock-queue.js'
import { MAX_PROBED_TABLES, type ProbedTable, startTrafficProbe } from './probe.js'
import type { DataReport, ReplayLimits, ReplayReport, UnindexedForeignKey } from './report.js'
import { type RunPlan, type RunResult, type RunStop, runMigrations } from './run.js'
import { backendPid, Sandbox, type SandboxLimits } from './sandbox.js'
import type { ScreenPolicy } from './screen.js'
import { type ReplayServer } from './server.js'
import { seedTables } from './seed.js'
import { startReplayServer } from './start-server.js'
import { ensureTemplate, type Template, templateState } from './template.js'
import { type Capture, Tracer } from './trace.js'
import { Watchdog } from './watchdog.js'
import { quoteIdent } from '../sql/quote.js'

export interface ReplayOptions {
  /** A running server to replay on (kept running). Without one, the configured backend is started and stopped. */
  server?: ReplayServer
  /** The runner's transaction semantics; default: configured, or what the head layout's runner does. */
  transactionMode?: TransactionMode
  /** Synthetic rows per pre-existing table (default `replay.rows`), each capped by its production count when known. */
  rows?: number
  /** Run the traffic probe and the lock-queue experiment (default `replay.probe`). */
  probe?: boolean
  /** Production row counts by `schema.table`: cap the synthetic rows, and make production-size estimates. */
  tableStats?: TableStats
  /** The head tree, to read the newest Drizzle snapshot for the drift check (no drift check without it). */
  files?: FileSource
  /** Rows per table at the two sizes measured for estimates (capped by production counts). */
  estimateSizes?: [number, number]
  /** Where the embedded backend puts its temporary cluster (default: /dev/shm where available, else the OS temp directory). */
  tempDir?: string
}

const DEFAULT_ESTIMATE_SIZES: [number, number] = [1_000, 10_000]

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

/** Everything one replay shares between its attempts (the main run and the experiments). */
interface Context {
  server: ReplayServer
  config: Config
  template: Template
  limits: ReplayLimits & SandboxLimits
  policy: ScreenPolicy
  plan: RunPlan
  /** Tables never seeded (the runner's bookkeeping), as `schema.table`. */
  exclude: string[]
  started: number
}

/** One sandbox, its migration session and guards: the unit every run happens in. */
interface Attempt {
  sandbox: Sandbox
  client: pg.Client
  pid: number
  watchdog: Watchdog
  tracer?: Tracer
  data?: DataReport
}

async function attempt<T>(ctx: Context, options: { rowsFor?: (table: string) => number; trace: boolean }, body: (a: Attempt) => Promise<T>): Promise<T> {
  const sandbox = await Sandbox.open(ctx.server, { template: ctx.template.database, templateOwner: ctx.template.owner, limits: ctx.limits })
  try {
    const watchdog = new Watchdog(ctx.server, sandbox.database, ctx.limits, ctx.started)
    const client = await sandbox.connect()
    const pid = await backendPid(client)
    const data = options.rowsFor ? await seedTables(client, { rowsFor: options.rowsFor, exclude: ctx.exclude, watchdog, pid }) : undefined
    const state = options.trace ? await templateState(ctx.server, ctx.template, sandbox.admin) : undefined
    const tracer = state ? new Tracer(state.capture, state.initial) : undefined
    return await body({ sandbox, client, pid, watchdog, tracer, data })
  } finally {
    await sandbox.dispose()
  }
}

function runChange(ctx: Context, a: Attempt, extra: Partial<RunPlan> = {}): Promise<RunResult> {
  const changeStart = performance.now()
  return runMigrations(
    { admin: a.sandbox.admin, adminPid: a.sandbox.adminPid, client: a.client, pid: a.pid, watchdog: a.watchdog, policy: ctx.policy, tracer: a.tracer, clock: () => performance.now() - changeStart },
    { ...ctx.plan, ...extra },
  )
}

/**
 * Replays a change's migrations on a throw-away PostgreSQL and reports what they did. The base is
 * applied (or cloned from its template), the change runs statement by statement under the runner's
 * semantics in a sandbox, and everything the replay created is removed before this returns, on every
 * path. Call with the change as `compareMigrationSets` builds it.
 */
export async function replayChange(change: MigrationChange, config: Config, options: ReplayOptions = {}): Promise<ReplayReport> {
  const started = performance.now()
  const mode = options.transactionMode ?? transactionModeFor(change.head, config)
  const sink = new FindingSink(config)
  const report = emptyReport(config, mode, change, sink, options.server)
  let server = options.server
  try {
    server ??= await startReplayServer(config, { tempDir: options.tempDir })
    report.server = { backend: server.backend, version: server.version }
    await replayOn(server, change, config, options, report, sink, started)
  } catch (error) {
    // The engine itself failed (no server, a lost connection): the review goes on without replay facts.
    const message = error instanceof Error ? error.message : String(error)
    report.status = 'error'
    report.error = message
    const first = change.added[0] ?? change.head.migrations[0]
    sink.add('replay-error', 'engine', { message }, { file: first?.path ?? change.head.dir, range: FILE_START, migration: first?.id })
  } finally {
    if (!options.server) await server?.stop()
  }
  report.findings.sort((a, b) => a.file.localeCompare(b.file) || a.range.start.offset - b.range.start.offset || a.ruleId.localeCompare(b.ruleId))
  report.timings.totalMs = performance.now() - started
  report.timings.afterMs = Math.max(0, report.timings.totalMs - report.timings.setupMs - report.timings.changeMs)
  return report
}

function emptyReport(config: Config, mode: TransactionMode, change: MigrationChange, sink: FindingSink, server: ReplayServer | undefined): ReplayReport {
  return {
    version: 1,
    startedAt: new Date().toISOString(),
    status: 'passed',
    server: { backend: server?.backend ?? config.replay.backend, version: server?.version ?? '' },
    transactionMode: mode,
    limits: limitsOf(config),
    base: { migrations: change.base?.migrations.length ?? 0, templateKey: '', template: 'reused' },
    migrations: [],
    transactions: [],
    locks: [],
    totals: { ms: 0, statements: 0, executed: 0, rewrites: 0, scans: 0, maxDangerousLockMs: 0 },
    unindexedForeignKeys: [],
    findings: sink.findings,
    timings: { setupMs: 0, changeMs: 0, afterMs: 0, totalMs: 0 },
  }
}

async function replayOn(server: ReplayServer, change: MigrationChange, config: Config, options: ReplayOptions, report: ReplayReport, sink: FindingSink, started: number): Promise<void> {
  const mode = report.transactionMode
  const drizzle = drizzleTable(change, mode, config)
  const limits = limitsOf(config)
  const policy = policyOf(config)

  await loadParser()
  const templated = await ensureTemplate(server, { migrations: change.base?.migrations ?? [], mode, drizzle, policy, limits })
  if (!templated.ok) {
    report.base.templateKey = templated.key
    baseFailure(report, sink, templated.run, templated.migrations)
    return
  }
  const template = templated.template
  report.base.templateKey = template.key
  report.base.template = template.built ? 'built' : 'reused'
  if (template.buildMs !== undefined) report.base.buildMs = template.buildMs

  // drizzle picks pending files itself; other runners get the change's new files.
  const parsed = (drizzle ? change.head.migrations : change.added).map(parseMigration)
  const ctx: Context = {
    server,
    config,
    template,
    limits,
    policy,
    plan: { migrations: parsed, mode, drizzle },
    exclude: drizzle ? [`${drizzle.schema}.${drizzle.table}`] : [],
    started,
  }
  const stats = options.tableStats ?? new Map<string, number>()
  const rows = options.rows ?? config.replay.rows
  const probe = options.probe ?? config.replay.probe
  const snapshot = await newestSnapshot(change, options.files)

  const main = await attempt(ctx, { rowsFor: rows > 0 ? (table) => Math.min(rows, stats.get(table) ?? rows, limits.maxRows) : undefined, trace: true }, async (a) => {
    const tracer = a.tracer as Tracer
    if (a.data) report.data = a.data
    report.timings.setupMs = performance.now() - started
    const added = new Set(change.added.map((m) => m.id))
    const touched = touchedTables(parsed.filter((p) => added.has(p.migration.id)), tracer.capture)
    const traffic = probe && touched.length ? await startTrafficProbe(() => a.sandbox.connect(), touched.slice(0, MAX_PROBED_TABLES), touched.slice(MAX_PROBED_TABLES).map((t) => t.relation)) : undefined
    const changeStart = performance.now()
    const run = await runChange(ctx, a)
    report.timings.changeMs = performance.now() - changeStart
    const trafficReport = await traffic?.stop()
    const after: { catalog?: CatalogSchema; unindexed: UnindexedForeignKey[] } = { unindexed: [] }
    if (!run.stop) {
      after.unindexed = await findUnindexedForeignKeys(a.sandbox.admin, tracer.capture.maxConstraintOid)
      if (snapshot) after.catalog = await readCatalog(a.sandbox.admin)
    }
    return { run, tracer, traffic: trafficReport, ...after }
  })

  applyRun(report, main.run, main.tracer, new Set(change.added.map((m) => m.id)))
  if (main.traffic) report.traffic = main.traffic
  report.unindexedForeignKeys = main.unindexed
  if (main.run.stop) stopFindings(report, sink, main.run.stop, parsed, config, await dataDependentTable(ctx, report, main.run.stop, parsed))
  measuredFindings(report, sink, parsed, config)
  if (main.traffic) trafficFindings(report, sink, main.traffic, parsed, config)
  foreignKeyFindings(report, sink, parsed)
  if (snapshot && main.catalog) driftFindings(report, sink, main.catalog, snapshot, drizzle?.schema)

  if (probe && !main.run.stop) {
    const target = report.locks.find((l) => l.mode === 'ACCESS EXCLUSIVE' && (l.relationKind === 'table' || l.relationKind === 'partitioned table'))
    if (target) {
      const queue = await runLockQueue(target, config, (plan, body) => attempt(ctx, { trace: false }, (a) => body({ sandbox: a.sandbox, pid: a.pid, run: () => runChange(ctx, a, plan) })))
      report.lockQueue = queue
      lockQueueFindings(sink, queue, parsed, config)
    }
  }

  if (stats.size && !main.run.stop) {
    const sizes = options.estimateSizes ?? DEFAULT_ESTIMATE_SIZES
    const measurements: Measurement[] = []
    for (const size of sizes) {
      measurements.push(
        await attempt(ctx, { rowsFor: (table) => Math.min(stats.get(table) ?? 0, size, limits.maxRows), trace: true }, async (a) => ({ run: await runChange(ctx, a), data: a.data as DataReport })),
      )
    }
    report.estimates = buildEstimates(measurements, sizes, stats)
    estimateFindings(report, sink, parsed, config)
  }
}

/**
 * A statement rejected with a data error (SQLSTATE classes 22 and 23) while tables held synthetic rows
 * is replayed without them: when it then passes, the failure depends on the data. Returns the table
 * whose rows it failed on.
 */
async function dataDependentTable(ctx: Context, report: ReplayReport, stop: RunStop, parsed: ParsedMigration[]): Promise<string | undefined> {
  const seeded = report.data?.tables.filter((t) => t.rows > 0) ?? []
  if (!stop.error || !seeded.length || !/^2[23]/.test(stop.error.sqlstate)) return undefined
  const migration = parsed[stop.migration] as ParsedMigration
  const clean = await attempt(ctx, { trace: false }, (a) => runChange(ctx, a, { stopAfter: { migration: migration.migration.id, statement: stop.statement } }))
  if (clean.stop) return undefined
  return relationOf(migration.statements[stop.statement]?.node) ?? seeded[0]?.relation
}

/** Pre-existing tables the change's statements name (resolved against the capture; unqualified names in public). */
function touchedTables(parsed: ParsedMigration[], capture: Capture): ProbedTable[] {
  const byName = new Map([...capture.relations.values()].filter((r) => r.kind === 'table' || r.kind === 'partitioned table').map((r) => [r.name, r]))
  const found = new Map<string, ProbedTable>()
  // A RangeVar body (`relname`, optional `schemaname`) names a relation, wherever it sits in the tree.
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit)
    if (!value || typeof value !== 'object') return
    const node = value as PgNode
    if (typeof node.relname === 'string') {
      const schema = typeof node.schemaname === 'string' ? node.schemaname : 'public'
      const name = `${schema}.${node.relname}`
      if (byName.has(name) && !found.has(name)) found.set(name, { relation: name, sql: `${quoteIdent(schema)}.${quoteIdent(node.relname)}` })
    }
    Object.values(node).forEach(visit)
  }
  for (const p of parsed) for (const s of p.statements) if (s.node && s.kind) visit({ [s.kind]: s.node })
  return [...found.values()]
}

/** The table a statement works on (its top-level `relation`), as `schema.name`. */
function relationOf(node: PgNode | null | undefined): string | undefined {
  const relation = node?.relation
  return relation?.relname ? `${relation.schemaname ?? 'public'}.${relation.relname}` : undefined
}

/** Keeps the change's migrations (for drizzle, none of the base's already-applied ones) and totals. */
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

/** The snapshot drizzle-kit diffs against next: the lexicographically last one (reference.md §1.1). */
async function newestSnapshot(change: MigrationChange, files: FileSource | undefined): Promise<Snapshot | undefined> {
  const path = change.head.snapshots.map((s) => s.path).sort().at(-1)
  if (!files || !path) return undefined
  const bytes = await files.read(path)
  if (!bytes) return undefined
  const text = bytes.toString('utf8')
  try {
    return { path, text, json: JSON.parse(text) }
  } catch {
    // An unparsable snapshot is the migration reader's finding; there is nothing to compare with.
    return undefined
  }
}

