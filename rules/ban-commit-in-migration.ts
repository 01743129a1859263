import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);'

export default defineRule({
  meta: {
    id: 'ban-commit-in-migration',
    severity: 'error',
    category: 'integrity',
    summary: 'Do not end the runner\'s transaction from inside a migration (COMMIT, ROLLBACK, BEGIN)',
    rationale:
      'drizzle-orm\'s migrator runs every pending migration in one transaction and inserts each file\'s bookkeeping row right after the file\'s statements. A `COMMIT;` (the usual workaround for `CREATE INDEX CONCURRENTLY`) ends that transaction: everything after it, the rest of the file and every later pending migration, runs in autocommit. If any of it fails, the statements before the failure stay applied but the migration is not recorded, so the next deploy runs it again: every statement after the `COMMIT` must be idempotent. A failed or cancelled `CREATE INDEX CONCURRENTLY` leaves an INVALID index behind, which a re-run with `IF NOT EXISTS` silently keeps. `ROLLBACK` silently discards everything before it, earlier pending migrations and their bookkeeping rows included, and still records this one as applied; `BEGIN` inside the transaction only raises a warning and does not start a new one.',
    safeAlternative:
      'Keep each migration transactional. Build indexes on large tables with `CREATE INDEX CONCURRENTLY` outside the migrator (a separate script or a runner with a no-transaction mode), or accept `CREATE INDEX` on small tables. If a `COMMIT;` is unavoidable, put it in a migration of its own, make every later statement idempotent (`IF NOT EXISTS`, and drop an INVALID index before retrying), and record why with `-- dba-review-ignore ban-commit-in-migration: <why>`.',
    messages: {
      commit: '{{statement}} ends the runner\'s transaction: {{rest}} runs in autocommit, so a failure leaves it half-applied and the migration unrecorded, to be run again.',
      rollback: '{{statement}} discards everything the runner ran before it in this transaction ({{discarded}}); the rest runs in autocommit and this migration is still recorded as applied.',
      begin: 'BEGIN inside the runner\'s transaction does not start a new transaction; PostgreSQL only warns "there is already a transaction in progress".',
    },
    exemptions: [
      'Runners that apply migrations without a transaction (`migrations.transaction: none`): explicit transactions are the author\'s tool there.',
      'A `COMMIT` that ends a transaction the migration itself opened with `BEGIN` after leaving the runner\'s (the runner\'s transaction was already ended, and reported).',
      'A `BEGIN` after such a `COMMIT`: it restores a transaction for the rest.',
    ],
    pgDocs: 'sql-commit.html',
    aliases: ['squawk:transaction-nesting'],
    examples: {
      bad: [{ sql: 'COMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_user_idx" ON "orders" ("user_id");', base: BASE }],
      good: [{ sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_user_idx" ON "orders" ("user_id");', base: BASE, transaction: 'none' }],
    },
    tests: {
      valid: [
        { name: 'no transaction mode', base: BASE, sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;', transaction: 'none' },
        { name: 'savepoints stay inside the transaction', base: BASE, sql: 'SAVEPOINT a;\nALTER TABLE orders ADD COLUMN note text;\nRELEASE SAVEPOINT a;' },
      ],
      invalid: [
        { name: 'COMMIT under all-pending names the later files', base: BASE, sql: 'COMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);', more: ['ALTER TABLE orders ADD COLUMN note text;'], errors: [{ messageId: 'commit', line: 1, column: 1 }] },
        { name: 'END is a COMMIT; per-file transactions', base: BASE, sql: 'ALTER TABLE orders ADD COLUMN note text;\nEND;\nCREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);', transaction: 'per-file', errors: [{ messageId: 'commit', line: 2 }] },
        { name: 'ROLLBACK in a later file', base: BASE, sql: 'ALTER TABLE orders ADD COLUMN note text;', more: ['ROLLBACK;'], errors: [{ messageId: 'rollback', file: 1 }] },
        {
          name: 'only the first COMMIT: the workaround\'s BEGIN and the COMMIT of that explicit transaction are not reported again',
          base: BASE,
          sql: 'COMMIT;\n--> statement-breakpoint\nBEGIN;\n--> statement-breakpoint\nALTER TABLE orders ADD COLUMN note text;\n--> statement-breakpoint\nCOMMIT;',
          errors: [{ messageId: 'commit', line: 1 }],
        },
        { name: 'BEGIN … COMMIT written into a drizzle file', base: BASE, sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;', errors: [{ messageId: 'begin', line: 1 }, { messageId: 'commit', line: 3 }] },
      ],
    },
  },
  check: (ctx) => ({
    TransactionStmt(node) {
      const tx = ctx.transaction
      if (tx.mode === 'none' || !tx.inTransaction || tx.explicit) return
      const statement = ctx.statement?.text.replace(/;$/, '').trim().toUpperCase() ?? 'COMMIT'
      switch (node.kind) {
        case 'TRANS_STMT_COMMIT':
          ctx.report({ messageId: 'commit', data: { statement, rest: tx.mode === 'all-pending' ? 'everything after it, the rest of this file and every later pending migration,' : 'the rest of this file' } })
          break
        case 'TRANS_STMT_ROLLBACK':
          ctx.report({ messageId: 'rollback', data: { statement, discarded: tx.mode === 'all-pending' ? 'earlier statements of this file and every earlier pending migration, with their bookkeeping rows' : 'the earlier statements of this file' } })
          break
        case 'TRANS_STMT_BEGIN':
        case 'TRANS_STMT_START':
          ctx.report({ messageId: 'begin' })
          break
        default:
          break
      }
    },
  }),
})
