import type * as z from 'zod/mini'
import type { Config } from '../config/schema.js'
import type { Migration, MigrationChange, TransactionMode } from '../migrations/types.js'
import type { PgNode, Statement } from '../sql/parse.js'
import type { SourceRange } from '../sql/source.js'
import type { SchemaState, TableRef } from '../schema/schema-state.js'
import type { Severity, SeveritySetting, TextEdit } from './finding.js'

export type RuleCategory = 'locks' | 'data' | 'design' | 'policy' | 'integrity' | 'engine'

/** Where a runnable example or test case runs; shared by SQL cases and file cases. */
interface CaseContext {
  /** Shown in test output; required for tests, optional for doc examples. */
  name?: string
  pgVersion?: number
  transaction?: TransactionMode
  /** Merged over the default config (e.g. `{ lint: { assumeLockTimeout: true } }`). */
  config?: Record<string, unknown>
  /** Rule options (as in `rules.<id>.options`). */
  options?: Record<string, unknown>
  /** Production row counts by `schema.table` (as the stats file gives them), for `ctx.rowCount`. */
  tableStats?: Record<string, number>
}

/** A case about SQL: the migration under review, plus the context it runs in. */
export interface SqlRuleCase extends CaseContext {
  /** SQL of the new migration (one file). */
  sql: string
  /** SQL that existed before the change (the base schema). Tables here are "existing". */
  base?: string
  /** More new migration files after `sql`, in order (same pending batch). */
  more?: string[]
}

/** Repository-relative path → content (bytes for binary or non-UTF-8 files). */
export type FileTree = Record<string, string | Uint8Array>

/**
 * A case about the migration files themselves (journal, snapshots, edits of merged migrations): two versions
 * of a repository, read with the real migration-set readers and compared, as a review does. Without `base`
 * there is no base version.
 */
export interface FilesRuleCase extends CaseContext {
  files: { base?: FileTree; head: FileTree }
}

export type RuleCase = SqlRuleCase | FilesRuleCase

export type InvalidRuleCase = RuleCase & {
  /** `file`: index into the new migrations (SQL cases), or a repository path. */
  errors: Array<{ messageId: string; line?: number; column?: number; file?: number | string; severity?: Severity }>
  /** The first file's text after applying every fix; `null` asserts no fix is offered. */
  output?: string | null
}

export interface RuleMeta<MessageId extends string = string> {
  /** kebab-case; the file name and the docs page name. Part of the public interface: never rename. */
  id: string
  severity: SeveritySetting
  category: RuleCategory
  /** One line: what the rule requires. */
  summary: string
  /** Why it matters: the lock, rewrite or breakage, for how long. Markdown. */
  rationale: string
  /** What to do instead, in one or two sentences. Markdown. */
  safeAlternative: string
  /** zod/mini schema of `rules.<id>.options` (see `src/config/schema.ts` on why mini); it must accept `{}` (every field defaulted or optional). The config loader refuses options it rejects; the engine passes the parsed value as `ctx.options`. */
  options?: z.core.$ZodType<Record<string, unknown>>
  /** Message templates by id; `{{name}}` placeholders come from `report({ data })`. */
  messages: Record<MessageId, string>
  /** When a machine-applicable fix is offered, in one sentence; absent when the rule never fixes. */
  fix?: string
  /** Cases where the rule deliberately stays silent (shown on the docs page). */
  exemptions?: string[]
  /** PostgreSQL 16 manual page, e.g. `sql-createindex.html`. */
  pgDocs?: string
  /** Other tools' names for this check (`squawk:require-concurrent-index-creation`), for `-- squawk-ignore` aliases and docs. */
  aliases?: string[]
  /** Documentation examples: every `bad` one must report, every `good` one must not. */
  examples: { bad: RuleCase[]; good: RuleCase[] }
  /** Further test cases, run by the same tester. */
  tests?: { valid: RuleCase[]; invalid: InvalidRuleCase[] }
}

