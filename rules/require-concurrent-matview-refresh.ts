import { displayName } from '../src/lint/ast.js'
import { insertAfterPrefix } from '../src/lint/fixes.js'
import { defineRule } from '../src/lint/rule.js'
import type { TableInfo } from '../src/schema/types.js'

const BASE = 'CREATE TABLE orders (id bigint PRIMARY KEY, region text, total int);\nCREATE MATERIALIZED VIEW region_totals AS SELECT region, sum(total) AS total FROM orders GROUP BY region;'
const UNIQUE = 'CREATE UNIQUE INDEX region_totals_region ON region_totals (region);'

/** CONCURRENTLY needs a populated view and a unique index on plain columns, covering all rows (not partial). */
function canRefreshConcurrently(view: TableInfo | undefined): boolean {
  return Boolean(view?.populated && view.indexes.some((i) => i.unique && !i.partial && i.columns.length > 0 && i.columns.every((c) => c !== null)))
}

export default defineRule({
  meta: {
    id: 'require-concurrent-matview-refresh',
    severity: 'warning',
    category: 'locks',
    summary: 'Refresh existing materialized views with REFRESH MATERIALIZED VIEW CONCURRENTLY',
    rationale:
      '`REFRESH MATERIALIZED VIEW` re-runs the view\'s query and replaces its contents under ACCESS EXCLUSIVE: every query reading the view waits for the whole refresh, and inside drizzle-orm\'s migrator transaction until the last pending migration commits. `CONCURRENTLY` takes only EXCLUSIVE (reads continue; other refreshes wait) and applies the difference; it is slower and writes more, and it needs a populated view with at least one UNIQUE index on plain column names that covers all rows (no WHERE, no expressions). Unlike `CREATE INDEX CONCURRENTLY`, it may run inside a transaction block.',
    safeAlternative:
      'Use `REFRESH MATERIALIZED VIEW CONCURRENTLY view;` after creating a unique index on it (`CREATE UNIQUE INDEX CONCURRENTLY … ON view (key_columns)`), or refresh outside the deploy (a scheduled job).',
    messages: {
      blockingRefresh: 'Materialized view {{view}} is refreshed without CONCURRENTLY: every read of {{view}} waits for the whole refresh (ACCESS EXCLUSIVE).',
      blockingRefreshNeedsIndex: 'Materialized view {{view}} is refreshed without CONCURRENTLY: every read of {{view}} waits for the whole refresh (ACCESS EXCLUSIVE). CONCURRENTLY needs a unique index on plain columns of {{view}}, which dba-review does not see.',
    },
    fix: 'Adds CONCURRENTLY when the view is known to be populated and to have a unique index on plain columns covering all rows (otherwise PostgreSQL would reject it).',
    exemptions: ['Materialized views created earlier in the same change: nothing reads them yet.', '`WITH NO DATA`, which empties the view and cannot be concurrent.'],
    pgDocs: 'sql-refreshmaterializedview.html',
    examples: {
      bad: [{ sql: 'REFRESH MATERIALIZED VIEW "region_totals";', base: `${BASE}\n${UNIQUE}` }],
      good: [
        { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY "region_totals";', base: `${BASE}\n${UNIQUE}` },
        { sql: 'CREATE MATERIALIZED VIEW daily AS SELECT 1 AS one WITH NO DATA;\n--> statement-breakpoint\nREFRESH MATERIALIZED VIEW daily;' },
      ],
    },
    tests: {
      valid: [{ name: 'WITH NO DATA', base: BASE, sql: 'REFRESH MATERIALIZED VIEW region_totals WITH NO DATA;' }],
      invalid: [
        { name: 'fix with a usable unique index, inside the runner transaction', base: `${BASE}\n${UNIQUE}`, sql: 'REFRESH MATERIALIZED VIEW region_totals;', errors: [{ messageId: 'blockingRefresh', line: 1, column: 27 }], output: 'REFRESH MATERIALIZED VIEW CONCURRENTLY region_totals;' },
        { name: 'no unique index: no fix', base: BASE, sql: 'REFRESH MATERIALIZED VIEW region_totals;', errors: [{ messageId: 'blockingRefreshNeedsIndex' }], output: null },
        { name: 'partial unique index does not qualify', base: `${BASE}\nCREATE UNIQUE INDEX rt_region ON region_totals (region) WHERE total > 0;`, sql: 'REFRESH MATERIALIZED VIEW region_totals;', errors: [{ messageId: 'blockingRefreshNeedsIndex' }], output: null },
        { name: 'expression unique index does not qualify', base: `${BASE}\nCREATE UNIQUE INDEX rt_region ON region_totals (lower(region));`, sql: 'REFRESH MATERIALIZED VIEW region_totals;', errors: [{ messageId: 'blockingRefreshNeedsIndex' }], output: null },
        {
          name: 'never populated (WITH NO DATA in the base): no fix',
          base: 'CREATE TABLE orders (id bigint, region text);\nCREATE MATERIALIZED VIEW regions AS SELECT DISTINCT region FROM orders WITH NO DATA;\nCREATE UNIQUE INDEX regions_region ON regions (region);',
          sql: 'REFRESH MATERIALIZED VIEW regions;',
          errors: [{ messageId: 'blockingRefreshNeedsIndex' }],
          output: null,
        },
        { name: 'schema-qualified, index known on the qualified view', base: 'CREATE TABLE s (id int);\nCREATE MATERIALIZED VIEW reports.totals AS SELECT id FROM s;\nCREATE UNIQUE INDEX totals_id ON reports.totals (id);', sql: 'REFRESH MATERIALIZED VIEW reports.totals;', errors: [{ messageId: 'blockingRefresh' }], output: 'REFRESH MATERIALIZED VIEW CONCURRENTLY reports.totals;' },
      ],
    },
  },
  check: (ctx) => ({
    RefreshMatViewStmt(node) {
      if (node.concurrent || node.skipData || !ctx.isExistingTable(node.relation)) return
      const fixable = canRefreshConcurrently(ctx.schema.table(node.relation))
      const edit = fixable && ctx.statement ? insertAfterPrefix(ctx.statement, /^REFRESH\s+MATERIALIZED\s+VIEW/i, ' CONCURRENTLY') : undefined
      ctx.report({
        messageId: fixable ? 'blockingRefresh' : 'blockingRefreshNeedsIndex',
        data: { view: displayName(node.relation) },
        node: node.relation,
        fix: edit ? { description: 'Refresh with CONCURRENTLY (EXCLUSIVE: reads continue)', edits: [edit] } : undefined,
      })
    },
  }),
})
