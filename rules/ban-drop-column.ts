import { displayName, existingTableCommands } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import type { Statement } from '../src/sql/parse.js'

/**
 * `DROP [COLUMN] [IF EXISTS] <column>`, one compiled pattern for every column (compiling one per column cost more
 * than the rest of the rule): the column follows the statement text as `\0<quoted name>\0<bare name>` (no
 * identifier holds a NUL) and back-references match it, case-insensitively like literal text. A bare name is
 * looked for only when it needs no quotes.
 */
const DROP_CLAUSE = /\bDROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?=[\s\S]*\0([^\0]*)\0([^\0]*)$)(?:"\1"|\2\b)/i
const DROP_QUOTED_CLAUSE = /\bDROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?=[\s\S]*\0([^\0]*)\0$)"\1"/i
const BARE_NAME = /^[a-z_][a-z0-9_$]*$/

/**
 * Where `DROP [COLUMN] [IF EXISTS] <column>` stands in the statement. The parse tree gives ALTER TABLE
 * subcommands no position, and a multi-column drop should point at each clause, not all at the table name.
 */
function dropClause(statement: Statement | undefined, column: string): { range: { start: number; end: number } } | undefined {
  if (!statement) return undefined
  const quoted = column.replace(/"/g, '""')
  const match = BARE_NAME.test(column) ? DROP_CLAUSE.exec(`${statement.text}\0${quoted}\0${column}`) : DROP_QUOTED_CLAUSE.exec(`${statement.text}\0${quoted}\0`)
  if (!match) return undefined
  const start = statement.range.start.offset + match.index
  return { range: { start, end: start + match[0].length } }
}

const BASE = 'CREATE TABLE users (id bigint PRIMARY KEY, email text, legacy_token text);'

export default defineRule({
  meta: {
    id: 'ban-drop-column',
    severity: 'error',
    category: 'data',
    summary: 'Do not drop columns of tables that existed before the change while code may still use them',
    rationale:
      '`ALTER TABLE … DROP COLUMN` takes ACCESS EXCLUSIVE only briefly (the column is just marked dropped), but it deletes the column\'s data irreversibly and breaks every application instance still running code that names it. drizzle lists every column of the schema by name in its SELECT, INSERT and RETURNING clauses, so even code that never reads the column fails with "column does not exist" until it is redeployed.',
    safeAlternative:
      'Contract in two deploys: first remove the column from the drizzle schema (and every query) and deploy, so no running code selects it; then drop it in a later migration, after a backup, with `-- dba-review-ignore ban-drop-column: <why it is unused>`.',
    messages: {
      dropColumn: 'Column {{column}} of {{table}} is dropped: its data is deleted, and instances still running code that selects it fail until they are replaced.',
    },
    exemptions: ['Tables and columns created earlier in the same change.'],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN',
    aliases: ['squawk:ban-drop-column'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "users" DROP COLUMN "legacy_token";', base: BASE }],
      good: [{ sql: 'ALTER TABLE "users" ADD COLUMN "nickname" text;\n--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "nickname";', base: BASE }],
    },
    tests: {
      valid: [
        { name: 'table created in the same change', sql: 'CREATE TABLE drafts (id bigint, body text);\n--> statement-breakpoint\nALTER TABLE drafts DROP COLUMN body;' },
        { name: 'dropping a default is not a column drop', base: BASE, sql: 'ALTER TABLE users ALTER COLUMN email DROP DEFAULT;' },
      ],
      invalid: [
        {
          name: 'every dropped column of a multi-command ALTER, IF EXISTS and CASCADE included',
          base: BASE,
          sql: 'ALTER TABLE users DROP COLUMN IF EXISTS legacy_token CASCADE, DROP COLUMN email;',
          errors: [{ messageId: 'dropColumn', line: 1, column: 19 }, { messageId: 'dropColumn', line: 1, column: 63 }],
        },
        {
          name: 'each drop at its own clause, quoted names and any case',
          base: BASE,
          sql: 'ALTER TABLE "users"\n  drop column "legacy_token",\n  DROP IF EXISTS Email;',
          errors: [{ messageId: 'dropColumn', line: 2, column: 3 }, { messageId: 'dropColumn', line: 3, column: 3 }],
        },
        { name: 'schema-qualified table, column unknown to the model (dropped anyway)', base: 'CREATE TABLE billing.invoices (id bigint);', sql: 'ALTER TABLE billing.invoices DROP COLUMN notes;', errors: [{ messageId: 'dropColumn' }] },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      const cmds = existingTableCommands(ctx, node, ['AT_DropColumn'])
      if (!cmds.length) return
      const table = ctx.schema.table(node.relation)
      for (const cmd of cmds) {
        if (table?.columns.get(cmd.name)?.createdInChange) continue
        ctx.report({ messageId: 'dropColumn', data: { table: displayName(node.relation), column: cmd.name }, ...(dropClause(ctx.statement, cmd.name) ?? { node: node.relation }) })
      }
    },
  }),
})
