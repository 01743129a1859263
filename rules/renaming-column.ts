import { displayName } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE users (id bigint PRIMARY KEY, name text);'

export default defineRule({
  meta: {
    id: 'renaming-column',
    severity: 'error',
    category: 'locks',
    summary: 'Do not rename columns of tables that existed before the change',
    rationale:
      '`ALTER TABLE … RENAME COLUMN` only takes a short ACCESS EXCLUSIVE lock, but it breaks every application instance still running the previous release: during a deploy the old code keeps querying the old name (drizzle names every column explicitly in its SELECT, INSERT and UPDATE) and fails with "column does not exist" until the last old instance is gone.',
    safeAlternative:
      'Expand and contract over several deploys: (1) `ALTER TABLE … ADD COLUMN new_name …` (short ACCESS EXCLUSIVE); (2) write both columns from the application (or a trigger) and backfill `new_name` in batches outside the migration (row locks only); (3) switch reads to `new_name`; (4) once no running code uses it, drop `old_name` in a later migration. If only the name in the code matters, keep the database name and map it in the drizzle schema (`newName: text("old_name")`).',
    messages: {
      renameColumn: 'Column {{column}} of {{table}} is renamed to {{newName}}: instances still running the previous release query {{column}} and fail until they are replaced.',
    },
    exemptions: ['Tables, views and columns created earlier in the same change: no running code uses them yet.'],
    pgDocs: 'sql-altertable.html',
    aliases: ['squawk:renaming-column'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";', base: BASE }],
      good: [{ sql: 'ALTER TABLE "users" ADD COLUMN "full_name" text;', base: BASE }],
    },
    tests: {
      valid: [
        { name: 'table created in the same change', sql: 'CREATE TABLE teams (id bigint, title text);\n--> statement-breakpoint\nALTER TABLE teams RENAME COLUMN title TO name;' },
        { name: 'column added in the same change', base: BASE, sql: 'ALTER TABLE users ADD COLUMN nick text;\n--> statement-breakpoint\nALTER TABLE users RENAME COLUMN nick TO nickname;' },
        { name: 'renaming a constraint is not a column rename', base: 'CREATE TABLE users (id bigint, CONSTRAINT users_pk PRIMARY KEY (id));', sql: 'ALTER TABLE users RENAME CONSTRAINT users_pk TO users_pkey;' },
      ],
      invalid: [
        { name: 'schema-qualified, quoted mixed-case names', base: 'CREATE TABLE app."Users" ("fullName" text);', sql: 'ALTER TABLE app."Users" RENAME COLUMN "fullName" TO "displayName";', errors: [{ messageId: 'renameColumn', line: 1, column: 13 }] },
        { name: 'a column of an existing view', base: `${BASE}\nCREATE VIEW user_names AS SELECT id, name FROM users;`, sql: 'ALTER VIEW user_names RENAME COLUMN name TO full_name;', errors: [{ messageId: 'renameColumn' }] },
        { name: 'in a later pending file of the same batch', base: BASE, sql: 'SELECT 1;', more: ['ALTER TABLE IF EXISTS users RENAME name TO full_name;'], errors: [{ messageId: 'renameColumn', file: 1 }] },
      ],
    },
  },
  check: (ctx) => ({
    RenameStmt(node) {
      if (node.renameType !== 'OBJECT_COLUMN' || !node.relation || !ctx.isExistingTable(node.relation)) return
      if (ctx.schema.table(node.relation)?.columns.get(node.subname)?.createdInChange) return
      ctx.report({ messageId: 'renameColumn', data: { table: displayName(node.relation), column: node.subname, newName: node.newname }, node: node.relation })
    },
  }),
})
