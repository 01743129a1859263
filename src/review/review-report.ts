import type { Finding, Severity } from '../lint/finding.js'
import type { Layout, TransactionMode } from '../migrations/types.js'
import type { ReplayReport } from '../replay/report.js'

/**
 * The result of reviewing one change: what the CLI prints and what the GitHub App renders into the check
 * run, the sticky comment and inline suggestions. Versioned: consumers check `version`.
 */
export interface ReviewReport {
  version: 1
  /** Migrations folder (repository-relative) and how it is read and run. */
  migrationsDir: string
  layout: Layout
  transactionMode: TransactionMode
  /** Migrations under review, in application order. */
  reviewed: Array<{ id: string; path: string; status: 'added' | 'edited' }>
  /** Lint and replay findings, sorted by file and position. */
  findings: Finding[]
  counts: Record<Severity, number>
  /** What the change did on a real PostgreSQL, when it was replayed (its findings are in `findings` too). */
  replay?: ReplayReport
}
