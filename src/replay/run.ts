import pg from 'pg'
import type { TransactionMode } from '../migrations/types.js'
import type { ParsedMigration, PgNode, Statement } from '../sql/parse.js'
import type { MigrationReport, StatementError, StatementReport, TransactionReport } from './report.js'
import { type Refusal, type ScreenPolicy, screenStatement } from './screen.js'
import type { Observation, Tracer } from './trace.js'
import type { Trip, Watchdog } from './watchdog.js'
import { quoteIdent } from '../sql/quote.js'

/** Everything a run needs: the migration's session and the engine's guards around it. */
export interface RunSession {
  /** Admin session in the same database: runs approved extension statements and observes concurrent ones. */
  admin: pg.Client
  adminPid: number
  /** The session the migrations run in, as the sandbox role. */
  client: pg.Client
  pid: number
  watchdog: Watchdog
  policy: ScreenPolicy
  /** Absent for a plain run (the base, the benchmark's baseline): no observation between statements. */
  tracer?: Tracer
  /** Milliseconds since the change started: the report's time axis. */
  clock: () => number
}

export interface RunPlan {
  /** Migrations in application order (for drizzle, the whole set: pending ones are picked as the migrator does). */
  migrations: ParsedMigration[]
  mode: TransactionMode
  /** drizzle-orm's migrator bookkeeping: `schema.table` with one row per applied file. */
  drizzle?: { schema: string; table: string }
  /** Engine statements run first, inside the batch's transaction (an experiment's `SET lock_timeout`). */
  prelude?: string[]
  /** Stop (successfully) after this statement. */
  stopAfter?: { migration: string; statement: number }
}

/** What stopped a run early. */
export interface RunStop {
  migration: number
  statement: number
  /** Refused before running, or cancelled at a limit: the sandbox-violation message. */
  refusal?: Refusal
  error?: StatementError
}

export interface RunResult {
  migrations: MigrationReport[]
  transactions: TransactionReport[]
  stop?: RunStop
  /** From the batch's start to its last commit. */
  ms: number
}

const TEXT_LIMIT = 200
const POLL_PAUSE_MS = 2

/** Statements PostgreSQL refuses inside a transaction block. */
function refusesTransactionBlock(statement: Statement): boolean {
  const node = statement.node as PgNode | null
  if (!node) return false
  const concurrently = (params: PgNode[] | undefined) => (params ?? []).some((p) => p.DefElem?.defname === 'concurrently')
  switch (statement.kind) {
    case 'IndexStmt':
    case 'DropStmt':
      return node.concurrent === true
    case 'ReindexStmt':
      return concurrently(node.params)
    case 'VacuumStmt':
      return node.is_vacuumcmd === true
    case 'ClusterStmt':
      return !node.relation
    case 'AlterTableStmt':
      return (node.cmds ?? []).some((c: PgNode) => c.AlterTableCmd?.subtype === 'AT_DetachPartition' && c.AlterTableCmd?.def?.PartitionCmd?.concurrent)
    default:
      return false
  }
}

function transactionKind(statement: Statement): string | undefined {
  return statement.kind === 'TransactionStmt' ? String(statement.node?.kind) : undefined
}

/**
 * Runs one statement, counting rows instead of keeping them (a migration's SELECT could return
 * millions). With `observeSql`, the observation runs in the same round trip, right after the statement
 * and in its transaction; its own server-side time is reported so that the statement can be timed
 * without it.
 */
export function execute(client: pg.Client, text: string, observeSql?: string): Promise<{ rows: number | null; observation?: Observation }> {
  return new Promise((resolve, reject) => {
    const config: pg.QueryArrayConfig = { text: observeSql ? `${text}\n;\n${observeSql}` : text, rowMode: 'array' }
    const query = new pg.Query(config)
    // A 'row' listener makes pg stream rows to it instead of accumulating them; the last row of each result is kept.
    const lastRow = new Map<unknown, unknown[]>()
    query.on('row', (row, result) => lastRow.set(result, row as unknown as unknown[]))
    query.on('end', (result) => {
      // A multi-statement string ends with one result per statement.
      const results = ([] as unknown[]).concat(result) as pg.QueryResult[]
      const statement = results[observeSql ? results.length - 2 : results.length - 1]
      const observation = observeSql ? (lastRow.get(results[results.length - 1])?.[0] as Observation | undefined) : undefined
      resolve({ rows: statement?.rowCount ?? null, observation })
    })
    query.on('error', reject)
    client.query(query)
  })
}

