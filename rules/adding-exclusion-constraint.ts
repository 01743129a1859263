import { displayName, existingTableCommands } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE EXTENSION IF NOT EXISTS btree_gist;\nCREATE TABLE bookings (id bigint PRIMARY KEY, room_id bigint, during tstzrange);'

export default defineRule({
  meta: {
    id: 'adding-exclusion-constraint',
    severity: 'error',
    category: 'locks',
    summary: 'Do not add exclusion constraints to existing tables',
    rationale:
      '`ALTER TABLE … ADD CONSTRAINT … EXCLUDE` builds its index (usually GiST, slower to build than a B-tree) and checks every existing row while holding ACCESS EXCLUSIVE: reads and writes of the table wait for the whole build. Unlike UNIQUE or CHECK there is no escape: exclusion constraints accept neither `NOT VALID` nor `USING INDEX`.',
    safeAlternative:
      'Declare exclusion constraints when the table is created. For an existing table, either accept the lock in a maintenance window (with `lock_timeout` set), or create a new table with the constraint, copy the rows in batches while a trigger mirrors writes, and swap the tables with a rename.',
    messages: {
      addExclusion: 'Exclusion constraint {{name}} on {{table}} is built under ACCESS EXCLUSIVE: reads and writes of {{table}} wait for the whole index build and check, and there is no NOT VALID or USING INDEX form.',
    },
    exemptions: ['Tables created earlier in the same change.'],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT',
    examples: {
      bad: [{ sql: 'ALTER TABLE "bookings" ADD CONSTRAINT "bookings_no_overlap" EXCLUDE USING gist ("room_id" WITH =, "during" WITH &&);', base: BASE }],
      good: [{ sql: 'CREATE TABLE "rooms_booked" ("room_id" bigint, "during" tstzrange, CONSTRAINT "no_overlap" EXCLUDE USING gist ("room_id" WITH =, "during" WITH &&));', base: BASE }],
    },
    tests: {
      valid: [{ name: 'added to a table created earlier in the change', base: BASE, sql: 'CREATE TABLE holds (room_id bigint, during tstzrange);\nALTER TABLE holds ADD EXCLUDE USING gist (room_id WITH =, during WITH &&);' }],
      invalid: [{ name: 'unnamed, in a multi-command ALTER', base: BASE, sql: 'ALTER TABLE bookings ADD COLUMN note text,\n  ADD EXCLUDE USING gist (room_id WITH =, during WITH &&);', errors: [{ messageId: 'addExclusion', line: 2, column: 7 }] }],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      for (const cmd of existingTableCommands(ctx, node, ['AT_AddConstraint'])) {
        const constraint = cmd.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined
        if (constraint?.contype === 'CONSTR_EXCLUSION') ctx.report({ messageId: 'addExclusion', node: constraint, data: { name: constraint.conname ?? '(unnamed)', table: displayName(node.relation) } })
      }
    },
  }),
})
