import { displayName } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import type { PgNode } from '../src/sql/parse.js'
import { workDoneBy } from '../src/lint/statement-work.js'

const BASE = 'CREATE TABLE users (id bigint PRIMARY KEY, email text, email_lower text);'

export default defineRule({
  meta: {
    id: 'unbatched-backfill',
    severity: 'warning',
    category: 'data',
    summary: 'Backfill existing tables in batches outside the schema migration',
    rationale:
      'An `UPDATE`, `DELETE`, `MERGE` or `INSERT … SELECT` on an existing table inside a migration writes all its rows in one transaction: every written row stays locked (concurrent writes to those rows wait) until the transaction commits, which under drizzle-orm\'s migrator is the end of the last pending migration, together with every DDL lock taken before it; the whole change goes through WAL at once (replicas lag), dead row versions pile up until vacuum, and a failure near the end rolls everything back. Its run time grows with the table, so the deploy does too.',
    safeAlternative:
      'Ship the schema change alone, then backfill from a script or background job in batches of a few thousand rows, each its own short transaction: `UPDATE users SET email_lower = lower(email) WHERE id IN (SELECT id FROM users WHERE email_lower IS NULL LIMIT 5000);` repeated until it updates nothing (ROW EXCLUSIVE only; reads and other writes continue). Add constraints that depend on the backfill afterwards (`NOT VALID`, then `VALIDATE`).',
    messages: {
      backfill: '{{action}} writes rows of existing table {{table}} inside the migration: the rows stay locked until the transaction commits, and its run time and WAL grow with the table.',
    },
    exemptions: [
      'Tables created earlier in the same change (a new table being filled has no concurrent users).',
      '`UPDATE`/`DELETE` that pin a primary key or full unique index to constants (a handful of rows), and `INSERT … VALUES`.',
    ],
    pgDocs: 'sql-update.html',
    examples: {
      bad: [{ sql: 'ALTER TABLE "users" ADD COLUMN "email_lower" text;--> statement-breakpoint\nUPDATE "users" SET "email_lower" = lower("email");', base: 'CREATE TABLE users (id bigint PRIMARY KEY, email text);' }],
      good: [{ sql: 'UPDATE "users" SET "email" = \'support@example.com\' WHERE "id" = 1;', base: BASE }],
    },
    tests: {
      valid: [
        { name: 'filling a table created in the change from an existing one', base: BASE, sql: 'CREATE TABLE emails (user_id bigint, email text);\n--> statement-breakpoint\nINSERT INTO emails SELECT id, email FROM users;' },
        { name: 'seed rows with VALUES', base: BASE, sql: "INSERT INTO users (id, email) VALUES (1, 'a@example.com'), (2, 'b@example.com');" },
        { name: 'key lookup with IN list', base: BASE, sql: 'DELETE FROM users WHERE id IN (1, 2, 3);' },
      ],
      invalid: [
        { name: 'DELETE by a non-unique column', base: BASE, sql: "DELETE FROM users WHERE email LIKE '%@test.invalid';", errors: [{ messageId: 'backfill', line: 1, column: 13 }] },
        { name: 'INSERT … SELECT into an existing table', base: `${BASE}\nCREATE TABLE legacy_users (id bigint, email text);`, sql: 'INSERT INTO users (id, email) SELECT id, email FROM legacy_users;', errors: [{ messageId: 'backfill' }] },
        { name: 'UPDATE inside a CTE, schema-qualified', base: 'CREATE TABLE app.users (id bigint, active boolean);', sql: 'WITH x AS (UPDATE app.users SET active = true WHERE active IS NULL RETURNING id) SELECT count(*) FROM x;', errors: [{ messageId: 'backfill' }] },
        { name: 'MERGE', base: `${BASE}\nCREATE TABLE imports (id bigint, email text);`, sql: 'MERGE INTO users u USING imports i ON u.id = i.id WHEN MATCHED THEN UPDATE SET email = i.email;', errors: [{ messageId: 'backfill' }] },
      ],
    },
  },
  check: (ctx) => {
    const check = (kind: string, node: PgNode): void => {
      const work = workDoneBy({ kind, node }, ctx).find((w) => w.kind === 'backfill' && ctx.isExistingTable(w.table))
      if (work) ctx.report({ messageId: 'backfill', data: { action: work.action, table: displayName(work.table) }, node: work.node })
    }
    return {
      UpdateStmt: (node) => check('UpdateStmt', node),
      DeleteStmt: (node) => check('DeleteStmt', node),
      InsertStmt: (node) => check('InsertStmt', node),
      MergeStmt: (node) => check('MergeStmt', node),
    }
  },
})
