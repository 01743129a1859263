import { displayName, existingTableCommands, notNullScan } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE users (id bigint PRIMARY KEY, email text);'

export default defineRule({
  meta: {
    id: 'adding-not-nullable-field',
    severity: 'warning',
    category: 'locks',
    summary: 'Set NOT NULL on existing columns only once a validated CHECK (column IS NOT NULL) proves it',
    rationale:
      '`ALTER COLUMN … SET NOT NULL` takes ACCESS EXCLUSIVE on the table and scans every row to check for NULLs: reads and writes wait for the whole scan, and inside a transaction until COMMIT. PostgreSQL 12+ skips the scan when a validated `CHECK (column IS NOT NULL)` already proves it.',
    safeAlternative:
      '1. `ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;` (short ACCESS EXCLUSIVE). 2. In a **separate transaction**, with drizzle-orm a later deploy: `ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;` (SHARE UPDATE EXCLUSIVE: reads and writes continue). 3. `ALTER TABLE users ALTER COLUMN email SET NOT NULL;` (short ACCESS EXCLUSIVE, no scan on PostgreSQL 12+). 4. `ALTER TABLE users DROP CONSTRAINT users_email_not_null;` (short ACCESS EXCLUSIVE).',
    messages: {
      setNotNull: 'Setting {{table}}.{{column}} NOT NULL scans all of {{table}} under ACCESS EXCLUSIVE (reads and writes wait for the scan): no validated CHECK ({{column}} IS NOT NULL) proves it first.',
      checkNeedsPg12: 'Setting {{table}}.{{column}} NOT NULL scans all of {{table}} under ACCESS EXCLUSIVE: PostgreSQL {{version}} does not use the validated CHECK ({{column}} IS NOT NULL) to skip the scan (12+ does).',
    },
    exemptions: [
      'Tables created earlier in the same change.',
      'Columns already NOT NULL (the statement does nothing).',
      'Columns with a validated `CHECK (column IS NOT NULL)`, from the base or validated earlier in the change (PostgreSQL 12+).',
    ],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL',
    aliases: ['squawk:adding-not-nullable-field'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;', base: BASE }],
      good: [
        {
          name: 'the CHECK was validated by an earlier deploy',
          base: `${BASE}\nALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;`,
          sql: 'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;\nALTER TABLE "users" DROP CONSTRAINT "users_email_not_null";',
        },
        { sql: 'CREATE TABLE "profiles" ("id" bigint, "bio" text);\nALTER TABLE "profiles" ALTER COLUMN "bio" SET NOT NULL;' },
      ],
    },
    tests: {
      valid: [
        { name: 'column already NOT NULL', base: 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);', sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;' },
        {
          name: 'CHECK validated earlier in the change, in a conjunction, in autocommit',
          base: BASE,
          sql: 'ALTER TABLE users ADD CONSTRAINT email_ok CHECK (email IS NOT NULL AND email <> \'\') NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT email_ok;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
          transaction: 'none',
        },
        { name: 'a validating CHECK written NOT (column IS NULL)', base: `${BASE}\nALTER TABLE users ADD CONSTRAINT email_ok CHECK (NOT (email IS NULL));`, sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;' },
      ],
      invalid: [
        {
          name: 'a CHECK that is still NOT VALID does not prove anything',
          base: `${BASE}\nALTER TABLE users ADD CONSTRAINT email_ok CHECK (email IS NOT NULL) NOT VALID;`,
          sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
          errors: [{ messageId: 'setNotNull', line: 1, column: 1 }],
        },
        { name: 'a strict comparison does not prove NOT NULL (a CHECK passes on NULL)', base: `${BASE}\nALTER TABLE users ADD CONSTRAINT email_ok CHECK (email <> '');`, sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', errors: [{ messageId: 'setNotNull' }] },
        { name: 'PostgreSQL 11 ignores the CHECK', base: `${BASE}\nALTER TABLE users ADD CONSTRAINT email_ok CHECK (email IS NOT NULL);`, sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', pgVersion: 11, errors: [{ messageId: 'checkNeedsPg12' }] },
        { name: 'a CHECK on another column does not count', base: `${BASE}\nALTER TABLE users ADD CONSTRAINT id_ok CHECK (id IS NOT NULL);`, sql: 'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL, ALTER COLUMN "id" SET NOT NULL;', errors: [{ messageId: 'setNotNull' }] },
        { name: 'a column dba-review does not know, on a schema-qualified table', sql: 'ALTER TABLE billing.invoices ALTER COLUMN total SET NOT NULL;', errors: [{ messageId: 'setNotNull' }] },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      const cmds = existingTableCommands(ctx, node, ['AT_SetNotNull'])
      if (!cmds.length) return
      const table = ctx.schema.table(node.relation)
      for (const cmd of cmds) {
        const scan = notNullScan(table, cmd.name, ctx.pgVersion)
        if (scan === 'none') continue
        const data = { table: displayName(node.relation), column: cmd.name, version: ctx.pgVersion }
        ctx.report({ messageId: scan === 'proven-before-pg12' ? 'checkNeedsPg12' : 'setNotNull', data })
      }
    },
  }),
})
