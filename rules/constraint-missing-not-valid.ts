import { alterTableCommands, columnConstraints, displayName } from '../src/lint/ast.js'
import { splitValidationFix } from '../src/lint/fixes.js'
import { defineRule } from '../src/lint/rule.js'
import { refOf } from '../src/schema/schema-state.js'
import type { PgNode } from '../src/sql/parse.js'

const BASE = 'CREATE TABLE accounts (id bigint PRIMARY KEY, balance numeric);\nCREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE posts (id bigint, author_id bigint);'

function sameTable(a: PgNode, b: PgNode): boolean {
  const [x, y] = [refOf(a), refOf(b)]
  return x.name === y.name && (x.schema ?? 'public') === (y.schema ?? 'public')
}

/** The `NOT VALID` constraint named `name` that `statement` adds to `table`, if it does. */
function notValidAddition(statement: PgNode | null, table: PgNode, name: string): PgNode | undefined {
  if (!statement?.relation || !statement.cmds || !sameTable(statement.relation, table)) return undefined
  return alterTableCommands(statement)
    .map((cmd) => (cmd.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined))
    .find((c) => c?.conname === name && c.skip_validation)
}

export default defineRule({
  meta: {
    id: 'constraint-missing-not-valid',
    severity: 'warning',
    category: 'locks',
    summary: 'Add CHECK constraints to existing tables NOT VALID, and validate in a separate transaction',
    rationale:
      'Adding a CHECK constraint takes ACCESS EXCLUSIVE on the table and keeps it while every existing row is checked: reads and writes wait for the whole scan, and inside a transaction until COMMIT. `NOT VALID` skips the scan (the lock is short), and `VALIDATE CONSTRAINT` then scans under SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes. But locks last until COMMIT: a VALIDATE in the **same transaction** as its `ADD … NOT VALID` scans while the ADD\'s lock (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE on both tables for a foreign key) is still held, which gains nothing. drizzle-orm runs all pending migrations in one transaction, so putting the VALIDATE in a later file of the same deploy does not help either.',
    safeAlternative:
      '1. `ALTER TABLE accounts ADD CONSTRAINT accounts_balance_check CHECK (balance >= 0) NOT VALID;` (short ACCESS EXCLUSIVE; new rows are checked from now on). 2. In a **separate transaction**, with drizzle-orm a later deploy: `ALTER TABLE accounts VALIDATE CONSTRAINT accounts_balance_check;` (SHARE UPDATE EXCLUSIVE: reads and writes continue). For a CHECK on a new column, add the column first, then the constraint this way.',
    messages: {
      missingNotValid: 'CHECK constraint {{name}} on {{table}} is validated as it is added: ACCESS EXCLUSIVE on {{table}} blocks reads and writes while every row is checked.',
      inlineCheck: 'The CHECK on new column {{table}}.{{column}} is validated by scanning all of {{table}} under ACCESS EXCLUSIVE: reads and writes wait for the scan.',
      validateInSameTransaction: 'Constraint {{name}} is validated in the same transaction that added it NOT VALID: the ADD\'s {{lock}} is held until COMMIT, so the validation scan blocks writes as if NOT VALID had not been used.',
    },
    fix: 'Appends NOT VALID and adds `ALTER TABLE … VALIDATE CONSTRAINT …` as a statement of its own, only where the two commit separately (autocommit, file split on statement-breakpoints), for a named CHECK that is the statement\'s only command.',
    exemptions: [
      'Tables created earlier in the same change.',
      'Foreign keys added without NOT VALID: adding-foreign-key-constraint reports them, naming both locked tables (one finding per statement and reason).',
      'A VALIDATE whose `ADD … NOT VALID` committed earlier: in the base, before a `COMMIT;`, in another file under a per-file runner, or in autocommit.',
    ],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT',
    aliases: ['squawk:constraint-missing-not-valid'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "accounts" ADD CONSTRAINT "accounts_balance_check" CHECK ("balance" >= 0);', base: BASE }],
      good: [
        {
          name: 'NOT VALID, then VALIDATE in its own transaction',
          sql: 'ALTER TABLE "accounts" ADD CONSTRAINT "accounts_balance_check" CHECK ("balance" >= 0) NOT VALID;--> statement-breakpoint\nALTER TABLE "accounts" VALIDATE CONSTRAINT "accounts_balance_check";',
          base: BASE,
          transaction: 'none',
        },
        { sql: 'CREATE TABLE "ledgers" ("id" bigint, "balance" numeric);--> statement-breakpoint\nALTER TABLE "ledgers" ADD CONSTRAINT "ledgers_balance_check" CHECK ("balance" >= 0);' },
      ],
    },
    tests: {
      valid: [
        { name: 'validating a constraint the base added NOT VALID', base: `${BASE}\nALTER TABLE accounts ADD CONSTRAINT positive CHECK (balance >= 0) NOT VALID;`, sql: 'ALTER TABLE accounts VALIDATE CONSTRAINT positive;' },
        { name: 'a per-file runner commits between files', base: BASE, sql: 'ALTER TABLE accounts ADD CONSTRAINT positive CHECK (balance >= 0) NOT VALID;', more: ['ALTER TABLE accounts VALIDATE CONSTRAINT positive;'], transaction: 'per-file' },
        { name: 'a COMMIT ends the runner transaction between ADD and VALIDATE', base: BASE, sql: 'ALTER TABLE accounts ADD CONSTRAINT positive CHECK (balance >= 0) NOT VALID;\nCOMMIT;\nALTER TABLE accounts VALIDATE CONSTRAINT positive;' },
        { name: 'the same constraint name on another table', base: `${BASE}\nALTER TABLE accounts ADD CONSTRAINT positive CHECK (balance >= 0) NOT VALID;`, sql: 'ALTER TABLE posts ADD CONSTRAINT positive CHECK (id >= 0) NOT VALID;\nALTER TABLE accounts VALIDATE CONSTRAINT positive;' },
        { name: 'a foreign key is adding-foreign-key-constraint\'s', base: BASE, sql: 'ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES users (id);' },
      ],
      invalid: [
        {
          name: 'fix in autocommit, with ONLY and IF EXISTS kept',
          base: BASE,
          sql: 'ALTER TABLE IF EXISTS ONLY accounts ADD CONSTRAINT accounts_balance_check CHECK (balance >= 0);',
          transaction: 'none',
          errors: [{ messageId: 'missingNotValid', line: 1, column: 41 }],
          output: 'ALTER TABLE IF EXISTS ONLY accounts ADD CONSTRAINT accounts_balance_check CHECK (balance >= 0) NOT VALID;\n--> statement-breakpoint\nALTER TABLE IF EXISTS ONLY "accounts" VALIDATE CONSTRAINT "accounts_balance_check";',
        },
        { name: 'no fix inside the runner transaction', base: BASE, sql: 'ALTER TABLE accounts ADD CONSTRAINT accounts_balance_check CHECK (balance >= 0);', errors: [{ messageId: 'missingNotValid' }], output: null },
        { name: 'no fix for an unnamed CHECK', base: BASE, sql: 'ALTER TABLE accounts ADD CHECK (balance >= 0);', transaction: 'none', errors: [{ messageId: 'missingNotValid' }], output: null },
        {
          name: 'no fix when the ALTER has other commands',
          base: BASE,
          sql: 'ALTER TABLE accounts ADD COLUMN note text, ADD CONSTRAINT accounts_balance_check CHECK (balance >= 0);',
          transaction: 'none',
          errors: [{ messageId: 'missingNotValid' }],
          output: null,
        },
        {
          name: 'inside a drizzle DO block in autocommit: no fix (the block is one transaction)',
          base: BASE,
          sql: 'DO $$ BEGIN\n ALTER TABLE "accounts" ADD CONSTRAINT "accounts_balance_check" CHECK ("balance" >= 0);\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;',
          transaction: 'none',
          errors: [{ messageId: 'missingNotValid', line: 2 }],
          output: null,
        },
        { name: 'an inline CHECK on a new column scans the table', base: BASE, sql: 'ALTER TABLE accounts ADD COLUMN limit_cents bigint CHECK (limit_cents > 0);', errors: [{ messageId: 'inlineCheck', column: 52 }] },
        {
          name: 'a drizzle batch: VALIDATE in a later file of the same deploy, for a foreign key',
          base: BASE,
          sql: 'ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES users (id) NOT VALID;',
          more: ['ALTER TABLE posts VALIDATE CONSTRAINT posts_author_fk;'],
          errors: [{ messageId: 'validateInSameTransaction', file: 1, line: 1 }],
        },
        {
          name: 'NOT VALID and VALIDATE in one statement',
          base: BASE,
          sql: 'ALTER TABLE accounts ADD CONSTRAINT positive CHECK (balance >= 0) NOT VALID, VALIDATE CONSTRAINT positive;',
          transaction: 'none',
          errors: [{ messageId: 'validateInSameTransaction' }],
        },
        {
          name: 'explicit BEGIN around both',
          base: BASE,
          sql: 'BEGIN;\nALTER TABLE accounts ADD CONSTRAINT positive CHECK (balance >= 0) NOT VALID;\nALTER TABLE accounts VALIDATE CONSTRAINT positive;\nCOMMIT;',
          transaction: 'none',
          errors: [{ messageId: 'validateInSameTransaction', line: 3 }],
        },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      if (!ctx.isExistingTable(node.relation)) return
      const table = displayName(node.relation)
      const cmds = alterTableCommands(node)
      cmds.forEach((cmd, i) => {
        const constraint = cmd.def?.Constraint
        if (cmd.subtype === 'AT_AddConstraint' && constraint?.contype === 'CONSTR_CHECK' && !constraint.skip_validation) {
          ctx.report({ messageId: 'missingNotValid', node: constraint, data: { name: constraint.conname ?? '(unnamed)', table }, fix: splitValidationFix(ctx, node, constraint) })
        }
        const def = cmd.subtype === 'AT_AddColumn' ? cmd.def?.ColumnDef : undefined
        if (def && !(cmd.missing_ok && ctx.schema.table(node.relation)?.columns.has(def.colname))) {
          for (const check of columnConstraints(def, 'CONSTR_CHECK')) ctx.report({ messageId: 'inlineCheck', node: check, data: { table, column: def.colname } })
        }
        if (cmd.subtype !== 'AT_ValidateConstraint') return
        // Earlier commands of this statement, and earlier statements of the transaction, commit with this VALIDATE.
        const earlier = [{ ...node, cmds: node.cmds.slice(0, i) }, ...(ctx.transaction.inTransaction ? ctx.statementsBeforeInTransaction().map((s) => s.statement.node) : [])]
        const added = earlier.map((s) => notValidAddition(s, node.relation, cmd.name)).find((c) => c !== undefined)
        if (!added) return
        const lock = added.contype === 'CONSTR_FOREIGN' ? `SHARE ROW EXCLUSIVE on ${table} and ${displayName(added.pktable)}` : `ACCESS EXCLUSIVE on ${table}`
        ctx.report({ messageId: 'validateInSameTransaction', data: { name: cmd.name, lock } })
      })
    },
  }),
})
