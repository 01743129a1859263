import { alterTableCommands, optionEnabled, refOfNames, stringsOf } from '../src/lint/ast.js'
import { commitsOnItsOwn, removeMatch } from '../src/lint/fixes.js'
import type { PgNode } from '../src/sql/parse.js'
import { defineRule, type RuleContext } from '../src/lint/rule.js'

type MessageId = 'runnerBatch' | 'runnerFile' | 'explicitBegin' | 'insideDoBlock'

const BASE = 'CREATE TABLE orders (id bigint, user_id bigint);'

/** Whether an index's table was created earlier in the change (an unknown index is assumed to be on an existing table). */
function indexOfNewTable(ctx: RuleContext<MessageId>, parts: string[]): boolean {
  const ref = refOfNames(parts)
  const table = ref && ctx.schema.tableOfIndex(ref.schema, ref.name)
  return table !== undefined && !ctx.isExistingTable(table)
}

export default defineRule<MessageId>({
  meta: {
    id: 'ban-concurrent-index-creation-in-transaction',
    severity: 'error',
    category: 'locks',
    summary: 'Do not run CONCURRENTLY statements, or REINDEX of a whole schema or database, inside a transaction or DO block',
    rationale:
      '`CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY` and `DETACH PARTITION … CONCURRENTLY` commit several times internally, and `REINDEX SCHEMA` / `DATABASE` / `SYSTEM` commit once per table, so PostgreSQL refuses them inside a transaction block ("cannot run inside a transaction block") and in a DO block ("cannot be executed from a function"). drizzle-orm\'s migrator runs **every pending migration in one transaction** and has no per-migration opt-out (drizzle-orm#860), so such a statement fails the deploy and rolls back the whole batch, even though it passes in `drizzle-kit push` or psql.',
    safeAlternative:
      'On a table created earlier in the same change, drop CONCURRENTLY: the table serves no traffic yet. Otherwise the statement must run outside a transaction. With drizzle-orm the only way is `COMMIT;--> statement-breakpoint` right before it, and that has a cost: every statement after it, **later pending files included**, runs in autocommit, so each must be idempotent (`IF NOT EXISTS` / `IF EXISTS`); a failure leaves the batch half-applied and unrecorded, to be re-run from the start; and a failed `CREATE INDEX CONCURRENTLY` leaves an INVALID index that must be dropped before retrying.',
    messages: {
      runnerBatch: '{{statement}} cannot run inside a transaction block, and the runner applies all pending migrations in one transaction (as drizzle-orm\'s migrator does): the deploy fails and the whole batch rolls back.',
      runnerFile: '{{statement}} cannot run inside a transaction block, and the runner wraps each migration file in a transaction: the migration fails.',
      explicitBegin: '{{statement}} cannot run inside a transaction block, and this one runs inside the transaction opened by BEGIN earlier in the migrations: it fails.',
      insideDoBlock: '{{statement}} cannot be executed from a function, and this one runs inside a DO block: it fails, even in autocommit.',
    },
    fix: 'Removes CONCURRENTLY when the table was created earlier in the same change (a plain statement on a table with no traffic locks nothing that matters); never inserts COMMIT.',
    exemptions: ['Statements that run in autocommit: `transaction: none`, or after a `COMMIT;` that ended the runner\'s transaction.'],
    pgDocs: 'sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
    aliases: ['squawk:ban-concurrent-index-creation-in-transaction'],
    examples: {
      bad: [{ sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_user_id_idx" ON "orders" USING btree ("user_id");', base: BASE }],
      good: [
        { sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_user_id_idx" ON "orders" USING btree ("user_id");', base: BASE, transaction: 'none' },
        { name: 'after COMMIT ended the runner transaction', sql: 'COMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_user_id_idx" ON "orders" ("user_id");', base: BASE },
      ],
    },
    tests: {
      valid: [{ name: 'plain statements inside the transaction', base: BASE, sql: 'CREATE INDEX orders_user_id_idx ON orders (user_id);\nDROP INDEX orders_user_id_idx;' }],
      invalid: [
        {
          name: 'index on a table created earlier in the change: the fix removes CONCURRENTLY',
          sql: 'CREATE TABLE "carts" ("id" bigint, "user_id" bigint);\n--> statement-breakpoint\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "carts_user_id_idx" ON "carts" ("user_id");',
          errors: [{ messageId: 'runnerBatch', line: 3 }],
          output: 'CREATE TABLE "carts" ("id" bigint, "user_id" bigint);\n--> statement-breakpoint\nCREATE UNIQUE INDEX IF NOT EXISTS "carts_user_id_idx" ON "carts" ("user_id");',
        },
        {
          name: 'a later file of the same pending batch is still inside the one transaction',
          base: BASE,
          sql: 'ALTER TABLE orders ADD COLUMN note text;',
          more: ['CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);'],
          errors: [{ messageId: 'runnerBatch', file: 1 }],
          output: null,
        },
        { name: 'a per-file runner', base: BASE, sql: 'CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);', transaction: 'per-file', errors: [{ messageId: 'runnerFile' }], output: null },
        {
          name: 'an explicit BEGIN in an autocommit runner',
          base: `${BASE}\nCREATE INDEX orders_user_id_idx ON orders (user_id);`,
          sql: 'BEGIN;\nDROP INDEX CONCURRENTLY orders_user_id_idx;\nCOMMIT;',
          transaction: 'none',
          errors: [{ messageId: 'explicitBegin', line: 2 }],
          output: null,
        },
        {
          name: 'REINDEX with the CONCURRENTLY option and with the keyword (fixable on a new table)',
          base: `${BASE}\nCREATE INDEX orders_user_id_idx ON orders (user_id);`,
          sql: 'REINDEX (CONCURRENTLY) INDEX orders_user_id_idx;\nCREATE TABLE carts (id bigint);\nREINDEX TABLE CONCURRENTLY carts;',
          errors: [{ messageId: 'runnerBatch', line: 1 }, { messageId: 'runnerBatch', line: 3 }],
          output: 'REINDEX (CONCURRENTLY) INDEX orders_user_id_idx;\nCREATE TABLE carts (id bigint);\nREINDEX TABLE carts;',
        },
        {
          name: 'inside a DO block, even in autocommit',
          base: BASE,
          sql: 'DO $$ BEGIN\n  CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);\nEXCEPTION WHEN duplicate_table THEN null;\nEND $$;',
          transaction: 'none',
          errors: [{ messageId: 'insideDoBlock', line: 2, column: 3 }],
          output: null,
        },
        { name: 'REINDEX SCHEMA commits per table, like CONCURRENTLY', sql: 'REINDEX SCHEMA public;', errors: [{ messageId: 'runnerBatch' }], output: null },
        {
          name: 'DETACH PARTITION CONCURRENTLY of a partitioned table created in the change',
          sql: 'CREATE TABLE events (id bigint, at int) PARTITION BY RANGE (at);\nCREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (10);\nALTER TABLE events DETACH PARTITION events_1 CONCURRENTLY;',
          errors: [{ messageId: 'runnerBatch', line: 3 }],
          output: 'CREATE TABLE events (id bigint, at int) PARTITION BY RANGE (at);\nCREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (10);\nALTER TABLE events DETACH PARTITION events_1;',
        },
      ],
    },
  },
  check: (ctx) => {
    const report = (statement: string, newTable: boolean, removal: RegExp): void => {
      if (!ctx.statement || commitsOnItsOwn(ctx)) return
      const edit = newTable ? removeMatch(ctx.statement, removal) : undefined
      ctx.report({
        messageId: ctx.statement.inDoBlock ? 'insideDoBlock' : ctx.transaction.explicit ? 'explicitBegin' : ctx.transaction.mode === 'per-file' ? 'runnerFile' : 'runnerBatch',
        data: { statement },
        fix: edit ? { description: 'Remove CONCURRENTLY: the table was created earlier in this change and serves no traffic yet', edits: [edit] } : undefined,
      })
    }
    return {
      IndexStmt(node) {
        if (node.concurrent) report('CREATE INDEX CONCURRENTLY', !ctx.isExistingTable(node.relation), /(?<=^CREATE\s+(UNIQUE\s+)?INDEX\s+)CONCURRENTLY\s+/i)
      },
      DropStmt(node) {
        if (node.removeType !== 'OBJECT_INDEX' || !node.concurrent) return
        const objects: PgNode[] = node.objects ?? []
        report('DROP INDEX CONCURRENTLY', objects.every((o) => indexOfNewTable(ctx, stringsOf(o.List?.items))), /(?<=^DROP\s+INDEX\s+)CONCURRENTLY\s+/i)
      },
      ReindexStmt(node) {
        const concurrent = optionEnabled(node.params, 'concurrently')
        const kind = String(node.kind).replace('REINDEX_OBJECT_', '')
        if (!concurrent && kind !== 'SCHEMA' && kind !== 'DATABASE' && kind !== 'SYSTEM') return
        const newTable =
          kind === 'TABLE' ? !ctx.isExistingTable(node.relation) : kind === 'INDEX' && indexOfNewTable(ctx, [node.relation.schemaname, node.relation.relname].filter(Boolean))
        // Only the keyword form is fixed; the option form `(CONCURRENTLY)` stays as written.
        report(concurrent ? 'REINDEX CONCURRENTLY' : `REINDEX ${kind}`, newTable, /(?<=^REINDEX\s+(INDEX|TABLE)\s+)CONCURRENTLY\s+/i)
      },
      AlterTableStmt(node) {
        for (const cmd of alterTableCommands(node)) {
          if (cmd.subtype === 'AT_DetachPartition' && cmd.def?.PartitionCmd?.concurrent) report('DETACH PARTITION … CONCURRENTLY', !ctx.isExistingTable(node.relation), /\s+CONCURRENTLY(?=\s*;?$)/i)
        }
      },
    }
  },
})
