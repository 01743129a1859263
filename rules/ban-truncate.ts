import { displayName } from '../src/lint/ast.js'
import { locksTakenBy } from '../src/lint/lock-modes.js'
import { defineRule } from '../src/lint/rule.js'
import { refOf } from '../src/schema/schema-state.js'

const BASE = 'CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));'

export default defineRule({
  meta: {
    id: 'ban-truncate',
    severity: 'error',
    category: 'data',
    summary: 'Do not truncate tables that existed before the change',
    rationale:
      '`TRUNCATE` deletes every row at once and irreversibly (no WHERE, no per-row triggers), under ACCESS EXCLUSIVE: every read and write of the table waits until the transaction commits, which under drizzle-orm\'s migrator is the end of the last pending migration. `CASCADE` also empties every table that references it by foreign key, and the tables referencing those, which is rarely what the author looked at.',
    safeAlternative:
      'Delete the rows you mean, in batches, outside the schema migration (`DELETE FROM … WHERE id IN (SELECT id FROM … LIMIT 10000)`, ROW EXCLUSIVE: reads and other writes continue). If the table really must be emptied, name every table explicitly (no `CASCADE`), take a backup first, and say why in `-- dba-review-ignore ban-truncate: <why>`.',
    messages: {
      truncate: 'Table {{table}} is truncated: every row is deleted irreversibly under ACCESS EXCLUSIVE, which blocks its reads and writes until the transaction commits.',
      truncateCascade: 'Table {{table}} is truncated with CASCADE: its rows and those of every table referencing it ({{cascaded}}) are deleted irreversibly under ACCESS EXCLUSIVE.',
    },
    exemptions: ['Tables created earlier in the same change.'],
    pgDocs: 'sql-truncate.html',
    aliases: ['squawk:ban-truncate-cascade'],
    examples: {
      bad: [{ sql: 'TRUNCATE TABLE "sessions";', base: BASE }],
      good: [{ sql: 'CREATE TABLE "import_rows" (id bigint);\n--> statement-breakpoint\nTRUNCATE "import_rows";' }],
    },
    tests: {
      valid: [{ name: 'table created in the same change, with CASCADE', sql: 'CREATE TABLE staging (id bigint);\n--> statement-breakpoint\nTRUNCATE staging CASCADE;' }],
      invalid: [
        { name: 'CASCADE names the tables it reaches', base: BASE, sql: 'TRUNCATE users CASCADE;', errors: [{ messageId: 'truncateCascade', line: 1, column: 10 }] },
        { name: 'CASCADE where the model knows no referencing table', base: BASE, sql: 'TRUNCATE sessions CASCADE;', errors: [{ messageId: 'truncateCascade' }] },
        { name: 'each existing table of a list, a new one skipped', base: BASE, sql: 'CREATE TABLE tmp (id int);\n--> statement-breakpoint\nTRUNCATE ONLY sessions, tmp, public.users RESTART IDENTITY;', errors: [{ messageId: 'truncate', line: 3 }, { messageId: 'truncate', line: 3 }] },
      ],
    },
  },
  check: (ctx) => ({
    TruncateStmt(node) {
      const statement = ctx.statement
      // The tables CASCADE reaches beyond the named ones: those locksTakenBy adds for it.
      const named = new Set((node.relations ?? []).map((r: { RangeVar: Record<string, unknown> }) => displayName(refOf(r.RangeVar))))
      const cascaded = node.behavior === 'DROP_CASCADE' && statement ? locksTakenBy(statement, ctx).map((l) => displayName(l.table)).filter((t) => !named.has(t)) : []
      for (const item of node.relations ?? []) {
        const relation = item.RangeVar
        if (!relation || !ctx.isExistingTable(relation)) continue
        const data = { table: displayName(relation), cascaded: cascaded.length ? cascaded.join(', ') : 'none known to dba-review' }
        ctx.report({ messageId: node.behavior === 'DROP_CASCADE' ? 'truncateCascade' : 'truncate', data, node: relation })
      }
    },
  }),
})
