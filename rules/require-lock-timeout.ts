import * as z from 'zod/mini'
import { displayName } from '../src/lint/ast.js'
import { insertStatementBefore } from '../src/lint/fixes.js'
import { isDangerousLock, locksTakenBy } from '../src/lint/lock-modes.js'
import { defineRule } from '../src/lint/rule.js'

const optionsSchema = z.strictObject({
  lockTimeout: z
    ._default(z.string().check(z.regex(/^[1-9]\d*\s*(ms|s|min)?$/, 'a PostgreSQL duration such as 2s or 500ms')), '5s')
    .check(z.describe('The value the fix sets: how long a lock request may wait (and hold up the queries behind it) before the migration fails.')),
})

const BASE = 'CREATE TABLE orders (id bigint PRIMARY KEY, status text);'

export default defineRule({
  meta: {
    id: 'require-lock-timeout',
    severity: 'warning',
    category: 'locks',
    summary: 'Set lock_timeout before taking a lock that blocks traffic on an existing table',
    rationale:
      'A lock request that cannot be granted waits, and while it waits every later request that conflicts with it queues behind it: the lock queue. A statement needing SHARE or stronger (ACCESS EXCLUSIVE for most `ALTER TABLE`, SHARE for `CREATE INDEX`, SHARE ROW EXCLUSIVE for a foreign key or trigger) that waits behind one long-running query or idle transaction on the table therefore stops all writes (with ACCESS EXCLUSIVE: all reads too) for as long as that query runs, even though the statement itself would take milliseconds. Measured on PostgreSQL: a 0.6 ms `ADD COLUMN` waiting behind an idle transaction held a plain `SELECT count(*)` for 7 s; with `lock_timeout = \'2s\'` the migration failed after 2 s and the read went through.',
    safeAlternative:
      'Start the transaction with `SET LOCAL lock_timeout = \'5s\';` (or lower, with retries in the deploy: pgroll uses 500 ms, GitLab from 100 ms); in a migration that runs without a transaction, `SET lock_timeout = \'5s\';` at its top. If the lock cannot be had in time the migration fails and can be retried, instead of stalling production; `SET LOCAL` ends with the transaction, so the setting does not leak into a pooled connection.',
    options: optionsSchema,
    messages: {
      missingLockTimeout:
        '{{action}} takes {{mode}} on {{table}} with no lock_timeout set in this transaction: if it waits behind a long query or an idle transaction, every later query on {{table}} that conflicts with it queues behind it.',
    },
    fix: 'Inserts `SET LOCAL lock_timeout = \'5s\';` (the `lockTimeout` option) before the first statement of the transaction in this file, when the statement runs inside the runner\'s or an explicit transaction; in autocommit a session-level setting may not reach the next statement (HTTP drivers), so no fix is offered there.',
    exemptions: [
      'Tables created earlier in the same change: nobody else can be waiting on them.',
      'Locks weaker than SHARE (SHARE UPDATE EXCLUSIVE for CONCURRENTLY, VALIDATE CONSTRAINT, SET STATISTICS): they do not block reads or writes.',
      'Transactions where `SET [LOCAL] lock_timeout` or `set_config(\'lock_timeout\', …)` ran earlier, or where the config says the runner sets it (`lint.assumeLockTimeout`).',
      'One finding per transaction: one setting at its start covers every statement in it.',
    ],
    pgDocs: 'runtime-config-client.html#GUC-LOCK-TIMEOUT',
    aliases: ['squawk:require-lock-timeout'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "orders" ADD COLUMN "note" text;', base: BASE }],
      good: [
        { sql: 'SET LOCAL lock_timeout = \'5s\';\n--> statement-breakpoint\nALTER TABLE "orders" ADD COLUMN "note" text;', base: BASE },
        { sql: 'CREATE TABLE "refunds" (id bigint PRIMARY KEY);\n--> statement-breakpoint\nCREATE INDEX "refunds_id_idx" ON "refunds" (id);' },
      ],
    },
    tests: {
      valid: [
        { name: 'the runner sets it (config)', base: BASE, sql: 'ALTER TABLE orders ADD COLUMN note text;', config: { lint: { assumeLockTimeout: true } } },
        { name: 'set_config in an earlier file of the same transaction', base: BASE, sql: "SELECT set_config('lock_timeout', '2s', true);", more: ['ALTER TABLE orders ADD COLUMN note text;'] },
        { name: 'SHARE UPDATE EXCLUSIVE does not block traffic', base: BASE, sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', transaction: 'none' },
        { name: 'plain DML takes ROW EXCLUSIVE', base: BASE, sql: "UPDATE orders SET status = 'open' WHERE id = 1;" },
      ],
      invalid: [
        {
          name: 'once per transaction, at the first dangerous statement; fix at the top of the file',
          base: BASE,
          sql: '-- add the note\nALTER TABLE orders ADD COLUMN note text;--> statement-breakpoint\nCREATE INDEX orders_status_idx ON orders (status);',
          errors: [{ messageId: 'missingLockTimeout', line: 2, column: 13 }],
          output: "-- add the note\nSET LOCAL lock_timeout = '5s';--> statement-breakpoint\nALTER TABLE orders ADD COLUMN note text;--> statement-breakpoint\nCREATE INDEX orders_status_idx ON orders (status);",
        },
        {
          name: 'the fix goes above the statement\'s ignore directive and uses the option',
          base: BASE,
          sql: '-- dba-review-ignore ban-drop-column: unused since v42\nALTER TABLE orders DROP COLUMN status;',
          options: { lockTimeout: '2s' },
          errors: [{ messageId: 'missingLockTimeout', line: 2 }],
          output: "SET LOCAL lock_timeout = '2s';\n-- dba-review-ignore ban-drop-column: unused since v42\nALTER TABLE orders DROP COLUMN status;",
        },
        {
          name: 'SHARE ROW EXCLUSIVE on the referenced table of a new table\'s foreign key',
          base: BASE,
          sql: 'CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));',
          errors: [{ messageId: 'missingLockTimeout', line: 1, column: 73 }],
          output: "SET LOCAL lock_timeout = '5s';\nCREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));",
        },
        {
          name: 'the fix goes before the first statement of the transaction in the file, not before the locking one',
          base: BASE,
          sql: 'CREATE TABLE refunds (id bigint);\n--> statement-breakpoint\nCREATE INDEX orders_status_idx ON orders (status);',
          errors: [{ messageId: 'missingLockTimeout', line: 3 }],
          output: "SET LOCAL lock_timeout = '5s';--> statement-breakpoint\nCREATE TABLE refunds (id bigint);\n--> statement-breakpoint\nCREATE INDEX orders_status_idx ON orders (status);",
        },
        {
          name: 'autocommit (after COMMIT): a new report, no fix; the earlier transaction had its own setting',
          base: BASE,
          sql: "SET LOCAL lock_timeout = '1s';\n--> statement-breakpoint\nALTER TABLE orders ADD COLUMN a int;\n--> statement-breakpoint\nCOMMIT;\n--> statement-breakpoint\nALTER TABLE orders ADD COLUMN b int;",
          errors: [{ messageId: 'missingLockTimeout', line: 7 }],
          output: null,
        },
        {
          name: 'inside a DO block: the setting goes before the DO statement',
          base: BASE,
          sql: 'DO $$ BEGIN ALTER TABLE orders ADD COLUMN note text; END $$;',
          errors: [{ messageId: 'missingLockTimeout', line: 1, column: 25 }],
          output: "SET LOCAL lock_timeout = '5s';\nDO $$ BEGIN ALTER TABLE orders ADD COLUMN note text; END $$;",
        },
        { name: 'lock_timeout = 0 disables it', base: BASE, sql: "SET lock_timeout = 0;\nALTER TABLE orders ADD COLUMN note text;", transaction: 'none', errors: [{ messageId: 'missingLockTimeout', line: 2 }], output: null },
        {
          name: 'per-file transactions: one report per file',
          base: BASE,
          sql: 'ALTER TABLE orders ADD COLUMN a int;',
          more: ['ALTER TABLE orders ADD COLUMN b int;'],
          transaction: 'per-file',
          errors: [{ messageId: 'missingLockTimeout', file: 0 }, { messageId: 'missingLockTimeout', file: 1 }],
          output: "SET LOCAL lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN a int;",
        },
      ],
    },
  },
  check: (ctx) => {
    const { lockTimeout } = ctx.options as z.output<typeof optionsSchema>
    const reported = new Set<number>()
    return {
      Statement(statement) {
        const { transaction, migration } = ctx
        if (transaction.lockTimeoutSet || reported.has(transaction.id) || !migration) return
        const lock = locksTakenBy(statement, ctx).find((l) => isDangerousLock(l.mode) && ctx.isExistingTable(l.table))
        if (!lock) return
        reported.add(transaction.id)
        // The first top-level statement of this transaction in this file (never inside a DO body): a setting there covers the whole transaction from here on.
        const first = ctx.statementsBeforeInTransaction().find((s) => s.migration === migration && !s.statement.inDoBlock)?.statement ?? (statement.inDoBlock ? undefined : statement)
        ctx.report({
          messageId: 'missingLockTimeout',
          data: { action: lock.action, mode: lock.mode, table: displayName(lock.table) },
          node: lock.node,
          fix: transaction.inTransaction && first
            ? { description: `Set lock_timeout to ${lockTimeout} for this transaction`, edits: [insertStatementBefore(migration, first, `SET LOCAL lock_timeout = '${lockTimeout}';`)] }
            : undefined,
        })
      },
    }
  },
})
