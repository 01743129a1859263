import type { SourceRange } from '../sql/source.js'

/** How the migrations folder is laid out on disk. */
export type Layout = 'drizzle' | 'drizzle-v1' | 'plain' | 'prisma'

/**
 * How the migration runner wraps statements in transactions.
 * - `all-pending`: one transaction around every pending migration (drizzle-orm's migrator, 0.x and v1).
 * - `per-file`: one transaction per migration file (Prisma: a file is sent as one multi-statement query).
 * - `none`: every statement in autocommit (drizzle-kit push, psql without --single-transaction).
 */
export type TransactionMode = 'all-pending' | 'per-file' | 'none'

/** A problem found while reading a migration set (bad journal, missing file, binary file…), with its place. */
export interface SetProblem {
  /** Rule id of the finding this becomes (an integrity rule, or `unreadable-file`). */
  ruleId: string
  messageId: string
  data: Record<string, string | number>
  file: string
  range?: SourceRange
}

export interface SnapshotRef {
  /** Repository-relative path of the snapshot JSON. */
  path: string
  id?: string
  /** 0.x: the single parent id. */
  prevId?: string
  /** v1: parent ids (history is a DAG). */
  prevIds?: string[]
}

export interface JournalEntry {
  idx: number
  when: number
  tag: string
  breakpoints: boolean
  version?: string
  /** Where the entry starts in the journal file, for findings. */
  range?: SourceRange
}

export interface Migration {
  /** Stable name: the journal tag, the v1/Prisma folder name, or the plain file name without `.sql`. */
  id: string
  /** Repository-relative path of the SQL file, forward slashes. */
  path: string
  text: string
  /** Hex SHA-256 of the raw file, as drizzle-orm stores it. */
  hash: string
  /** Position in the runner's application order (0-based). */
  order: number
  /** Whether the runner splits the file on `--> statement-breakpoint`. */
  breakpoints: boolean
  /** Drizzle 0.x journal `when` (epoch milliseconds): the migrator's notion of "newer". */
  when?: number
  idx?: number
  snapshot?: SnapshotRef
}

export interface MigrationSet {
  layout: Layout
  /** Repository-relative migrations folder ('' for the repository root). */
  dir: string
  /** Migrations the runner will apply, in the order it applies them. */
  migrations: Migration[]
  /** SQL files in the folder that the runner will never apply (e.g. not in the drizzle journal). */
  ignoredFiles: string[]
  journal?: { path: string; entries: JournalEntry[] }
  snapshots: SnapshotRef[]
  problems: SetProblem[]
}

/** Base vs head comparison of one migrations folder. */
export interface MigrationChange {
  base: MigrationSet | null
  head: MigrationSet
  /** Migrations present in head only, in application order. */
  added: Migration[]
  /** Same id in both, different text. */
  edited: Array<{ base: Migration; head: Migration }>
  /** Present in base only (deleted or renamed away). */
  removed: Migration[]
  /** Files changed under the configured schema paths (repository-relative). */
  changedSchemaFiles: string[]
  /** Every file path changed between base and head (repository-relative), when known. */
  changedFiles: string[]
}
