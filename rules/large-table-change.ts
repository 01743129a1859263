import { displayName } from '../src/lint/ast.js'
import { isDangerousLock, locksTakenBy } from '../src/lint/lock-modes.js'
import { defineRule } from '../src/lint/rule.js'
import { WORK_VERBS, workDoneBy } from '../src/lint/statement-work.js'
import type { TableRef } from '../src/schema/schema-state.js'
import type { PgNode } from '../src/sql/parse.js'
import { splitStatements } from '../src/sql/lexer.js'

const BASE = 'CREATE TABLE events (id integer PRIMARY KEY, kind text, payload jsonb);'
const STATS = { 'public.events': 48_000_000 }

const PLAN = /^\s*dba-review-plan:\s*\S/

/** Whether any comment of the file carries a non-empty `dba-review-plan:`. */
function hasPlan(text: string): boolean {
  const { statements, trailingComments } = splitStatements(text)
  return [...statements.flatMap((s) => s.leadingComments), ...trailingComments].some((c) => PLAN.test(c.text))
}

const format = (n: number): string => n.toLocaleString('en-US')

export default defineRule({
  meta: {
    id: 'large-table-change',
    severity: 'error',
    category: 'policy',
    summary: 'Locking or rewriting a large table needs a written plan (`-- dba-review-plan:`)',
    rationale:
      'On a table with millions of rows, a statement that rewrites it, backfills it or holds a lock that blocks traffic (SHARE or stronger) runs for minutes, not milliseconds: about a second per million narrow rows, far more on wide rows, plus its indexes, while reads or writes wait and replicas lag. Whether that is acceptable depends on traffic, time of day and rollback options, which a linter cannot judge; the row counts come from production statistics (`lint.tableStats`).',
    safeAlternative:
      'Prefer the online form (`CREATE INDEX CONCURRENTLY`, `NOT VALID` + `VALIDATE`, batched backfills outside the migration). When the change must lock or rewrite the table anyway, add a comment to the migration with the plan a DBA can review: `-- dba-review-plan: https://…/runbook (off-peak, lock_timeout 2s with retries, est. 4 min)`.',
    messages: {
      largeTable: '{{action}} {{effect}} {{table}}, which has {{rows}} rows (threshold {{threshold}}): add a `-- dba-review-plan: <link or text>` comment to this migration saying how it will run.',
    },
    exemptions: [
      'Tables without a known row count, or below `lint.largeTableRows` (default 1,000,000).',
      'Migrations whose comments include a non-empty `-- dba-review-plan: …`.',
      'Tables created earlier in the same change, and work that neither rewrites nor takes a lock stronger than SHARE UPDATE EXCLUSIVE (`CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT`).',
    ],
    examples: {
      bad: [{ sql: 'ALTER TABLE "events" ALTER COLUMN "id" SET DATA TYPE bigint, ALTER COLUMN "kind" SET NOT NULL;', base: BASE, tableStats: STATS }],
      good: [
        { sql: '-- dba-review-plan: https://wiki.example.com/runbooks/events-kind-not-null (off-peak, lock_timeout 2s, retried)\nALTER TABLE "events" ALTER COLUMN "kind" SET NOT NULL;', base: BASE, tableStats: STATS },
        { sql: 'CREATE INDEX CONCURRENTLY "events_kind_idx" ON "events" ("kind");', base: BASE, tableStats: STATS, transaction: 'none' },
      ],
    },
    tests: {
      valid: [
        { name: 'below the threshold', base: BASE, sql: 'ALTER TABLE events ADD COLUMN note text;', tableStats: { 'public.events': 999_999 } },
        { name: 'threshold from the config', base: BASE, sql: 'ALTER TABLE events ADD COLUMN note text;', tableStats: STATS, config: { lint: { largeTableRows: 100_000_000 } } },
        { name: 'no row count known', base: BASE, sql: 'ALTER TABLE events ADD COLUMN note text;' },
        { name: 'plan in a block comment at the end of the file', base: BASE, sql: 'CREATE INDEX events_kind_idx ON events (kind);\n/* dba-review-plan: built during the Sunday window, ~6 min */', tableStats: STATS },
        { name: 'catalog-only lock on a small table next to a large one', base: `${BASE}\nCREATE TABLE kinds (name text);`, sql: 'ALTER TABLE kinds ADD COLUMN label text;', tableStats: STATS },
        { name: 'key lookup', base: BASE, sql: "UPDATE events SET kind = 'x' WHERE id = 1;", tableStats: STATS },
      ],
      invalid: [
        { name: 'a short ACCESS EXCLUSIVE still counts (the lock queue)', base: BASE, sql: 'ALTER TABLE events ADD COLUMN note text;', tableStats: STATS, errors: [{ messageId: 'largeTable', line: 1, column: 13 }] },
        { name: 'an empty plan does not count', base: BASE, sql: '-- dba-review-plan:\nCREATE INDEX events_kind_idx ON events (kind);', tableStats: STATS, errors: [{ messageId: 'largeTable', line: 2 }] },
        { name: 'the plan must be in the same file', base: BASE, sql: '-- dba-review-plan: see runbook', more: ["UPDATE events SET kind = 'unknown' WHERE kind IS NULL;"], tableStats: STATS, errors: [{ messageId: 'largeTable', file: 1 }] },
        {
          name: 'every large table of a statement, schema-qualified stats',
          base: 'CREATE TABLE app.users (id bigint PRIMARY KEY);\nCREATE TABLE app.orders (id bigint, user_id bigint);',
          sql: 'ALTER TABLE app.orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES app.users (id);',
          tableStats: { 'app.orders': 12_000_000, 'app.users': 3_000_000 },
          errors: [{ messageId: 'largeTable', column: 13 }, { messageId: 'largeTable', column: 87 }],
        },
      ],
    },
  },
  check: (ctx) => {
    // Without row counts no table is known to be large: skip asking every statement for its locks and work.
    if (!ctx.hasRowCounts) return {}
    const threshold = ctx.config.lint.largeTableRows
    let planned = false
    /** Tables reported for the current statement. */
    const reported = new Set<string>()
    /** Reports the first large-table effect of the statement on `table`; most tables have no known row count. */
    const check = (table: TableRef, action: string, effect: string, node: PgNode | undefined): void => {
      const rows = ctx.rowCount(table)
      if (rows === undefined || rows < threshold || !ctx.isExistingTable(table)) return
      const key = `${table.schema ?? 'public'}.${table.name}`
      if (reported.has(key)) return
      reported.add(key)
      ctx.report({ messageId: 'largeTable', data: { action, effect, table: displayName(table), rows: format(rows), threshold: format(threshold) }, node })
    }
    return {
      Migration(migration) {
        planned = migration.text.includes('dba-review-plan') && hasPlan(migration.text)
      },
      Statement(statement) {
        if (planned) return
        reported.clear()
        for (const w of workDoneBy(statement, ctx)) if (w.kind === 'rewrite' || w.kind === 'backfill') check(w.table, w.action, WORK_VERBS[w.kind], w.node)
        for (const l of locksTakenBy(statement, ctx)) if (isDangerousLock(l.mode)) check(l.table, l.action, `takes ${l.mode} on`, l.node)
      },
    }
  },
})
