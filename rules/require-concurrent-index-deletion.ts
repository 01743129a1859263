import { displayName, refOfNames, stringsOf } from '../src/lint/ast.js'
import { commitsOnItsOwn, insertAfterPrefix } from '../src/lint/fixes.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE orders (id bigint, user_id bigint);\nCREATE INDEX orders_user_id_idx ON orders (user_id);'

export default defineRule({
  meta: {
    id: 'require-concurrent-index-deletion',
    severity: 'warning',
    category: 'locks',
    summary: 'Drop indexes of existing tables with DROP INDEX CONCURRENTLY',
    rationale:
      '`DROP INDEX` takes ACCESS EXCLUSIVE on the index\'s table. The drop itself is quick, but the lock request queues behind every running query on the table and every later query queues behind it, and inside a transaction the lock is held until COMMIT (under drizzle-orm\'s migrator: the end of the last pending migration). Reads and writes of the table stop for all that time.',
    safeAlternative:
      'Use `DROP INDEX CONCURRENTLY` (SHARE UPDATE EXCLUSIVE: reads and writes continue) in a migration that runs outside a transaction block. It drops one index per statement and does not support CASCADE.',
    messages: {
      missingConcurrently: 'Index {{index}} is dropped without CONCURRENTLY: DROP INDEX takes ACCESS EXCLUSIVE on {{table}}, blocking its reads and writes until the transaction commits.',
    },
    fix: 'Adds CONCURRENTLY when the statement runs outside a transaction block and drops a single index without CASCADE (the forms DROP INDEX CONCURRENTLY accepts).',
    exemptions: [
      'Indexes of tables created earlier in the same change.',
      'Indexes of partitioned tables: PostgreSQL cannot drop them concurrently.',
    ],
    pgDocs: 'sql-dropindex.html',
    aliases: ['squawk:require-concurrent-index-deletion'],
    examples: {
      bad: [{ sql: 'DROP INDEX "orders_user_id_idx";', base: BASE }],
      good: [
        { sql: 'DROP INDEX CONCURRENTLY IF EXISTS "orders_user_id_idx";', base: BASE, transaction: 'none' },
        { sql: 'CREATE TABLE carts (id bigint);\nCREATE INDEX carts_id_idx ON carts (id);\nDROP INDEX carts_id_idx;' },
      ],
    },
    tests: {
      valid: [
        { name: 'index of a partitioned table (cannot be dropped concurrently)', base: 'CREATE TABLE events (id bigint, at timestamptz) PARTITION BY RANGE (at);\nCREATE INDEX events_at_idx ON events (at);', sql: 'DROP INDEX events_at_idx;' },
        { name: 'dropping a table is not an index drop', base: BASE, sql: 'DROP TABLE IF EXISTS scratch;' },
      ],
      invalid: [
        {
          name: 'fix outside a transaction keeps IF EXISTS and the schema',
          base: 'CREATE SCHEMA app;\nCREATE TABLE app.orders (id bigint);\nCREATE INDEX orders_id_idx ON app.orders (id);',
          sql: 'DROP INDEX IF EXISTS "app"."orders_id_idx";',
          transaction: 'none',
          errors: [{ messageId: 'missingConcurrently', line: 1, column: 1 }],
          output: 'DROP INDEX CONCURRENTLY IF EXISTS "app"."orders_id_idx";',
        },
        {
          name: 'after a COMMIT the rest of the batch runs in autocommit, so the fix applies',
          base: BASE,
          sql: 'COMMIT;\n--> statement-breakpoint\nDROP INDEX orders_user_id_idx;',
          errors: [{ messageId: 'missingConcurrently', line: 3 }],
          output: 'COMMIT;\n--> statement-breakpoint\nDROP INDEX CONCURRENTLY orders_user_id_idx;',
        },
        { name: 'no fix inside the runner transaction', base: BASE, sql: 'DROP INDEX orders_user_id_idx;', errors: [{ messageId: 'missingConcurrently' }], output: null },
        {
          name: 'several indexes in one statement: each is reported, no fix (CONCURRENTLY drops one index)',
          base: `${BASE}\nCREATE INDEX orders_id_idx ON orders (id);`,
          sql: 'DROP INDEX orders_user_id_idx, orders_id_idx;',
          transaction: 'none',
          errors: [{ messageId: 'missingConcurrently' }, { messageId: 'missingConcurrently' }],
          output: null,
        },
        { name: 'no fix inside a DO block (CONCURRENTLY cannot run in a function)', base: BASE, sql: 'DO $$ BEGIN DROP INDEX orders_user_id_idx; END $$;', transaction: 'none', errors: [{ messageId: 'missingConcurrently', column: 13 }], output: null },
        { name: 'no fix with CASCADE', base: BASE, sql: 'DROP INDEX orders_user_id_idx CASCADE;', transaction: 'none', errors: [{ messageId: 'missingConcurrently' }], output: null },
        { name: 'an index dba-review does not know is assumed to belong to an existing table', sql: 'DROP INDEX legacy_idx;', errors: [{ messageId: 'missingConcurrently' }], output: null },
      ],
    },
  },
  check: (ctx) => ({
    DropStmt(node) {
      if (node.removeType !== 'OBJECT_INDEX' || node.concurrent) return
      const objects = node.objects ?? []
      const statement = ctx.statement
      const fixable = statement && commitsOnItsOwn(ctx) && objects.length === 1 && node.behavior !== 'DROP_CASCADE'
      const edit = fixable ? insertAfterPrefix(statement, /^DROP\s+INDEX\b/i, ' CONCURRENTLY') : undefined
      for (const object of objects) {
        const ref = refOfNames(stringsOf(object.List?.items))
        if (!ref) continue
        const table = ctx.schema.tableOfIndex(ref.schema, ref.name)
        if (table && (!ctx.isExistingTable(table) || table.kind === 'partitioned')) continue
        ctx.report({
          messageId: 'missingConcurrently',
          data: { index: displayName(ref), table: table ? displayName(table) : 'its table' },
          fix: edit ? { description: 'Drop the index with CONCURRENTLY', edits: [edit] } : undefined,
        })
      }
    },
  }),
})
