import type { CheckVerdict } from '../../src/gate/check-verdict.js'
import type { GateVerdict } from '../../src/gate/evaluate-gate.js'
import type { Finding, Severity } from '../../src/lint/finding.js'
import type { ReviewOutcome } from '../../src/report/render-check-run.js'
import type { ReviewReport } from '../../src/review/review-report.js'

/** Renderer inputs as data: findings as the lint engine reports them for `drizzle/0007_orders_index.sql`. */
export const migrationText = `CREATE INDEX "orders_user_id_idx" ON "orders" ("user_id");--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "note" varchar(20);--> statement-breakpoint
DROP TABLE "legacy_sessions";
`

/** A finding on the statement that starts with `statement` (line and offsets computed from the text). */
function finding(severity: Severity, ruleId: string, messageId: string, message: string, statement: string, extra: Partial<Finding> = {}): Finding {
  const offset = migrationText.indexOf(statement)
  const end = migrationText.indexOf(';', offset) + 1
  const line = migrationText.slice(0, offset).split('\n').length
  const column = offset - migrationText.lastIndexOf('\n', offset - 1)
  return {
    ruleId,
    messageId,
    severity,
    message,
    file: 'drizzle/0007_orders_index.sql',
    range: { start: { line, column, offset }, end: { line, column: column + end - offset, offset: end } },
    migration: '0007_orders_index',
    source: 'lint',
    ...extra,
  }
}

export const findings: Finding[] = [
  finding('error', 'require-concurrent-index-creation', 'missingConcurrently', 'Index orders_user_id_idx on existing table orders is built without CONCURRENTLY: writes to orders are blocked for the whole build.', 'CREATE INDEX', {
    help: 'Use `CREATE INDEX CONCURRENTLY` in a migration that runs outside a transaction block.',
    fix: { description: 'Build the index with CONCURRENTLY', edits: [{ start: 12, end: 12, text: ' CONCURRENTLY' }] },
  }),
  finding('warning', 'prefer-text-field', 'preferText', 'Column orders.note is varchar(20) | a length limit that needs a table rewrite to raise.', 'ALTER TABLE'),
  finding('notice', 'ban-drop-table', 'dropTable', 'Table legacy_sessions is dropped.', 'DROP TABLE'),
]

export function reportOf(list: Finding[]): ReviewReport {
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 }
  for (const f of list) counts[f.severity]++
  return {
    version: 1,
    migrationsDir: 'drizzle',
    layout: 'drizzle',
    transactionMode: 'all-pending',
    reviewed: [{ id: '0007_orders_index', path: 'drizzle/0007_orders_index.sql', status: 'added' }],
    findings: list,
    counts,
  }
}

export const waitingGate: GateVerdict = {
  state: 'waiting',
  summary: 'Waiting for DBA approval from @acme/dba.',
  approvedBy: [],
  rejected: [{ login: 'mallory', via: 'comment', at: '2026-03-01T10:02:00Z', ref: 11, reason: '@mallory is not an approver for the changed schema and migration files (approvers: @acme/dba)' }],
  approvers: [{ paths: ['drizzle/0007_orders_index.sql', 'drizzle/meta/_journal.json'], who: ['@acme/dba'] }],
  problems: [],
}

export function outcomeOf(report: ReviewReport | null, gate: GateVerdict, verdict: CheckVerdict): ReviewOutcome {
  return {
    report,
    gate,
    verdict,
    headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    fingerprint: '3f2a9c0d5e6b7a8190a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f8',
    approveCommand: '/dba-approve',
    rulesDocsUrl: 'https://github.com/acme/dba-review/blob/HEAD/docs/rules',
  }
}
