import { refOfNames, stringsOf, displayName } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'prefer-text-check-over-enum',
    severity: 'off',
    category: 'design',
    summary: 'Prefer `text` with a CHECK constraint (or a lookup table) over a new enum type',
    rationale:
      'Enum values can be added and renamed but never removed or reordered: dropping one means a new type and `ALTER COLUMN … TYPE`, which rewrites every table using it under an ACCESS EXCLUSIVE lock. A value added with `ALTER TYPE … ADD VALUE` cannot be used in the same transaction, and drizzle\'s migrator runs every pending migration in one transaction, so adding a value and using it in the same deploy fails. Off by default: enums are compact and ordered, and fine for value sets that never shrink.',
    safeAlternative:
      'Use `text` with `CHECK (status IN (\'draft\', \'sent\'))` (Drizzle: `text({ enum: [...] })` plus a `check()`), or a lookup table with a foreign key. Changing the allowed values is then `ADD CONSTRAINT … NOT VALID` (brief ACCESS EXCLUSIVE), `VALIDATE CONSTRAINT` (SHARE UPDATE EXCLUSIVE: reads and writes continue) and dropping the old CHECK.',
    messages: { enumType: 'Type {{type}} is a new enum: its values can never be removed or reordered without rewriting every table that uses it.' },
    exemptions: ['Enums that existed before the change (adding values to them is fine).'],
    pgDocs: 'datatype-enum.html',
    examples: {
      bad: [{ sql: 'CREATE TYPE "public"."invoice_status" AS ENUM(\'draft\', \'sent\', \'paid\');' }],
      good: [{ sql: 'CREATE TABLE "invoices" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"status" text NOT NULL,\n\tCONSTRAINT "invoices_status_check" CHECK ("status" IN (\'draft\', \'sent\', \'paid\'))\n);' }],
    },
    tests: {
      valid: [{ name: 'adding a value to an existing enum', base: "CREATE TYPE status AS ENUM ('a');", sql: "ALTER TYPE status ADD VALUE 'b';" }],
      invalid: [{ name: 'schema-qualified enum', sql: "CREATE TYPE app.mood AS ENUM ('ok');", errors: [{ messageId: 'enumType', line: 1, column: 1 }] }],
    },
  },
  check: (ctx) => ({
    CreateEnumStmt(node) {
      const ref = refOfNames(stringsOf(node.typeName))
      if (ref) ctx.report({ messageId: 'enumType', data: { type: displayName(ref) } })
    },
  }),
})
