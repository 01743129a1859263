import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'ban-drop-table',
    severity: 'error',
    category: 'locks',
    summary: 'Do not drop tables that existed before the change',
    rationale:
      '`DROP TABLE` takes ACCESS EXCLUSIVE on the table (and on tables that reference it by foreign key), deletes its data irreversibly, and breaks every running application instance that still queries it.',
    safeAlternative:
      'First deploy code that no longer uses the table; then drop it in a later migration, after a backup, with a `-- dba-review-ignore ban-drop-table: <why>` stating that the table is unused.',
    messages: { dropTable: 'Table {{table}} existed before this change; dropping it deletes its data and breaks code that still uses it.' },
    exemptions: ['Tables created earlier in the same change.'],
    pgDocs: 'sql-droptable.html',
    aliases: ['squawk:ban-drop-table'],
    examples: {
      bad: [{ sql: 'DROP TABLE sessions;', base: 'CREATE TABLE sessions (id int);' }],
      good: [{ sql: 'CREATE TABLE scratch (id int);\nDROP TABLE scratch;' }],
    },
    tests: {
      valid: [{ name: 'dropping a view is not a table drop', base: 'CREATE TABLE t (id int); CREATE VIEW v AS SELECT id FROM t;', sql: 'DROP VIEW v;' }],
      invalid: [
        { name: 'every existing table of a multi-table drop', base: 'CREATE TABLE a (id int); CREATE TABLE b (id int);', sql: 'DROP TABLE IF EXISTS a, b CASCADE;', errors: [{ messageId: 'dropTable' }, { messageId: 'dropTable' }] },
        { name: 'squawk ignore with a squawk rule name is honoured, dba-review one needs ours', base: 'CREATE TABLE a (id int); CREATE TABLE b (id int);', sql: '-- squawk-ignore ban-drop-table\nDROP TABLE a;\nDROP TABLE b;', errors: [{ messageId: 'dropTable', line: 3 }] },
      ],
    },
  },
  check: (ctx) => ({
    DropStmt(node) {
      if (node.removeType !== 'OBJECT_TABLE') return
      for (const object of node.objects ?? []) {
        const parts: string[] = (object.List?.items ?? []).map((n: { String?: { sval: string } }) => n.String?.sval)
        const name = parts[parts.length - 1]
        if (!name) continue
        const ref = { schema: parts.length > 1 ? parts[parts.length - 2] : undefined, name }
        if (!ctx.isExistingTable(ref)) continue
        ctx.report({ messageId: 'dropTable', data: { table: parts.join('.') } })
      }
    },
  }),
})
