import { commitsOnItsOwn, insertAfterPrefix } from '../src/lint/fixes.js'
import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'require-concurrent-index-creation',
    severity: 'error',
    category: 'locks',
    summary: 'Build indexes on existing tables with CREATE INDEX CONCURRENTLY',
    rationale:
      '`CREATE INDEX` takes a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits until the index is built, which grows linearly with the table (about 1 s per million narrow rows, far more on wide tables).',
    safeAlternative:
      'Use `CREATE INDEX CONCURRENTLY` (SHARE UPDATE EXCLUSIVE: reads and writes continue) in a migration that runs outside a transaction block.',
    messages: {
      missingConcurrently: 'Index {{name}} on existing table {{table}} is built without CONCURRENTLY: writes to {{table}} are blocked for the whole build.',
    },
    fix: 'Adds CONCURRENTLY when the statement runs outside a transaction block; inside the runner\'s transaction CONCURRENTLY would fail, so no fix is offered there.',
    exemptions: ['Tables created earlier in the same change: they hold no data and serve no traffic yet.', 'Partitioned parents (CONCURRENTLY is not supported there; index each partition).'],
    pgDocs: 'sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
    aliases: ['squawk:require-concurrent-index-creation'],
    examples: {
      bad: [{ sql: 'CREATE INDEX orders_user_id_idx ON orders (user_id);', base: 'CREATE TABLE orders (id bigint, user_id bigint);' }],
      good: [
        { sql: 'CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);', base: 'CREATE TABLE orders (id bigint, user_id bigint);', transaction: 'none' },
        { sql: 'CREATE TABLE orders (id bigint, user_id bigint);\nCREATE INDEX orders_user_id_idx ON orders (user_id);' },
      ],
    },
    tests: {
      valid: [
        { name: 'partitioned parent cannot be indexed concurrently', base: 'CREATE TABLE events (id bigint, at timestamptz) PARTITION BY RANGE (at);', sql: 'CREATE INDEX events_at_idx ON events (at);' },
        { name: 'table renamed after creation in the same change', sql: 'CREATE TABLE a (id int);\nALTER TABLE a RENAME TO b;\nCREATE INDEX b_id_idx ON b (id);' },
      ],
      invalid: [
        {
          name: 'fix offered outside a transaction',
          base: 'CREATE TABLE orders (id bigint, user_id bigint);',
          sql: 'CREATE UNIQUE INDEX orders_user_id_idx ON orders (user_id);',
          transaction: 'none',
          errors: [{ messageId: 'missingConcurrently', line: 1, column: 1 }],
          output: 'CREATE UNIQUE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);',
        },
        {
          name: 'no fix inside the runner transaction',
          base: 'CREATE TABLE orders (id bigint, user_id bigint);',
          sql: 'CREATE INDEX orders_user_id_idx ON orders (user_id);',
          errors: [{ messageId: 'missingConcurrently', line: 1 }],
          output: null,
        },
        {
          name: 'no fix inside a DO block, which runs as one transaction',
          base: 'CREATE TABLE orders (id bigint, user_id bigint);',
          sql: 'COMMIT;\nDO $$ BEGIN\n  CREATE INDEX orders_user_id_idx ON orders (user_id);\nEND $$;',
          errors: [{ messageId: 'missingConcurrently', line: 3, column: 3 }],
          output: null,
        },
        {
          name: 'table created in the base, indexed in the change, with a schema',
          base: 'CREATE TABLE app.orders (id bigint);',
          sql: 'CREATE INDEX orders_id_idx ON app.orders (id);',
          errors: [{ messageId: 'missingConcurrently' }],
        },
      ],
    },
  },
  check: (ctx) => ({
    IndexStmt(node) {
      if (node.concurrent || !ctx.isExistingTable(node.relation)) return
      if (ctx.schema.table(node.relation)?.kind === 'partitioned') return
      const table = node.relation.schemaname ? `${node.relation.schemaname}.${node.relation.relname}` : node.relation.relname
      const statement = ctx.statement
      const concurrently = statement && commitsOnItsOwn(ctx) ? insertAfterPrefix(statement, /CREATE\s+(UNIQUE\s+)?INDEX\b/i, ' CONCURRENTLY') : undefined
      ctx.report({
        messageId: 'missingConcurrently',
        data: { name: node.idxname ?? '(unnamed)', table },
        fix: concurrently ? { description: 'Build the index with CONCURRENTLY', edits: [concurrently] } : undefined,
      })
    },
  }),
})
