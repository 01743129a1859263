import { displayName, optionEnabled } from '../src/lint/ast.js'
import { commitsOnItsOwn, insertAfterPrefix } from '../src/lint/fixes.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE orders (id bigint, user_id bigint);\nCREATE INDEX orders_user_id_idx ON orders (user_id);'

export default defineRule({
  meta: {
    id: 'require-concurrent-reindex',
    severity: 'error',
    category: 'locks',
    summary: 'Rebuild indexes of existing tables with REINDEX CONCURRENTLY (PostgreSQL 12+)',
    rationale:
      '`REINDEX` rebuilds each index from scratch while holding SHARE on its table (every INSERT, UPDATE and DELETE waits) and ACCESS EXCLUSIVE on the index itself (queries whose plans would use it wait too). The rebuild takes as long as building the index, about 1 s per million narrow rows and far more on wide tables.',
    safeAlternative:
      'Use `REINDEX … CONCURRENTLY` (PostgreSQL 12+; SHARE UPDATE EXCLUSIVE: reads and writes continue) in a migration that runs outside a transaction block. A failed concurrent rebuild leaves an invalid `_ccnew` index to drop.',
    messages: {
      missingConcurrently: 'REINDEX {{kind}} {{target}} runs without CONCURRENTLY: writes to {{table}} (and queries using the rebuilt indexes) wait for the whole rebuild.',
      missingConcurrentlyMany: 'REINDEX {{kind}} {{target}} runs without CONCURRENTLY: it rebuilds every index in it, each blocking writes to its table (and queries using it) while it is rebuilt.',
    },
    fix: 'Adds CONCURRENTLY when the statement runs outside a transaction block.',
    exemptions: [
      'Indexes and tables created earlier in the same change.',
      'PostgreSQL before 12 (`postgres.version`), which has no REINDEX CONCURRENTLY.',
      '`REINDEX SYSTEM`: system catalogs cannot be reindexed concurrently.',
      '`REINDEX SCHEMA` / `DATABASE` inside a transaction block or a DO block: they cannot run there at all, which ban-concurrent-index-creation-in-transaction reports.',
    ],
    pgDocs: 'sql-reindex.html#SQL-REINDEX-CONCURRENTLY',
    aliases: ['squawk:require-concurrent-reindex'],
    examples: {
      bad: [{ sql: 'REINDEX INDEX "orders_user_id_idx";', base: BASE }],
      good: [
        { sql: 'REINDEX INDEX CONCURRENTLY "orders_user_id_idx";', base: BASE, transaction: 'none' },
        { sql: 'CREATE TABLE carts (id bigint);\nREINDEX TABLE carts;' },
      ],
    },
    tests: {
      valid: [
        { name: 'the parenthesised CONCURRENTLY option', base: BASE, sql: 'REINDEX (VERBOSE, CONCURRENTLY) TABLE orders;', transaction: 'none' },
        { name: 'PostgreSQL 11 has no REINDEX CONCURRENTLY', base: BASE, sql: 'REINDEX TABLE orders;', pgVersion: 11 },
        { name: 'REINDEX SYSTEM cannot be concurrent', sql: 'REINDEX SYSTEM;', transaction: 'none' },
        { name: 'REINDEX SCHEMA inside the runner transaction fails anyway', sql: 'REINDEX SCHEMA public;' },
        { name: 'index of a table created in the change', sql: 'CREATE TABLE carts (id bigint);\nCREATE INDEX carts_id_idx ON carts (id);\nREINDEX INDEX carts_id_idx;' },
      ],
      invalid: [
        { name: 'table, inside the runner transaction: no fix', base: BASE, sql: 'REINDEX TABLE "orders";', errors: [{ messageId: 'missingConcurrently', line: 1, column: 1 }], output: null },
        {
          name: 'an option list turned off, outside a transaction: the fix adds the keyword after the object kind',
          base: BASE,
          sql: 'REINDEX (CONCURRENTLY false) TABLE orders;',
          transaction: 'none',
          errors: [{ messageId: 'missingConcurrently' }],
          output: 'REINDEX (CONCURRENTLY false) TABLE CONCURRENTLY orders;',
        },
        { name: 'a schema: every table in it', sql: 'REINDEX SCHEMA public;', transaction: 'none', errors: [{ messageId: 'missingConcurrentlyMany' }], output: 'REINDEX SCHEMA CONCURRENTLY public;' },
        {
          name: 'inside a DO block in autocommit: no fix (CONCURRENTLY cannot run in a function)',
          base: BASE,
          sql: 'DO $$ BEGIN\n  REINDEX INDEX orders_user_id_idx;\nEND $$;',
          transaction: 'none',
          errors: [{ messageId: 'missingConcurrently', line: 2, column: 3 }],
          output: null,
        },
        { name: 'the current database without a name (PostgreSQL 16)', sql: 'REINDEX DATABASE;', transaction: 'none', errors: [{ messageId: 'missingConcurrentlyMany' }], output: 'REINDEX DATABASE CONCURRENTLY;' },
      ],
    },
  },
  check: (ctx) => ({
    ReindexStmt(node) {
      if (ctx.pgVersion < 12 || node.kind === 'REINDEX_OBJECT_SYSTEM' || optionEnabled(node.params, 'concurrently')) return
      const kind = String(node.kind).replace('REINDEX_OBJECT_', '')
      let table: string | undefined
      if (kind === 'INDEX') {
        const owner = ctx.schema.tableOfIndex(node.relation.schemaname, node.relation.relname)
        if (owner && !ctx.isExistingTable(owner)) return
        table = owner ? displayName(owner) : 'its table'
      } else if (kind === 'TABLE') {
        if (!ctx.isExistingTable(node.relation)) return
        table = displayName(node.relation)
      } else if (!commitsOnItsOwn(ctx)) return
      const statement = ctx.statement
      const edit = statement && commitsOnItsOwn(ctx) ? insertAfterPrefix(statement, /^REINDEX\s*(\([^)]*\)\s*)?(INDEX|TABLE|SCHEMA|DATABASE)\b/i, ' CONCURRENTLY') : undefined
      ctx.report({
        messageId: table ? 'missingConcurrently' : 'missingConcurrentlyMany',
        data: { kind, target: node.relation ? displayName(node.relation) : (node.name ?? '(current)'), table: table ?? '' },
        fix: edit ? { description: 'Rebuild with CONCURRENTLY', edits: [edit] } : undefined,
      })
    },
  }),
})
