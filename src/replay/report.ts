import type { Finding } from '../lint/finding.js'
import type { TransactionMode } from '../migrations/types.js'
import type { Position, SourceRange } from '../sql/source.js'
import type { BackendKind } from './server.js'

/**
 * The replay report, version 1: what a change's migrations did on a real PostgreSQL. Consumers (the
 * CLI's text/JSON/Markdown output, the GitHub comment with its Mermaid gantt of locks) read only this.
 *
 * Conventions: every `…Ms` duration is in milliseconds; every `…AtMs` offset is in milliseconds since
 * the runner started applying the change, so offsets of statements,
 * locks and transactions share one time axis. Relations are named `schema.name` as they were named
 * before the change (a lock on a table the change renames keeps the old name). Positions are file
 * positions (1-based line/column, 0-based UTF-16 offset) in the migration's file.
 */
export interface ReplayReport {
  /** Format version; changes that break readers bump it. */
  version: 1
  /** When the replay started (ISO 8601). */
  startedAt: string
  /**
   * - `passed`: every pending statement ran.
   * - `failed`: a statement failed on PostgreSQL (replay-error or data-dependent-failure); the runner stops there, as production would.
   * - `refused`: the sandbox refused a statement or cancelled it at a limit (sandbox-violation); nothing after it ran.
   * - `error`: the change could not be replayed at all (the base failed, the server was unusable): see `error`.
   */
  status: 'passed' | 'failed' | 'refused' | 'error'
  /** Why the replay could not run, when `status` is `error`. */
  error?: string
  /** The PostgreSQL the change was replayed on. */
  server: {
    /** `embedded`, `docker` or `url`. */
    backend: BackendKind
    /** `server_version`, e.g. `16.4`. */
    version: string
  }
  /** How the runner wraps statements in transactions (drizzle: `all-pending`). */
  transactionMode: TransactionMode
  /** The limits the replay ran under. */
  limits: ReplayLimits
  /** The state the change was applied to. */
  base: BaseReport
  /** Synthetic rows in pre-existing tables before the change (absent when none were asked for). */
  data?: DataReport
  /** The change's migrations in application order, including ones the runner did not apply (`status`). */
  migrations: MigrationReport[]
  /** Transactions the runner went through, in order (one for drizzle unless a file COMMITs). */
  transactions: TransactionReport[]
  /** Every lock on a pre-existing relation, flat and in acquisition order: the gantt's rows. */
  locks: LockReport[]
  /** Sums over the change. */
  totals: Totals
  /** What application queries experienced while the change ran (`replay.probe`). */
  traffic?: TrafficReport
  /** The lock-queue experiment (`replay.probe`, when the change takes a lock that blocks readers). */
  lockQueue?: LockQueueReport
  /** Production-size estimates (when production row counts are known). */
  estimates?: EstimatesReport
  /** Schema after the change vs the newest Drizzle snapshot (absent when there is no snapshot). */
  drift?: DriftReport
  /** Foreign keys the change added whose referencing columns no index supports. */
  unindexedForeignKeys: UnindexedForeignKey[]
  /** Replay findings (`source: 'replay'`), sorted by file and position. */
  findings: Finding[]
  /** Where the time went, end to end. */
  timings: {
    /** Cloning the template (or building it), creating the sandbox, seeding. */
    setupMs: number
    /** Applying the change (same as `totals.ms`). */
    changeMs: number
    /** Experiments, schema comparison and clean-up after the change. */
    afterMs: number
    /** Request to report. */
    totalMs: number
  }
}

export interface ReplayLimits {
  /** One statement may run this long before the sandbox cancels it. */
  statementTimeoutMs: number
  /** The whole replay (setup, change, experiments) must end by then. */
  deadlineMs: number
  /** `temp_file_limit` of the sandbox role (sorts and hashes spilling to disk). */
  tempFileLimitKb: number
  /** Largest size the replay database may grow to. */
  maxDatabaseBytes: number
  /** Largest synthetic table, and largest set-returning call a migration may make. */
  maxRows: number
}

export interface BaseReport {
  /** Migrations applied before the change (the base branch's). */
  migrations: number
  /** Hash of the base migrations, server version and extension policy: the template's identity. */
  templateKey: string
  /** `reused`: cloned from an existing template; `built`: applied now and kept as a template. */
  template: 'reused' | 'built'
  /** Time to build the template, when it was built by this replay. */
  buildMs?: number
}

export interface DataReport {
  /** Per pre-existing table: rows inserted before the change, or why none could be. */
  tables: Array<{ relation: string; rows: number; error?: string }>
  /** Time spent seeding. */
  ms: number
}