const SANDBOX_STATES: Record<string, string> = {
  '42501': 'permission-denied',
  '53400': 'temp-file-limit',
  '53100': 'resources',
  '53200': 'resources',
  '53300': 'resources',
}

function statementReport(statement: Statement): StatementReport {
  const text = statement.text.length > TEXT_LIMIT ? `${statement.text.slice(0, TEXT_LIMIT - 1)}…` : statement.text
  return { index: statement.index, range: statement.range, kind: statement.kind, text, status: 'not-run', executedBy: 'sandbox', execution: 'transaction', locks: [], effects: [] }
}

/**
 * Applies migrations the way the configured runner does (reference.md §1.3), statement by statement:
 * - `all-pending` (drizzle-orm): the bookkeeping schema and table first, pending files picked by
 *   `created_at`, then one transaction for every pending file with one bookkeeping row per file; a
 *   `COMMIT` inside a file ends it and later chunks run in autocommit, each chunk of several
 *   statements as one implicit transaction, as PostgreSQL treats a multi-statement query.
 * - `per-file`: one transaction per file. `none`: every statement on its own.
 * Statements that refuse transaction blocks run outside one when the runner would run them so, observed
 * from a second session; inside a transaction they fail exactly as in production.
 */
export async function runMigrations(session: RunSession, plan: RunPlan): Promise<RunResult> {
  const { client, tracer, clock, watchdog } = session
  const reports: MigrationReport[] = plan.migrations.map((p) => ({
    id: p.migration.id,
    path: p.migration.path,
    status: 'not-run',
    ms: 0,
    statements: p.statements.map(statementReport),
  }))
  const transactions: TransactionReport[] = []
  let stop: RunStop | undefined
  let settings = { lockTimeout: '0', statementTimeout: '0' }
  let backstop = ''
  let open: TransactionReport | undefined

  const status = () => client.getTransactionStatus()
  const beginTransaction = async (atMs: number, observed = true): Promise<void> => {
    open = { startAtMs: atMs, endAtMs: atMs, outcome: 'commit' }
    transactions.push(open)
    if (tracer && observed) {
      const { rows } = await client.query<{ o: Array<[number, number]> }>(tracer.baselineSql())
      tracer.baseline(rows[0]?.o ?? [])
    }
  }
  /** BEGIN issued by the runner; with tracing, the scan baseline comes back in the same round trip. */
  const begin = async (): Promise<void> => {
    if (!tracer) {
      await client.query('BEGIN')
      open = { startAtMs: clock(), endAtMs: clock(), outcome: 'commit' }
      transactions.push(open)
      return
    }
    const results = (await client.query(`BEGIN; ${tracer.baselineSql()}`)) as unknown as Array<pg.QueryResult<{ o: Array<[number, number]> }>>
    open = { startAtMs: clock(), endAtMs: clock(), outcome: 'commit' }
    transactions.push(open)
    tracer.baseline(results[1]?.rows[0]?.o ?? [])
  }
  const endTransaction = (atMs: number, outcome: TransactionReport['outcome']): void => {
    if (!open) return
    open.endAtMs = atMs
    open.outcome = outcome
    open = undefined
    tracer?.endTransaction(atMs)
  }
  /** Runs a statement inside a transaction, observed in the same round trip unless it cannot matter. */
  const executeTraced = async (statement: Statement, report: StatementReport, ref: { migration: string; statement: number }) => {
    const scope = tracer && transactionKind(statement) === undefined ? tracer.scopeFor(statement) : 'skip'
    const started = clock()
    report.startAtMs = started
    const outcome = await watchdog.guard(session.pid, execute(client, statement.text, scope === 'skip' ? undefined : tracer?.observeSql(scope)))
    const endAtMs = clock()
    report.ms = endAtMs - started - (outcome.ok ? (outcome.value.observation?.ms ?? 0) : 0)
    if (outcome.ok) {
      report.status = 'ok'
      report.rows = outcome.value.rows
      const observation = outcome.value.observation
      if (observation && tracer) {
        settings = settingsOf(observation.settings, backstop)
        Object.assign(report, tracer.afterStatement(ref, started, observation))
      }
    }
    return { outcome, endAtMs }
  }
  const engine = async (text: string, values?: unknown[]): Promise<void> => {
    if (text === 'BEGIN' && status() === 'I') return begin()
    const before = status()
    await client.query(text, values)
    if (before !== 'T' && status() === 'T') await beginTransaction(clock())
    if (before === 'T' && status() === 'I') endTransaction(clock(), 'commit')
    if (status() === 'T' && tracer) {
      const { rows } = await client.query<{ o: Observation }>(tracer.observeSql('locks'))
      tracer.absorb(rows[0]?.o as Observation)
    }
  }

  if (tracer) {
    const { rows } = await client.query<{ lock_timeout: string; statement_timeout: string }>(
      "SELECT pg_catalog.current_setting('lock_timeout') AS lock_timeout, pg_catalog.current_setting('statement_timeout') AS statement_timeout",
    )
    const initial = rows[0] as { lock_timeout: string; statement_timeout: string }
    backstop = initial.statement_timeout
    settings = settingsOf(initial, backstop)
  }

  let pending = plan.migrations.map((_, i) => i)
  if (plan.drizzle) {
    const table = `${quoteIdent(plan.drizzle.schema)}.${quoteIdent(plan.drizzle.table)}`
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(plan.drizzle.schema)}`)
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (\n\t\t\t\tid SERIAL PRIMARY KEY,\n\t\t\t\thash text NOT NULL,\n\t\t\t\tcreated_at bigint\n\t\t\t)`)
    const { rows } = await client.query<{ created_at: string | null }>(`select id, hash, created_at from ${table} order by created_at desc limit 1`)
    const last = rows[0]
    pending = pending.filter((i) => {
      const when = plan.migrations[i]?.migration.when ?? Number.POSITIVE_INFINITY
      const isPending = !last || Number(last.created_at) < when
      if (!isPending) (reports[i] as MigrationReport).status = 'not-pending'
      return isPending
    })
  }

  const started = clock()
  const runStatement = async (p: ParsedMigration, statement: Statement, report: StatementReport): Promise<RunStop | undefined> => {
    const migrationIndex = plan.migrations.indexOf(p)
    const ref = { migration: p.migration.id, statement: statement.index }
    const halt = (extra: Omit<RunStop, 'migration' | 'statement'>): RunStop => ({ migration: migrationIndex, statement: statement.index, ...extra })
    const expired = watchdog.expiredTrip()
    if (expired) return halt({ refusal: tripRefusal(expired) })

    const screening = screenStatement(statement, session.policy)
    if (screening.action === 'refuse') {
      report.status = 'refused'
      report.error = { sqlstate: '', message: screening.refusal.messageId, class: 'sandbox' }
      return halt({ refusal: screening.refusal })
    }
    if (tracer) {
      report.lockTimeout = settings.lockTimeout
      report.statementTimeout = settings.statementTimeout
    }
    const inTransaction = status() === 'T'
    report.startAtMs = clock()

    if (screening.action === 'engine') {
      report.executedBy = 'engine'
      report.execution = inTransaction ? 'transaction' : 'autocommit'
      const refused = await unapprovedRequirement(session, screening.extensions, screening.cascade)
      if (refused) {
        report.status = 'refused'
        report.error = { sqlstate: '', message: 'extension-not-approved', class: 'sandbox' }
        return halt({ refusal: { messageId: 'extension-not-approved', data: { extension: refused } } })
      }
      // Unqualified, the extension goes where the migration's search_path says, as it would in production
      // ("$user" left out: for the admin it would name a schema the sandbox could have created).
      const { rows } = await client.query<{ path: string }>("SELECT pg_catalog.current_setting('search_path') AS path")
      const path = (rows[0]?.path ?? '').split(',').map((part) => part.trim()).filter((part) => part && part !== '"$user"')
      await session.admin.query("SELECT pg_catalog.set_config('search_path', $1, false)", [path.join(', ') || 'public'])
      const outcome = await watchdog.guard(session.adminPid, execute(session.admin, statement.text))
      report.ms = clock() - report.startAtMs
      if (!outcome.ok) return failed(p, statement, report, outcome, halt)
      report.status = 'ok'
      report.rows = outcome.value.rows
      return undefined
    }

    if (inTransaction) {
      report.execution = 'transaction'
      report.transaction = transactions.length - 1
      const { outcome, endAtMs } = await executeTraced(statement, report, ref)
      if (!outcome.ok) return failed(p, statement, report, outcome, halt)
      if (status() !== 'T') endTransaction(endAtMs, transactionKind(statement) === 'TRANS_STMT_ROLLBACK' ? 'rollback' : 'commit')
      return undefined
    }

    if (transactionKind(statement) !== undefined) {
      // BEGIN (or a stray COMMIT) outside a transaction: the runner sends it as is.
      report.execution = 'autocommit'
      const outcome = await watchdog.guard(session.pid, execute(client, statement.text))
      report.ms = clock() - report.startAtMs
      if (!outcome.ok) return failed(p, statement, report, outcome, halt)
      report.status = 'ok'
      if (status() === 'T') {
        await beginTransaction(report.startAtMs)
        report.transaction = transactions.length - 1
      }
      return undefined
    }

    if (refusesTransactionBlock(statement)) {
      report.execution = 'concurrent'
      await beginTransaction(report.startAtMs, false)
      report.transaction = transactions.length - 1
      const polling = pollLocks(session, clock)
      const outcome = await watchdog.guard(session.pid, execute(client, statement.text))
      const seen = await polling.stop()
      const endAtMs = clock()
      report.ms = endAtMs - report.startAtMs
      endTransaction(endAtMs, outcome.ok ? 'autocommit' : 'rollback')
      if (tracer) report.locks = tracer.recordPolled(ref, seen)
      if (!outcome.ok) return failed(p, statement, report, outcome, halt)
      report.status = 'ok'
      report.rows = outcome.value.rows
      if (tracer) {
        const { rows } = await client.query<{ o: Observation }>(tracer.observeSql('all'))
        report.effects = tracer.effectsAfterConcurrent(rows[0]?.o as Observation)
      }
      return undefined
    }

    // Autocommit: the statement is its own transaction. Wrapping it in BEGIN/COMMIT changes nothing
    // for PostgreSQL and lets the session observe itself before the commit releases its locks.
    report.execution = 'autocommit'
    await begin()
    report.transaction = transactions.length - 1
    const { outcome } = await executeTraced(statement, report, ref)
    if (!outcome.ok) {
      await client.query('ROLLBACK').catch(() => undefined)
      endTransaction(clock(), 'rollback')
      return failed(p, statement, report, outcome, halt)
    }
    await client.query('COMMIT')
    endTransaction(clock(), 'autocommit')
    return undefined
  }

  try {
    if (plan.mode === 'all-pending') await engine('BEGIN')
    for (const text of plan.prelude ?? []) await engine(text)
    outer: for (const i of pending) {
      const p = plan.migrations[i] as ParsedMigration
      const report = reports[i] as MigrationReport
      if (plan.mode === 'per-file') await engine('BEGIN')
      report.startAtMs = clock()
      report.status = 'applied'
      const chunks = new Map<number, Statement[]>()
      for (const statement of p.statements) chunks.set(statement.chunk, [...(chunks.get(statement.chunk) ?? []), statement])
      for (const chunk of chunks.values()) {
        // A chunk of several statements sent in autocommit is one implicit transaction.
        const implicit = plan.mode === 'all-pending' && status() === 'I' && chunk.length > 1 && !chunk.some((s) => transactionKind(s) !== undefined)
        if (implicit) await engine('BEGIN')
        for (const statement of chunk) {
          const statementReport = report.statements[statement.index] as StatementReport
          stop = await runStatement(p, statement, statementReport)
          if (!stop) {
            const trip = await watchdog.sizeTripAfter(statementReport.ms ?? 0)
            if (trip) stop = { migration: i, statement: statement.index, refusal: tripRefusal(trip) }
          }
          if (stop) {
            report.status = 'failed'
            break outer
          }
          if (plan.stopAfter && plan.stopAfter.migration === p.migration.id && plan.stopAfter.statement === statement.index) break outer
        }
        if (implicit && status() === 'T') await engine('COMMIT')
      }
      if (plan.drizzle) {
        const table = `${quoteIdent(plan.drizzle.schema)}.${quoteIdent(plan.drizzle.table)}`
        await engine(`insert into ${table} ("hash", "created_at") values($1, $2)`, [p.migration.hash, p.migration.when ?? null])
        report.bookkeeping = { hash: p.migration.hash, createdAt: p.migration.when ?? 0 }
      }
      if (plan.mode === 'per-file' && status() === 'T') await engine('COMMIT')
      report.ms = clock() - report.startAtMs
    }
    if (stop || plan.stopAfter) {
      if (status() !== 'I') {
        await client.query('ROLLBACK').catch(() => undefined)
        endTransaction(clock(), 'rollback')
      }
    } else if (status() === 'T') await engine('COMMIT')
  } catch (error) {
    // An engine statement failed (the session died, the server went away): leave no transaction open.
    if (status() !== 'I') await client.query('ROLLBACK').catch(() => undefined)
    endTransaction(clock(), 'rollback')
    throw error
  }
  for (const report of reports) if (report.startAtMs !== undefined && report.ms === 0) report.ms = clock() - report.startAtMs
  return { migrations: reports, transactions, stop, ms: clock() - started }
}

