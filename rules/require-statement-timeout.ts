import { displayName, optionEnabled } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import type { Statement } from '../src/sql/parse.js'
import { WORK_VERBS, workDoneBy } from '../src/lint/statement-work.js'

const BASE = 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total int, status text);'

/** A cancelled CONCURRENTLY build leaves an INVALID index behind, and it blocks no traffic: a timeout there does more harm than good. */
function isConcurrentBuild(statement: Statement): boolean {
  const node = statement.node
  if (statement.kind === 'IndexStmt') return Boolean(node?.concurrent)
  return statement.kind === 'ReindexStmt' && optionEnabled(node?.params, 'concurrently')
}

export default defineRule({
  meta: {
    id: 'require-statement-timeout',
    severity: 'warning',
    category: 'locks',
    summary: 'Set statement_timeout before statements whose run time grows with an existing table',
    rationale:
      'Rewrites (`ALTER COLUMN TYPE` that is not binary-coercible, volatile `ADD COLUMN … DEFAULT`, `SET LOGGED`, `VACUUM FULL`, `CLUSTER`, `REFRESH MATERIALIZED VIEW`), validating scans (`ADD CONSTRAINT` without `NOT VALID`, `VALIDATE CONSTRAINT`, `SET NOT NULL`), index builds and backfills (`UPDATE`/`DELETE` beyond a key lookup, `INSERT … SELECT`) take about a second per million narrow rows, far more on wide tables. Without a statement_timeout nothing bounds them: the deploy hangs, and every lock the transaction holds (under drizzle-orm\'s migrator, every lock taken since the first pending migration) stays held the whole time.',
    safeAlternative:
      'Start the transaction with `SET LOCAL statement_timeout = \'…\';` sized from the table\'s row count (measured on a copy of production), so an unexpectedly slow statement fails and rolls back instead of holding locks indefinitely; move long work (backfills, index builds) out of the schema migration.',
    messages: {
      missingStatementTimeout: '{{action}} {{verb}} {{table}} with no statement_timeout set in this transaction: its run time grows with the table and nothing stops it.',
    },
    exemptions: [
      'Tables created earlier in the same change: they are empty.',
      'Catalog-only statements (nullable or constant-default `ADD COLUMN`, binary-coercible type changes, `NOT VALID` constraints, renames, drops), and `UPDATE`/`DELETE` that pin a primary key or unique index to constants.',
      '`CREATE INDEX CONCURRENTLY` and `REINDEX CONCURRENTLY`: they block no traffic, and a cancelled build leaves an INVALID index behind.',
      'Transactions where `SET [LOCAL] statement_timeout` or `set_config(\'statement_timeout\', …)` ran earlier, or where the config says the runner sets it (`lint.assumeStatementTimeout`).',
      'One finding per transaction: one setting at its start covers every statement in it.',
    ],
    pgDocs: 'runtime-config-client.html#GUC-STATEMENT-TIMEOUT',
    aliases: ['squawk:require-statement-timeout'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE bigint;', base: BASE }],
      good: [
        { sql: 'SET LOCAL statement_timeout = \'60s\';\n--> statement-breakpoint\nALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE bigint;', base: BASE },
        { sql: 'ALTER TABLE "orders" ADD COLUMN "note" text;', base: BASE },
      ],
    },
    tests: {
      valid: [
        { name: 'binary-coercible type change', base: 'CREATE TABLE users (id bigint, email varchar(100));', sql: 'ALTER TABLE users ALTER COLUMN email TYPE varchar(320);' },
        { name: 'constraint added NOT VALID', base: BASE, sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;' },
        { name: 'key lookup', base: BASE, sql: "UPDATE orders SET status = 'void' WHERE id = 42;" },
        { name: 'concurrent index build', base: BASE, sql: 'CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);', transaction: 'none' },
        { name: 'rewrite of a table created in the change', sql: 'CREATE TABLE tmp (id int);\n--> statement-breakpoint\nALTER TABLE tmp ALTER COLUMN id TYPE bigint;' },
        { name: 'the runner sets it', base: BASE, sql: 'CREATE INDEX orders_user_idx ON orders (user_id);', config: { lint: { assumeStatementTimeout: true } } },
      ],
      invalid: [
        {
          name: 'once per transaction, at the first qualifying statement',
          base: BASE,
          sql: 'ALTER TABLE orders ADD COLUMN note text;\n--> statement-breakpoint\nCREATE INDEX orders_user_idx ON orders (user_id);\n--> statement-breakpoint\nUPDATE orders SET status = \'open\' WHERE status IS NULL;',
          errors: [{ messageId: 'missingStatementTimeout', line: 3, column: 33 }],
        },
        { name: 'validating foreign key', base: `${BASE}\nCREATE TABLE users (id bigint PRIMARY KEY);`, sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);', errors: [{ messageId: 'missingStatementTimeout' }] },
        { name: 'INSERT … SELECT copying an existing table into a new one', base: BASE, sql: 'CREATE TABLE orders_archive (id bigint);\n--> statement-breakpoint\nINSERT INTO orders_archive SELECT id FROM orders;', errors: [{ messageId: 'missingStatementTimeout', line: 3 }] },
        { name: 'a timeout reset to 0 does not count', base: BASE, sql: 'SET statement_timeout = 0;\n--> statement-breakpoint\nVACUUM FULL orders;', transaction: 'none', errors: [{ messageId: 'missingStatementTimeout', line: 3 }] },
      ],
    },
  },
  check: (ctx) => {
    const reported = new Set<number>()
    return {
      Statement(statement) {
        const { transaction } = ctx
        if (transaction.statementTimeoutSet || reported.has(transaction.id) || isConcurrentBuild(statement)) return
        const work = workDoneBy(statement, ctx).find((w) => ctx.isExistingTable(w.table))
        if (!work) return
        reported.add(transaction.id)
        ctx.report({ messageId: 'missingStatementTimeout', data: { action: work.action, verb: WORK_VERBS[work.kind], table: displayName(work.table) }, node: work.node })
      },
    }
  },
})
