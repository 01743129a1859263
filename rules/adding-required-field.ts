import { columnConstraints, columnsAddedToExistingTable, displayName } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import type { PgNode } from '../src/sql/parse.js'
import { typeFromNode } from '../src/schema/types.js'

const BASE = 'CREATE TABLE users (id bigint PRIMARY KEY);'
const SERIAL = new Set(['serial', 'bigserial', 'smallserial'])

/** Whether existing rows get a value: a non-NULL default, a serial type, identity or a generated expression. */
function fillsExistingRows(def: PgNode): boolean {
  if (def.typeName && SERIAL.has(typeFromNode(def.typeName).name)) return true
  if (columnConstraints(def).some((c) => c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED')) return true
  return columnConstraints(def, 'CONSTR_DEFAULT').some((c) => !c.raw_expr?.A_Const?.isnull)
}

export default defineRule({
  meta: {
    id: 'adding-required-field',
    severity: 'error',
    category: 'data',
    summary: 'Give NOT NULL columns added to existing tables a DEFAULT',
    rationale:
      '`ADD COLUMN … NOT NULL` without a DEFAULT fills existing rows with NULL, which the constraint rejects: as soon as the table has one row, the migration fails with "column … contains null values" and, under drizzle-orm\'s migrator, rolls back the whole pending batch. It passes on the empty databases of CI and fails in production.',
    safeAlternative:
      'Add the column with a constant DEFAULT (`ADD COLUMN status text NOT NULL DEFAULT \'active\'`: catalog-only since PostgreSQL 11), or add it nullable, backfill it in batches, and then make it NOT NULL (see adding-not-nullable-field).',
    messages: {
      requiredWithoutDefault: 'Column {{table}}.{{column}} is added NOT NULL without a DEFAULT: the statement fails with "column contains null values" as soon as {{table}} has a row.',
    },
    exemptions: [
      'Tables created earlier in the same change.',
      'Columns whose values PostgreSQL generates: serial types, identity and generated columns.',
      '`ADD COLUMN IF NOT EXISTS` for a column that already exists (nothing happens).',
    ],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-COLUMN',
    aliases: ['squawk:adding-required-field'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "users" ADD COLUMN "status" text NOT NULL;', base: BASE }],
      good: [
        { sql: 'ALTER TABLE "users" ADD COLUMN "status" text DEFAULT \'active\' NOT NULL;', base: BASE },
        { sql: 'CREATE TABLE "teams" ("id" bigint);\nALTER TABLE "teams" ADD COLUMN "name" text NOT NULL;' },
      ],
    },
    tests: {
      valid: [
        { name: 'identity column', base: BASE, sql: 'ALTER TABLE users ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY NOT NULL;' },
        { name: 'serial column', base: BASE, sql: 'ALTER TABLE users ADD COLUMN seq bigserial NOT NULL;' },
        { name: 'generated column', base: BASE, sql: 'ALTER TABLE users ADD COLUMN double_id bigint NOT NULL GENERATED ALWAYS AS (id * 2) STORED;' },
        { name: 'nullable column', base: BASE, sql: 'ALTER TABLE users ADD COLUMN status text;' },
        { name: 'IF NOT EXISTS for a column that exists', base: 'CREATE TABLE users (id bigint PRIMARY KEY, status text NOT NULL);', sql: 'ALTER TABLE users ADD COLUMN IF NOT EXISTS status text NOT NULL;' },
      ],
      invalid: [
        { name: 'DEFAULT NULL is no default', base: BASE, sql: 'ALTER TABLE users ADD COLUMN status text DEFAULT NULL NOT NULL;', errors: [{ messageId: 'requiredWithoutDefault', line: 1, column: 30 }] },
        { name: 'an inline PRIMARY KEY implies NOT NULL', base: 'CREATE TABLE legacy (name text);', sql: 'ALTER TABLE legacy ADD COLUMN id bigint PRIMARY KEY;', errors: [{ messageId: 'requiredWithoutDefault' }] },
        {
          name: 'every such column of a multi-command ALTER, quoted and schema-qualified',
          base: 'CREATE SCHEMA app;\nCREATE TABLE app.users (id bigint);',
          sql: 'ALTER TABLE "app"."users"\n  ADD COLUMN "first_name" text NOT NULL,\n  ADD COLUMN "last_name" text NOT NULL;',
          errors: [{ messageId: 'requiredWithoutDefault', line: 2 }, { messageId: 'requiredWithoutDefault', line: 3 }],
        },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      for (const def of columnsAddedToExistingTable(ctx, node)) {
        const notNull = def.is_not_null || columnConstraints(def).some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY')
        if (notNull && !fillsExistingRows(def)) ctx.report({ messageId: 'requiredWithoutDefault', node: def, data: { table: displayName(node.relation), column: def.colname } })
      }
    },
  }),
})