export interface MigrationReport {
  /** The migration's id (drizzle: the journal tag). */
  id: string
  /** Repository-relative path of the SQL file. */
  path: string
  /**
   * - `applied`: every statement ran.
   * - `failed`: a statement failed or was refused; later statements did not run.
   * - `not-run`: the run stopped before this migration.
   * - `not-pending`: the runner skips it (drizzle: its journal `when` is not newer than the last applied migration's).
   */
  status: 'applied' | 'failed' | 'not-run' | 'not-pending'
  /** Offset of the first statement. */
  startAtMs?: number
  /** Wall time of this migration's statements. */
  ms: number
  /** Every statement of the file, in order, run or not. */
  statements: StatementReport[]
  /** The `__drizzle_migrations` row the runner inserted after the file, as drizzle-orm writes it. */
  bookkeeping?: { hash: string; createdAt: number }
}

export interface StatementReport {
  /** 0-based index among the migration's statements. */
  index: number
  /** Where the statement is in its file. */
  range: SourceRange
  /** libpg-query node kind (`AlterTableStmt`…); null when PostgreSQL's grammar rejects the statement. */
  kind: string | null
  /** The statement text, shortened to 200 characters. */
  text: string
  /**
   * - `ok`: ran. `error`: PostgreSQL raised an error. `refused`: the sandbox refused it or cancelled it at a limit.
   * - `not-run`: an earlier statement stopped the run.
   */
  status: 'ok' | 'error' | 'refused' | 'not-run'
  /** `sandbox`: the migration's role ran it. `engine`: an approved extension statement the engine ran as admin for the migration. */
  executedBy: 'sandbox' | 'engine'
  /**
   * How it ran: `transaction` (inside a transaction block), `autocommit` (its own transaction), or
   * `concurrent` (a CONCURRENTLY-style statement outside any transaction, observed from a second session).
   */
  execution: 'transaction' | 'autocommit' | 'concurrent'
  /** Index into `ReplayReport.transactions` of the transaction it ran in. */
  transaction?: number
  /** When it started (absent when it did not run). */
  startAtMs?: number
  /** Wall time, client side (includes one local round trip). */
  ms?: number
  /** Rows the statement affected or returned, as PostgreSQL reports them. */
  rows?: number | null
  /** `lock_timeout` in force when it ran, as PostgreSQL shows it (`0` = wait forever). */
  lockTimeout?: string
  /** `statement_timeout` the migration set (`0` = none; the replay's own limit is not shown). */
  statementTimeout?: string
  /** Locks it acquired on pre-existing relations. */
  locks: LockReport[]
  /** Rewrites, full scans and index builds of pre-existing relations. */
  effects: EffectReport[]
  /** Why it failed or was refused. */
  error?: StatementError
}

export type LockMode =
  | 'ACCESS SHARE'
  | 'ROW SHARE'
  | 'ROW EXCLUSIVE'
  | 'SHARE UPDATE EXCLUSIVE'
  | 'SHARE'
  | 'SHARE ROW EXCLUSIVE'
  | 'EXCLUSIVE'
  | 'ACCESS EXCLUSIVE'

export type RelationKind = 'table' | 'partitioned table' | 'index' | 'partitioned index' | 'sequence' | 'view' | 'materialized view' | 'foreign table' | 'other'

export interface LockReport {
  /** `schema.name` before the change. */
  relation: string
  /** What the relation is (the gantt may show tables only). */
  relationKind: RelationKind
  /** For an index: its table. */
  table?: string
  /** The lock mode, as PostgreSQL's documentation names it. */
  mode: LockMode
  /** SHARE or stronger: blocks writes (ACCESS EXCLUSIVE also reads) while held. */
  dangerous: boolean
  /** Migration id and statement index that acquired it. */
  migration: string
  statement: number
  /** When the acquiring statement started (the gantt bar's start). */
  acquiredAtMs: number
  /** When the transaction holding it ended (or, for a concurrent statement, when it was last seen). */
  releasedAtMs: number
  /** `releasedAtMs - acquiredAtMs`. */
  heldMs: number
  /** Time spent waiting for it before it was granted (observed for concurrent statements only). */
  waitedMs?: number
}

export interface EffectReport {
  /** `schema.name` before the change. */
  relation: string
  /** What the relation is: a rewritten index is reported as its own effect. */
  relationKind: RelationKind
  /**
   * - `rewrite`: the relation's file was replaced (relfilenode changed): every row copied, indexes rebuilt.
   * - `index-build`: a new index on it was built (a full scan).
   * - `scan`: a full scan without rewrite (validating a constraint, SET NOT NULL, a backfill UPDATE…).
   */
  kind: 'rewrite' | 'index-build' | 'scan'
  /** What caused it, from the catalog (`SET NOT NULL "email"`, `validate "orders_user_fk"`, `type of "id"`…), when known. */
  reasons: string[]
}

export interface StatementError {
  /** PostgreSQL's SQLSTATE (empty when the sandbox refused the statement before sending it). */
  sqlstate: string
  /** PostgreSQL's message, or the sandbox's reason. */
  message: string
  /** PostgreSQL's DETAIL and HINT, when it gave them. */
  detail?: string
  hint?: string
  /** Where PostgreSQL points in the file, when it points somewhere. */
  position?: Position
  /**
   * - `error`: the migration is wrong. `data`: fails only on existing rows (data-dependent-failure).
   * - `sandbox`: refused or cancelled by the sandbox (sandbox-violation).
   */
  class: 'error' | 'data' | 'sandbox'
}

