import { defineRule, type Rule } from '../../src/lint/rule.js'
import type { ReviewReport } from '../../src/review/review-report.js'

/**
 * Renderer input: a report as reviewChange builds it, written out so snapshots change only when a renderer
 * does (not when a rule's wording does). Covers every severity, a fix, a range across lines, multi-byte
 * text, and characters each format must escape.
 */
export const report: ReviewReport = {
  version: 1,
  migrationsDir: 'drizzle',
  layout: 'drizzle',
  transactionMode: 'all-pending',
  reviewed: [
    { id: '0002_orders_status', path: 'drizzle/0002_orders_status.sql', status: 'added' },
    { id: '0001_users', path: 'drizzle/0001_users.sql', status: 'edited' },
  ],
  findings: [
    {
      ruleId: 'sample-index',
      messageId: 'missingConcurrently',
      severity: 'error',
      message: 'Index orders_status_idx on existing table "commandes_été" is built without CONCURRENTLY: writes are blocked for the whole build.',
      help: 'Use `CREATE INDEX CONCURRENTLY` in a migration that runs outside a transaction block.',
      file: 'drizzle/0002_orders_status.sql',
      range: { start: { line: 3, column: 1, offset: 80 }, end: { line: 3, column: 62, offset: 141 } },
      migration: '0002_orders_status',
      fix: { description: 'Build the index with CONCURRENTLY', edits: [{ start: 92, end: 92, text: ' CONCURRENTLY' }] },
      source: 'lint',
    },
    {
      ruleId: 'sample-lock',
      messageId: 'holdsLock',
      severity: 'warning',
      message: 'ALTER TABLE users holds ACCESS EXCLUSIVE: 100% of reads, writes, and DDL wait\nuntil commit.',
      file: 'drizzle/0002_orders_status.sql',
      range: { start: { line: 5, column: 3, offset: 150 }, end: { line: 7, column: 12, offset: 230 } },
      migration: '0002_orders_status',
      source: 'replay',
    },
    {
      ruleId: 'sample-design',
      messageId: 'preferText',
      severity: 'notice',
      message: 'Column users.name is varchar(50); text with a CHECK is easier to change.',
      help: 'Use `text`.',
      file: 'drizzle/0001_users.sql',
      range: { start: { line: 1, column: 30, offset: 29 }, end: { line: 1, column: 41, offset: 40 } },
      migration: '0001_users',
      source: 'lint',
    },
  ],
  counts: { error: 1, warning: 1, notice: 1 },
}

const sql = (text: string) => ({ sql: text })

/** Rule metadata for the SARIF rule list (the fixture's rule ids). */
export const rules: Rule[] = [
  defineRule({
    meta: {
      id: 'sample-index',
      severity: 'error',
      category: 'locks',
      summary: 'Build indexes on existing tables with `CREATE INDEX CONCURRENTLY`',
      rationale: '`CREATE INDEX` takes a **SHARE** lock for the whole build.',
      safeAlternative: 'Use `CREATE INDEX CONCURRENTLY`.',
      fix: 'Adds CONCURRENTLY outside a transaction block.',
      messages: { missingConcurrently: 'Index {{name}} is built without CONCURRENTLY.' },
      examples: { bad: [sql('CREATE INDEX i ON t (c);')], good: [sql('CREATE INDEX CONCURRENTLY i ON t (c);')] },
    },
    check: () => ({}),
  }),
  defineRule({
    meta: {
      id: 'sample-lock',
      severity: 'warning',
      category: 'locks',
      summary: 'Statements after an ACCESS EXCLUSIVE lock keep it until commit',
      rationale: 'Every later statement extends the outage.',
      safeAlternative: 'Move the locking statement last.',
      messages: { holdsLock: 'Lock held.' },
      examples: { bad: [], good: [] },
    },
    check: () => ({}),
  }),
  defineRule({
    meta: {
      id: 'sample-design',
      severity: 'off',
      category: 'design',
      summary: 'Prefer text',
      rationale: 'varchar(n) needs a rewrite to grow on old versions.',
      safeAlternative: 'Use `text`.',
      messages: { preferText: 'Prefer text.' },
      examples: { bad: [], good: [] },
    },
    check: () => ({}),
  }),
]
