import { displayName, existingTableCommands } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'set-logged-unlogged',
    severity: 'error',
    category: 'locks',
    summary: 'Do not switch existing tables between LOGGED and UNLOGGED',
    rationale:
      '`ALTER TABLE … SET LOGGED` and `SET UNLOGGED` rewrite the whole table and all its indexes under ACCESS EXCLUSIVE: reads and writes wait for the rewrite (about 1 s per million narrow rows). `SET LOGGED` also writes the entire table to the WAL, so replicas fall behind; an UNLOGGED table is emptied after a crash and is not replicated at all.',
    safeAlternative:
      'Choose persistence when the table is created. To change it on a large table, create a new table with the wanted persistence, copy the rows in batches while a trigger mirrors writes, and swap the tables with a rename.',
    messages: {
      setLogged: 'SET LOGGED rewrites all of {{table}} and its indexes under ACCESS EXCLUSIVE and writes the whole table to the WAL (replicas fall behind).',
      setUnlogged: 'SET UNLOGGED rewrites all of {{table}} and its indexes under ACCESS EXCLUSIVE; afterwards the table is emptied after a crash and no longer replicated.',
    },
    exemptions: ['Tables created earlier in the same change.', 'Tables already in the requested state (PostgreSQL does nothing).'],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-DESC-SET-LOGGED-UNLOGGED',
    examples: {
      bad: [{ sql: 'ALTER TABLE "import_rows" SET LOGGED;', base: 'CREATE UNLOGGED TABLE import_rows (id bigint, payload jsonb);' }],
      good: [{ sql: 'CREATE UNLOGGED TABLE "staging" ("id" bigint);\nALTER TABLE "staging" SET LOGGED;' }],
    },
    tests: {
      valid: [
        { name: 'already logged', base: 'CREATE TABLE events (id bigint);', sql: 'ALTER TABLE events SET LOGGED;' },
        { name: 'already unlogged', base: 'CREATE UNLOGGED TABLE cache (id bigint);', sql: 'ALTER TABLE cache SET UNLOGGED;' },
        { name: 'a sequence is not a table', base: 'CREATE SEQUENCE ids;', sql: 'ALTER SEQUENCE ids SET UNLOGGED;' },
      ],
      invalid: [
        { name: 'SET UNLOGGED on a logged table', base: 'CREATE SCHEMA app;\nCREATE TABLE app.events (id bigint);', sql: 'ALTER TABLE app.events SET UNLOGGED;', errors: [{ messageId: 'setUnlogged', line: 1, column: 1 }] },
        { name: 'a table dba-review does not know', sql: 'ALTER TABLE legacy SET UNLOGGED;', errors: [{ messageId: 'setUnlogged' }] },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      const cmds = existingTableCommands(ctx, node, ['AT_SetLogged', 'AT_SetUnLogged'])
      if (!cmds.length) return
      const known = ctx.schema.table(node.relation)
      for (const cmd of cmds) {
        const unlogged = cmd.subtype === 'AT_SetUnLogged'
        if (known && known.unlogged === unlogged) continue
        ctx.report({ messageId: unlogged ? 'setUnlogged' : 'setLogged', data: { table: displayName(node.relation) } })
      }
    },
  }),
})