function tripRefusal(trip: Trip): Refusal {
  return { messageId: trip.messageId, data: trip.data }
}

/** Records a statement's failure: a limit or missing privilege is the sandbox's doing, anything else PostgreSQL's verdict. */
function failed(
  p: ParsedMigration,
  statement: Statement,
  report: StatementReport,
  outcome: { error: unknown; trip?: Trip },
  halt: (extra: Omit<RunStop, 'migration' | 'statement'>) => RunStop,
): RunStop {
  const error = outcome.error as pg.DatabaseError
  const sqlstate = error.code ?? ''
  const sandboxState = SANDBOX_STATES[sqlstate]
  const position = error.position ? p.lines.positionAt(statement.range.start.offset + Number(error.position) - 1) : undefined
  const statementError: StatementError = { sqlstate, message: error.message, class: outcome.trip || sandboxState ? 'sandbox' : 'error' }
  if (error.detail) statementError.detail = error.detail
  if (error.hint) statementError.hint = error.hint
  if (position) statementError.position = position
  report.status = statementError.class === 'sandbox' ? 'refused' : 'error'
  report.error = statementError
  if (outcome.trip) return halt({ refusal: tripRefusal(outcome.trip), error: statementError })
  if (sandboxState) return halt({ refusal: { messageId: sandboxState, data: { message: error.message, sqlstate } }, error: statementError })
  return halt({ error: statementError })
}

