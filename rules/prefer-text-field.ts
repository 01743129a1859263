import { displayName } from '../src/lint/ast.js'
import { columnTypeVisitors } from '../src/lint/column-types.js'
import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'prefer-text-field',
    severity: 'notice',
    category: 'design',
    summary: 'Prefer `text` with a CHECK on its length over `varchar(n)`',
    rationale:
      'In PostgreSQL `varchar(n)` is `text` plus a length limit: same storage, same speed. The limit is part of the column type, so changing it is an `ALTER COLUMN … TYPE`: raising it is catalog-only but takes an ACCESS EXCLUSIVE lock (queued behind every running transaction, and under drizzle\'s migrator held until the whole batch commits); lowering it rewrites the table and its indexes under that lock.',
    safeAlternative:
      'Use `text` and, if the limit matters, `CHECK (char_length(col) <= n)` (Drizzle: `text()` plus a `check()` in the table\'s extra config). Changing that limit later is `ADD CONSTRAINT … NOT VALID` (brief ACCESS EXCLUSIVE, no scan), `VALIDATE CONSTRAINT` (SHARE UPDATE EXCLUSIVE: reads and writes continue), then dropping the old CHECK.',
    messages: {
      varcharLimit: 'Column {{table}}.{{column}} is varchar({{length}}): changing that limit later is a type change under an ACCESS EXCLUSIVE lock.',
    },
    exemptions: ['`varchar` without a length (that is `text`).', 'Changing the length of a column that is already `varchar`.', 'Temporary tables.'],
    pgDocs: 'datatype-character.html',
    aliases: ['squawk:prefer-text-field'],
    examples: {
      bad: [{ sql: 'CREATE TABLE "users" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"email" varchar(255) NOT NULL\n);' }],
      good: [{ sql: 'CREATE TABLE "users" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"email" text NOT NULL,\n\tCONSTRAINT "users_email_length" CHECK (char_length("email") <= 255)\n);' }],
    },
    tests: {
      valid: [
        { name: 'varchar without a length', sql: 'CREATE TABLE t (a varchar, b character varying);' },
        { name: 'raising the limit of an existing varchar column', base: 'CREATE TABLE t (a varchar(20));', sql: 'ALTER TABLE t ALTER COLUMN a TYPE varchar(50);' },
        { name: 'temporary table', sql: 'CREATE TEMPORARY TABLE t (a varchar(10));' },
      ],
      invalid: [
        { name: 'character varying(n) added to an existing table', base: 'CREATE TABLE t (id bigint);', sql: 'ALTER TABLE t ADD COLUMN code character varying(8);', errors: [{ messageId: 'varcharLimit', line: 1, column: 31 }] },
        { name: 'text column retyped to varchar(n)', base: 'CREATE TABLE t (a text);', sql: 'ALTER TABLE t ALTER COLUMN a SET DATA TYPE varchar(100);', errors: [{ messageId: 'varcharLimit' }] },
        { name: 'varchar(n) array', sql: 'CREATE TABLE t (tags varchar(32)[]);', errors: [{ messageId: 'varcharLimit' }] },
      ],
    },
  },
  check: (ctx) =>
    columnTypeVisitors(ctx, (site) => {
      if (site.type.name !== 'varchar' || site.type.schema || !site.type.mods.length) return
      ctx.report({ messageId: 'varcharLimit', data: { table: displayName(site.table), column: site.column, length: site.type.mods[0]! }, node: site.typeName })
    }),
})
