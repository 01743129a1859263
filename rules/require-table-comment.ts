import { displayName, refOfNames, stringsOf } from '../src/lint/ast.js'
import { createdTableVisitors } from '../src/lint/created-tables.js'
import { defineRule } from '../src/lint/rule.js'
import type { TableInfo } from '../src/schema/types.js'

export default defineRule({
  meta: {
    id: 'require-table-comment',
    severity: 'off',
    category: 'policy',
    summary: 'Every table created by the change gets a `COMMENT ON TABLE`',
    rationale:
      'A table comment is the one piece of documentation that travels with the database: psql `\\d+`, schema browsers, BI tools and data catalogues show it to people who never read the application code. Without it, what a table holds and who owns it is tribal knowledge. Off by default: it is a team policy, not a hazard.',
    safeAlternative: 'Add `COMMENT ON TABLE <table> IS \'<what a row is, who owns it>\';` in the same change (a custom migration with Drizzle, which does not generate comments).',
    messages: { missingComment: 'Table {{table}} is created without a COMMENT ON TABLE.' },
    exemptions: ['Temporary tables and partitions.', 'Tables dropped again within the change.'],
    pgDocs: 'sql-comment.html',
    examples: {
      bad: [{ sql: 'CREATE TABLE "invoices" ("id" bigint PRIMARY KEY NOT NULL);' }],
      good: [{ sql: 'CREATE TABLE "invoices" ("id" bigint PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCOMMENT ON TABLE "invoices" IS \'One row per invoice sent to a customer; owned by billing.\';' }],
    },
    tests: {
      valid: [
        { name: 'comment in a later file, after a rename', sql: 'CREATE TABLE a (id bigint PRIMARY KEY);\nALTER TABLE a RENAME TO b;', more: ["COMMENT ON TABLE public.b IS 'b';"] },
        { name: 'tables that existed before the change', base: 'CREATE TABLE t (id bigint);', sql: 'ALTER TABLE t ADD COLUMN note text;' },
      ],
      invalid: [
        { name: 'comment removed again with IS NULL', sql: "CREATE TABLE t (id bigint);\nCOMMENT ON TABLE t IS 'x';\nCOMMENT ON TABLE t IS NULL;", errors: [{ messageId: 'missingComment', line: 1, column: 14 }] },
        { name: 'a comment on another table does not count', sql: "CREATE TABLE a (id bigint);\nCREATE TABLE b (id bigint);\nCOMMENT ON TABLE a IS 'a';", errors: [{ messageId: 'missingComment', line: 2 }] },
      ],
    },
  },
  check: (ctx) => {
    const commented = new Set<TableInfo>()
    return {
      ...createdTableVisitors(ctx, (table, anchor) => {
        if (!commented.has(table)) ctx.report({ messageId: 'missingComment', data: { table: displayName(table) }, at: anchor })
      }),
      CommentStmt(node) {
        if (node.objtype !== 'OBJECT_TABLE') return
        const ref = refOfNames(stringsOf(node.object?.List?.items))
        const table = ref && ctx.schema.table(ref)
        if (!table) return
        if (node.comment) commented.add(table)
        else commented.delete(table)
      },
    }
  },
})