/** `backstop`: the session's statement_timeout before the migration ran, the replay's own limit, not the migration's. */
function settingsOf(observed: { lock_timeout: string; statement_timeout: string }, backstop: string): { lockTimeout: string; statementTimeout: string } {
  return { lockTimeout: observed.lock_timeout, statementTimeout: observed.statement_timeout === backstop ? '0' : observed.statement_timeout }
}

/** With CASCADE, every extension the approved ones require must be approved too. */
async function unapprovedRequirement(session: RunSession, names: string[], cascade: boolean): Promise<string | undefined> {
  if (!cascade) return undefined
  const seen = new Set<string>()
  const queue = [...names]
  while (queue.length) {
    const name = queue.shift() as string
    if (seen.has(name)) continue
    seen.add(name)
    if (!session.policy.extensions.has(name)) return name
    const { rows } = await session.admin.query<{ requires: string[] | null }>(
      'SELECT v.requires FROM pg_catalog.pg_available_extension_versions v JOIN pg_catalog.pg_available_extensions e ON e.name = v.name AND e.default_version = v.version WHERE v.name = $1',
      [name],
    )
    queue.push(...(rows[0]?.requires ?? []))
  }
  return undefined
}

interface PolledLock {
  oid: number
  mode: string
  firstAtMs: number
  lastAtMs: number
  waitedMs: number
}

