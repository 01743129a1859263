import * as z from 'zod/mini'
import { displayName } from '../src/lint/ast.js'
import { createdTableVisitors } from '../src/lint/created-tables.js'
import { defineRule } from '../src/lint/rule.js'

const optionsSchema = z.strictObject({
  columns: z._default(z.array(z.string().check(z.minLength(1))).check(z.minLength(1)), ['created_at', 'updated_at']).check(z.describe('Columns every new table must have (e.g. `["createdAt", "updatedAt"]` for camelCase schemas).')),
})

export default defineRule({
  meta: {
    id: 'require-timestamps',
    severity: 'off',
    category: 'policy',
    summary: 'Every table created by the change has the configured timestamp columns (`created_at`, `updated_at` by default)',
    rationale:
      'When a row was created and last changed is the first question in every incident, data fix and audit, and it cannot be reconstructed afterwards. Adding the columns to a table that already holds data leaves the old rows without values. Off by default: it is a team policy, not a hazard.',
    safeAlternative:
      'Create the table with the columns, e.g. `created_at timestamptz NOT NULL DEFAULT now()` and `updated_at timestamptz NOT NULL DEFAULT now()` (Drizzle: `timestamp(\'updated_at\', { withTimezone: true }).defaultNow().notNull().$onUpdate(() => new Date())`). Set `options.columns` to your names.',
    options: optionsSchema,
    messages: { missingColumns: 'Table {{table}} is created without {{columns}}.' },
    exemptions: ['Temporary tables and partitions (they have the partitioned table\'s columns).', 'Columns added later in the same change count.'],
    pgDocs: 'ddl-default.html',
    examples: {
      bad: [{ sql: 'CREATE TABLE "invoices" ("id" bigint PRIMARY KEY NOT NULL, "total" numeric NOT NULL);' }],
      good: [{ sql: 'CREATE TABLE "invoices" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"created_at" timestamp with time zone DEFAULT now() NOT NULL,\n\t"updated_at" timestamp with time zone DEFAULT now() NOT NULL\n);' }],
    },
    tests: {
      valid: [
        { name: 'columns added by a later file', sql: 'CREATE TABLE t (id bigint, created_at timestamptz);', more: ['ALTER TABLE t ADD COLUMN updated_at timestamptz;'] },
        { name: 'custom column names', sql: 'CREATE TABLE t (id bigint, "createdAt" timestamptz);', options: { columns: ['createdAt'] } },
        { name: 'tables that existed before the change', base: 'CREATE TABLE t (id bigint);', sql: 'ALTER TABLE t ADD COLUMN note text;' },
      ],
      invalid: [
        { name: 'only the missing column is named', sql: 'CREATE TABLE t (id bigint, created_at timestamptz);', errors: [{ messageId: 'missingColumns', line: 1, column: 14 }] },
        { name: 'column dropped again', sql: 'CREATE TABLE t (id bigint, created_at timestamptz, updated_at timestamptz);\nALTER TABLE t DROP COLUMN updated_at;', errors: [{ messageId: 'missingColumns', line: 1 }] },
      ],
    },
  },
  check: (ctx) => {
    const { columns } = ctx.options as z.output<typeof optionsSchema>
    return createdTableVisitors(ctx, (table, anchor) => {
      const missing = columns.filter((c) => !table.columns.has(c))
      if (missing.length) ctx.report({ messageId: 'missingColumns', data: { table: displayName(table), columns: missing.join(', ') }, at: anchor })
    })
  },
})
