import { displayName } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import type { PgNode } from '../src/sql/parse.js'

const BASE = 'CREATE TABLE users (id bigint PRIMARY KEY, plan text, trial_ends_at timestamptz);'

export default defineRule({
  meta: {
    id: 'ban-update-delete-without-where',
    severity: 'error',
    category: 'data',
    summary: 'UPDATE and DELETE on existing tables need a WHERE clause',
    rationale:
      'An `UPDATE` or `DELETE` without `WHERE` changes or removes every row of the table, irreversibly once committed. In a migration it is usually a forgotten condition; when it is meant, it locks every row (concurrent updates of any row wait until the migration commits, under drizzle-orm\'s migrator the end of the last pending migration), writes a new version of every row (the table doubles in size until vacuumed) and sends all of it through WAL at once.',
    safeAlternative:
      'State the rows you mean (`WHERE plan IS NULL`). If every row must change, do it in batches outside the schema migration (`UPDATE … WHERE id IN (SELECT id FROM … WHERE … LIMIT 10000)`, repeated), or say so explicitly: `WHERE true` documents the intent.',
    messages: {
      updateWithoutWhere: 'UPDATE of existing table {{table}} has no WHERE clause: it rewrites every row and locks them all until the transaction commits.',
      deleteWithoutWhere: 'DELETE from existing table {{table}} has no WHERE clause: it deletes every row, irreversibly once committed.',
    },
    exemptions: [
      'Tables created earlier in the same change.',
      'Statements with any WHERE clause, `WHERE true` included (an explicit statement of intent).',
      '`UPDATE`s that only fill columns added earlier in the same change: a deliberate backfill (its cost is `unbatched-backfill`\'s concern).',
    ],
    pgDocs: 'sql-update.html',
    examples: {
      bad: [{ sql: 'UPDATE "users" SET "plan" = \'free\';', base: BASE }],
      good: [{ sql: 'UPDATE "users" SET "plan" = \'free\' WHERE "plan" IS NULL;', base: BASE }],
    },
    tests: {
      valid: [
        { name: 'table created in the same change', sql: "CREATE TABLE plans (name text);\n--> statement-breakpoint\nINSERT INTO plans VALUES ('free');\n--> statement-breakpoint\nUPDATE plans SET name = lower(name);" },
        { name: 'WHERE true states the intent', base: BASE, sql: 'DELETE FROM users WHERE true;' },
        { name: 'filling a column added in the change', base: BASE, sql: "ALTER TABLE users ADD COLUMN tier text;\n--> statement-breakpoint\nUPDATE users SET tier = coalesce(plan, 'free');" },
      ],
      invalid: [
        { name: 'DELETE, schema-qualified, with USING', base: 'CREATE TABLE app.sessions (id bigint, user_id bigint);\nCREATE TABLE app.users (id bigint);', sql: 'DELETE FROM app.sessions USING app.users;', errors: [{ messageId: 'deleteWithoutWhere', line: 1, column: 13 }] },
        { name: 'inside a CTE', base: BASE, sql: "WITH changed AS (UPDATE users SET plan = 'free' RETURNING id) SELECT count(*) FROM changed;", errors: [{ messageId: 'updateWithoutWhere', line: 1, column: 25 }] },
        { name: 'UPDATE … FROM without WHERE', base: `${BASE}\nCREATE TABLE defaults (plan text);`, sql: 'UPDATE users SET plan = d.plan FROM defaults d;', errors: [{ messageId: 'updateWithoutWhere' }] },
        { name: 'a new column and an old one', base: BASE, sql: "ALTER TABLE users ADD COLUMN tier text;\n--> statement-breakpoint\nUPDATE users SET tier = plan, plan = NULL;", errors: [{ messageId: 'updateWithoutWhere', line: 3 }] },
      ],
    },
  },
  check: (ctx) => {
    const check = (node: PgNode, messageId: 'updateWithoutWhere' | 'deleteWithoutWhere'): void => {
      if (node.whereClause || !ctx.isExistingTable(node.relation)) return
      ctx.report({ messageId, data: { table: displayName(node.relation) }, node: node.relation })
    }
    /** Filling only columns the change just added is a deliberate backfill, not a forgotten WHERE (unbatched-backfill covers its cost). */
    const fillsNewColumns = (node: PgNode): boolean => {
      const columns = ctx.schema.table(node.relation)?.columns
      return (node.targetList ?? []).every((t: PgNode) => columns?.get(t.ResTarget?.name)?.createdInChange)
    }
    return {
      UpdateStmt: (node) => {
        if (!fillsNewColumns(node)) check(node, 'updateWithoutWhere')
      },
      DeleteStmt: (node) => check(node, 'deleteWithoutWhere'),
    }
  },
})