/**
 * Polls the migration session's relation locks from the admin session while a statement runs outside
 * any transaction (reference.md §3.2). Locks held for less than one poll can be missed.
 */
function pollLocks(session: RunSession, clock: () => number): { stop: () => Promise<PolledLock[]> } {
  const seen = new Map<string, PolledLock & { waitingSince?: number }>()
  let running = true
  const loop = (async () => {
    while (running) {
      const { rows } = await session.admin.query<{ oid: string; mode: string; granted: boolean }>(
        "SELECT relation::int8 AS oid, mode, granted FROM pg_catalog.pg_locks WHERE pid = $1 AND locktype = 'relation'",
        [session.pid],
      )
      const at = clock()
      for (const row of rows) {
        const key = `${row.oid}:${row.mode}`
        let entry = seen.get(key)
        if (!entry) seen.set(key, (entry = { oid: Number(row.oid), mode: row.mode, firstAtMs: at, lastAtMs: at, waitedMs: 0 }))
        if (!row.granted) {
          entry.waitingSince ??= at
          entry.firstAtMs = at
        } else if (entry.waitingSince !== undefined) {
          entry.waitedMs += at - entry.waitingSince
          entry.waitingSince = undefined
        }
        entry.lastAtMs = at
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_PAUSE_MS))
    }
  })()
  return {
    async stop() {
      running = false
      await loop.catch(() => undefined)
      return [...seen.values()].map(({ waitingSince: _, ...lock }) => lock)
    },
  }
}