export interface TransactionReport {
  /** When it began and ended (commit or rollback). */
  startAtMs: number
  endAtMs: number
  /** `commit`, `rollback` (after an error or refusal), or `autocommit` (a statement in its own transaction). */
  outcome: 'commit' | 'rollback' | 'autocommit'
}

export interface Totals {
  /** Wall time of the change, first statement to last commit. */
  ms: number
  /** Statements in the change's migrations. */
  statements: number
  /** Statements that ran (ok or error). */
  executed: number
  /** Rewrites of pre-existing tables and indexes. */
  rewrites: number
  /** Full scans and index builds of pre-existing tables. */
  scans: number
  /** Longest time any dangerous lock on a pre-existing relation was held. */
  maxDangerousLockMs: number
}

export interface ProbeStats {
  /** Probe queries issued. */
  queries: number
  /** Probe queries that had to wait for a lock. */
  blocked: number
  /** Longest wait. */
  maxBlockedMs: number
  /** Sum of waits. */
  totalBlockedMs: number
}

export interface TrafficReport {
  /** Each probe session issues one query per interval: blocked times are accurate to about this. */
  intervalMs: number
  /**
   * Per pre-existing table the change touches: a read (what SELECT takes: ACCESS SHARE) and a write
   * (what INSERT/UPDATE/DELETE take: ROW EXCLUSIVE), each from its own session at a steady rate.
   */
  tables: Array<{ relation: string; reads: ProbeStats; writes: ProbeStats }>
  /** All tables together. */
  reads: ProbeStats
  writes: ProbeStats
  /** Tables touched but not probed (the probe covers at most 16 tables). */
  unprobed: string[]
}

export interface LockQueueRun {
  /** `completed`: the change went through once the open transaction ended; `lock-timeout`: it gave up (55P03). */
  outcome: 'completed' | 'lock-timeout' | 'failed'
  /** How long the blocked statement waited for its lock. */
  migrationWaitMs: number
  /** How long a plain read of the table queued behind the waiting statement. */
  readersQueuedMs: number
}

export interface LockQueueReport {
  /** The table the experiment held open. */
  relation: string
  /** The first statement whose lock conflicts with readers. */
  migration: string
  statement: number
  /** The lock it needs. */
  mode: LockMode
  /** How long the idle transaction held ACCESS SHARE on the relation. */
  holdMs: number
  /** The migration as written (with whatever lock_timeout it sets itself). */
  withoutLockTimeout: LockQueueRun
  /** With `SET lock_timeout` before the migration (`replay.lockTimeoutMs`). */
  withLockTimeout: LockQueueRun & { lockTimeoutMs: number }
}

export interface EstimatesReport {
  /** Always true: these are extrapolations, not measurements. */
  estimated: true
  /** The two synthetic sizes measured (rows per pre-existing table, capped by production counts). */
  sizes: [number, number]
  /** Production row counts used, by relation. */
  productionRows: Record<string, number>
  /** Per statement of the change that ran. */
  statements: Array<{
    migration: string
    statement: number
    /** The relation whose size drives the time, and its production row count. */
    relation?: string
    rows?: number
    /** Measured ms at each size (rows of `relation` at each). */
    measured: Array<{ rows: number; ms: number }>
    /** `flat`: catalog-only, stays at its measured time; `linear`: grows with rows. */
    model: 'flat' | 'linear'
    estimatedMs: number
  }>
  /** Estimated hold time of each dangerous lock at production size. */
  locks: Array<{ relation: string; mode: LockMode; migration: string; statement: number; estimatedHeldMs: number }>
  /** Sum of the statements' estimates. */
  estimatedTotalMs: number
}

export interface DriftReport {
  /** The snapshot compared with (repository-relative path). */
  snapshot: string
  /** Empty: the replayed schema is what the snapshot describes. */
  differences: DriftDifference[]
}

export interface DriftDifference {
  /** What kind of object differs. */
  object: 'table' | 'column' | 'index' | 'foreign key' | 'enum' | 'primary key' | 'unique'
  /** `schema.table`, `schema.table.column`, index or constraint name, `schema.enum`. */
  name: string
  /** `missing` from the database, `unexpected` in the database, or `different`. */
  kind: 'missing' | 'unexpected' | 'different'
  /** What the snapshot says / what the database has, for `different` (and the one side otherwise). */
  snapshot?: string
  database?: string
}

export interface UnindexedForeignKey {
  /** Constraint name. */
  constraint: string
  /** Referencing table and its columns, `schema.name`. */
  table: string
  columns: string[]
  /** Referenced table, `schema.name`. */
  references: string
}
