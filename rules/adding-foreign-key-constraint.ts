import { columnConstraints, displayName, existingTableCommands, stringsOf } from '../src/lint/ast.js'
import { splitValidationFix } from '../src/lint/fixes.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE posts (id bigint PRIMARY KEY, author_id bigint);'

export default defineRule({
  meta: {
    id: 'adding-foreign-key-constraint',
    severity: 'error',
    category: 'locks',
    summary: 'Add foreign keys to existing tables NOT VALID, then VALIDATE them separately',
    rationale:
      'Adding a foreign key takes SHARE ROW EXCLUSIVE on the table **and on the referenced table**, and a validating one keeps both while it checks every existing row of the table against the referenced one. INSERT, UPDATE and DELETE on both tables wait for the whole scan (about 1 s per million rows, more with a cold cache), and inside a transaction until COMMIT. `NOT VALID` skips the scan, so the lock is short; `VALIDATE CONSTRAINT` then scans under SHARE UPDATE EXCLUSIVE (and ROW SHARE on the referenced table), which blocks neither reads nor writes.',
    safeAlternative:
      '1. `ALTER TABLE posts ADD CONSTRAINT posts_author_id_fk FOREIGN KEY (author_id) REFERENCES users (id) NOT VALID;` (short SHARE ROW EXCLUSIVE on both tables; new rows are checked from now on). 2. In a **separate transaction** (with drizzle-orm: a later deploy, since all pending migrations share one transaction): `ALTER TABLE posts VALIDATE CONSTRAINT posts_author_id_fk;` (SHARE UPDATE EXCLUSIVE: reads and writes continue). For a new column with a default, add the column first, then the foreign key this way.',
    messages: {
      validatingForeignKey: 'Foreign key {{name}} is validated as it is added: SHARE ROW EXCLUSIVE on {{table}} and on {{refTable}} blocks writes to both tables while all of {{table}} is scanned.',
      columnWithDefault: 'New column {{table}}.{{column}} references {{refTable}} and has a DEFAULT, so its foreign key is validated at once: SHARE ROW EXCLUSIVE on {{table}} and on {{refTable}} blocks writes to both tables while all of {{table}} is scanned.',
    },
    fix: 'Appends NOT VALID and adds `ALTER TABLE … VALIDATE CONSTRAINT …` as a statement of its own, only where the two commit separately (autocommit, file split on statement-breakpoints), for a named foreign key that is the statement\'s only command, on a table that is not partitioned (PostgreSQL 16 rejects NOT VALID foreign keys there).',
    exemptions: [
      'Tables created earlier in the same change: they are empty, so nothing is scanned; the referenced table is locked only briefly, as with NOT VALID.',
      '`NOT VALID` foreign keys (a short lock; `lock_timeout` rules cover the wait for it).',
      '`ADD COLUMN … REFERENCES` without a DEFAULT: the new column is all NULL, so PostgreSQL creates the foreign key valid without scanning.',
      'Validating a foreign key added NOT VALID in the same transaction is reported by constraint-missing-not-valid; CHECK constraints without NOT VALID as well.',
    ],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT',
    aliases: ['squawk:adding-foreign-key-constraint'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;', base: BASE }],
      good: [
        {
          sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") NOT VALID;--> statement-breakpoint\nALTER TABLE "posts" VALIDATE CONSTRAINT "posts_author_id_users_id_fk";',
          base: BASE,
          transaction: 'none',
        },
        { sql: 'CREATE TABLE "comments" ("id" bigint PRIMARY KEY, "post_id" bigint REFERENCES "posts"("id"));', base: BASE },
      ],
    },
    tests: {
      valid: [
        { name: 'foreign key from a table created in the change to an existing one', base: BASE, sql: 'CREATE TABLE likes (post_id bigint);\nALTER TABLE likes ADD CONSTRAINT likes_post_id_fk FOREIGN KEY (post_id) REFERENCES posts (id);' },
        { name: 'ADD COLUMN … REFERENCES without a default is created valid without a scan', base: BASE, sql: 'ALTER TABLE posts ADD COLUMN editor_id bigint REFERENCES users (id);' },
        { name: 'a CHECK constraint is constraint-missing-not-valid\'s', base: BASE, sql: 'ALTER TABLE posts ADD CONSTRAINT posts_id_check CHECK (id > 0);' },
        { name: 'squawk\'s ignore comment for the same check is honoured', base: BASE, sql: '-- squawk-ignore adding-foreign-key-constraint\nALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES users (id);' },
      ],
      invalid: [
        {
          name: 'fix in autocommit: NOT VALID, then VALIDATE in its own chunk',
          base: 'CREATE SCHEMA app;\nCREATE TABLE app.users (id bigint PRIMARY KEY);\nCREATE TABLE app.posts (id bigint, author_id bigint);',
          sql: 'ALTER TABLE "app"."posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "app"."users"("id") ON DELETE cascade;--> statement-breakpoint\nSELECT 1;',
          transaction: 'none',
          errors: [{ messageId: 'validatingForeignKey', line: 1, column: 31 }],
          output:
            'ALTER TABLE "app"."posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "app"."users"("id") ON DELETE cascade NOT VALID;\n--> statement-breakpoint\nALTER TABLE "app"."posts" VALIDATE CONSTRAINT "posts_author_fk";--> statement-breakpoint\nSELECT 1;',
        },
        { name: 'no fix inside the runner transaction: the VALIDATE would run under the ADD\'s lock', base: BASE, sql: 'ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES users (id);', errors: [{ messageId: 'validatingForeignKey' }], output: null },
        { name: 'no fix for an unnamed foreign key', base: BASE, sql: 'ALTER TABLE posts ADD FOREIGN KEY (author_id) REFERENCES users (id);', transaction: 'none', errors: [{ messageId: 'validatingForeignKey' }], output: null },
        {
          name: 'no fix on a partitioned table (NOT VALID foreign keys are rejected there)',
          base: 'CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE events (id bigint, user_id bigint, at int) PARTITION BY RANGE (at);',
          sql: 'ALTER TABLE events ADD CONSTRAINT events_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
          transaction: 'none',
          errors: [{ messageId: 'validatingForeignKey' }],
          output: null,
        },
        {
          name: 'an existing table referencing a table new in the change is still scanned',
          base: BASE,
          sql: 'CREATE TABLE tags (id bigint PRIMARY KEY);\nALTER TABLE posts ADD COLUMN tag_id bigint, ADD CONSTRAINT posts_tag_fk FOREIGN KEY (tag_id) REFERENCES tags (id);',
          errors: [{ messageId: 'validatingForeignKey', line: 2 }],
          output: null,
        },
        { name: 'new column with a default and REFERENCES', base: BASE, sql: 'ALTER TABLE posts ADD COLUMN editor_id bigint DEFAULT 1 REFERENCES users (id);', errors: [{ messageId: 'columnWithDefault', column: 30 }] },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      const cmds = existingTableCommands(ctx, node, ['AT_AddConstraint', 'AT_AddColumn'])
      if (!cmds.length) return
      const table = displayName(node.relation)
      for (const cmd of cmds) {
        const constraint = cmd.def?.Constraint
        if (cmd.subtype === 'AT_AddConstraint' && constraint?.contype === 'CONSTR_FOREIGN' && !constraint.skip_validation) {
          const partitioned = ctx.schema.table(node.relation)?.kind === 'partitioned'
          ctx.report({
            messageId: 'validatingForeignKey',
            node: constraint,
            data: { name: constraint.conname ?? `(${stringsOf(constraint.fk_attrs).join(', ')})`, table, refTable: displayName(constraint.pktable) },
            fix: partitioned ? undefined : splitValidationFix(ctx, node, constraint),
          })
        }
        const def = cmd.subtype === 'AT_AddColumn' ? cmd.def?.ColumnDef : undefined
        if (!def || !columnConstraints(def, 'CONSTR_DEFAULT').length) continue
        for (const reference of columnConstraints(def, 'CONSTR_FOREIGN')) {
          ctx.report({ messageId: 'columnWithDefault', node: def, data: { table, column: def.colname, refTable: displayName(reference.pktable) } })
        }
      }
    },
  }),
})
