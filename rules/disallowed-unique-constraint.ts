import { columnConstraints, displayName, existingTableCommands, stringsOf } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE users (id bigint PRIMARY KEY, email text);'

export default defineRule({
  meta: {
    id: 'disallowed-unique-constraint',
    severity: 'error',
    category: 'locks',
    summary: 'Add unique constraints to existing tables USING INDEX built concurrently',
    rationale:
      '`ALTER TABLE … ADD UNIQUE (…)` builds the unique index while holding ACCESS EXCLUSIVE: reads and writes of the table wait for the whole build (about 1 s per million narrow rows), and inside a transaction until COMMIT. The same holds for `ADD COLUMN … UNIQUE`.',
    safeAlternative:
      '1. `CREATE UNIQUE INDEX CONCURRENTLY users_email_key_idx ON users (email);` (SHARE UPDATE EXCLUSIVE, outside a transaction block). 2. `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key_idx;` (short ACCESS EXCLUSIVE, no build). For a new column, add it first, then index it this way.',
    messages: {
      addUnique: 'Unique constraint {{name}} on {{table}} ({{columns}}) builds its index under ACCESS EXCLUSIVE: reads and writes of {{table}} wait for the whole build.',
    },
    exemptions: ['Tables created earlier in the same change.', '`UNIQUE USING INDEX` (the index already exists).'],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX',
    aliases: ['squawk:disallowed-unique-constraint'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");', base: BASE }],
      good: [
        { sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE USING INDEX "users_email_idx";', base: `${BASE}\nCREATE UNIQUE INDEX users_email_idx ON users (email);` },
        { sql: 'CREATE TABLE "teams" ("slug" text);\nALTER TABLE "teams" ADD CONSTRAINT "teams_slug_unique" UNIQUE("slug");' },
      ],
    },
    tests: {
      valid: [{ name: 'a plain unique index is require-concurrent-index-creation\'s', base: BASE, sql: 'CREATE UNIQUE INDEX users_email_idx ON users (email);' }],
      invalid: [
        { name: 'unnamed, NULLS NOT DISTINCT, several columns', base: BASE, sql: 'ALTER TABLE users ADD UNIQUE NULLS NOT DISTINCT (id, email);', errors: [{ messageId: 'addUnique', line: 1, column: 23 }] },
        { name: 'inline UNIQUE on a new column', base: BASE, sql: 'ALTER TABLE users ADD COLUMN handle text UNIQUE;', errors: [{ messageId: 'addUnique', column: 42 }] },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      const cmds = existingTableCommands(ctx, node, ['AT_AddColumn', 'AT_AddConstraint'])
      if (!cmds.length) return
      const table = displayName(node.relation)
      for (const cmd of cmds) {
        const def = cmd.subtype === 'AT_AddColumn' ? cmd.def?.ColumnDef : undefined
        for (const inline of def ? columnConstraints(def, 'CONSTR_UNIQUE') : []) {
          ctx.report({ messageId: 'addUnique', node: inline, data: { name: inline.conname ?? '(unnamed)', table, columns: def.colname } })
        }
        const constraint = cmd.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined
        if (constraint?.contype !== 'CONSTR_UNIQUE' || constraint.indexname) continue
        ctx.report({ messageId: 'addUnique', node: constraint, data: { name: constraint.conname ?? '(unnamed)', table, columns: stringsOf(constraint.keys).join(', ') } })
      }
    },
  }),
})