export interface ReportDescriptor<MessageId extends string> {
  messageId: MessageId
  data?: Record<string, string | number>
  /** A parse node with a `location` (UTF-8 byte offset); the finding starts there. Defaults to the statement. */
  node?: PgNode
  /** Explicit file offsets, for findings that are not about one node. */
  range?: { start: number; end: number }
  /** Only when provably safe in this context (see the rule's `meta.fix`). */
  fix?: { description: string; edits: TextEdit[] }
  /** Caps this finding's severity below the rule's (never raises it above the configured one): one rule, graded findings. */
  severity?: Severity
  /** Reports at this place instead of the current statement: for findings decided later (`Change:exit`) or about other files. */
  at?: Anchor
}

/** A place for a finding: captured while visiting (`ctx.anchor`), or built for a file that holds no statements (journal, snapshot). */
export interface Anchor {
  /** Repository-relative path. */
  file: string
  range: SourceRange
  /** The migration and statement the place belongs to: their ignore directives apply. */
  migration?: Migration
  statement?: Statement
}

/** Where the current statement runs, as the configured runner will run it. */
export interface TransactionInfo {
  /** Inside a transaction block (implicit or explicit). */
  inTransaction: boolean
  /** Increments at every transaction boundary; statements with the same id commit together. */
  id: number
  /** `SET lock_timeout` to a non-zero value earlier in this transaction (or the config assumes the runner does). */
  lockTimeoutSet: boolean
  statementTimeoutSet: boolean
  /** How the runner wraps statements (the configured mode). */
  mode: TransactionMode
  /** The current transaction was opened by a `BEGIN` in the migrations rather than by the runner. */
  explicit: boolean
}

/** Everything a rule may know while it looks at one statement. Built by the engine; rules never build it. */
export interface RuleContext<MessageId extends string = string> {
  readonly config: Config
  readonly pgVersion: number
  readonly options: Record<string, unknown>
  readonly change: MigrationChange
  /** The migration and statement being visited (undefined in `Change` and `Change:exit`). */
  readonly migration: Migration | undefined
  readonly statement: Statement | undefined
  readonly transaction: TransactionInfo
  /** Schema as it stands just before the current statement: the base plus every earlier statement of the change. */
  readonly schema: SchemaState
  /** The table existed before the change (so it may hold data and serve traffic) and still exists. */
  isExistingTable(ref: TableRef | PgNode): boolean
  /** Known production row count (stats file), when there is one. */
  rowCount(ref: TableRef | PgNode): number | undefined
  /** The stats file gave row counts; without them `rowCount` is always undefined. */
  readonly hasRowCounts: boolean
  /** Statements earlier in the same transaction (across files), oldest first. */
  statementsBeforeInTransaction(): ReadonlyArray<{ migration: Migration; statement: Statement }>
  /** File offset of a node's `location`, or the statement start. */
  offsetOf(node: PgNode | undefined): number
  /** The current place (from `node`'s location, or the statement start, to the statement end), to report at later. */
  anchor(node?: PgNode): Anchor
  report(descriptor: ReportDescriptor<MessageId>): void
}

/**
 * Visitors keyed by libpg-query node kind (`IndexStmt`, `AlterTableCmd`, `ColumnDef`, `Constraint`…),
 * called for every node of that kind anywhere in a statement's tree, in document order, with the node
 * body and its ancestors' bodies. Special keys:
 * - `Statement`: every statement, parsed or not, before its nodes.
 * - `Statement:exit`: every statement, after its nodes, once it has been applied to `ctx.schema`.
 * - `Migration`: each migration under review, before its statements.
 * - `Change` / `Change:exit`: once per review batch, before and after everything.
 */
export interface Visitors {
  Statement?: (statement: Statement) => void
  'Statement:exit'?: (statement: Statement) => void
  Migration?: (migration: Migration) => void
  Change?: (change: MigrationChange) => void
  'Change:exit'?: () => void
  /** libpg-query node kinds; the special hooks above are assignable because node bodies are `any`-valued. */
  [kind: string]: ((node: any, ancestors: readonly PgNode[]) => void) | undefined
}

export interface Rule<MessageId extends string = string> {
  meta: RuleMeta<MessageId>
  /**
   * Called once per review batch; closure state lives exactly as long as the batch. Returns visitors under
   * the same keys every time in a run (they may depend on options and settings, not on the batch): the
   * engine lays out its dispatch from the first batch and refuses a rule that changes them.
   */
  check(context: RuleContext<MessageId>): Visitors
}

export function defineRule<MessageId extends string>(rule: Rule<MessageId>): Rule<MessageId> {
  return rule
}
