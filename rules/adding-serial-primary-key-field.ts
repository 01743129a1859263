import { columnConstraints, displayName, existingTableCommands, notNullScan, stringsOf } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import type { TableInfo } from '../src/schema/types.js'

const BASE = 'CREATE TABLE accounts (id bigint NOT NULL, email text);'

/** Key columns whose implied SET NOT NULL would scan the table. Unknown columns are not claimed to scan. */
function nullableColumns(table: TableInfo | undefined, columns: string[], pgVersion: number): string[] {
  return columns.filter((c) => {
    const scan = notNullScan(table, c, pgVersion)
    return scan === 'scan' || scan === 'proven-before-pg12'
  })
}

export default defineRule({
  meta: {
    id: 'adding-serial-primary-key-field',
    severity: 'error',
    category: 'locks',
    summary: 'Add primary keys to existing tables USING INDEX built concurrently, on columns already NOT NULL',
    rationale:
      '`ALTER TABLE … ADD PRIMARY KEY (…)` builds the unique index while holding ACCESS EXCLUSIVE: reads and writes of the table wait for the whole build (about 1 s per million narrow rows). A primary key also makes its columns NOT NULL: for a nullable column PostgreSQL first scans the whole table under the same lock, even with `USING INDEX`, unless a validated `CHECK (column IS NOT NULL)` proves it (PostgreSQL 12+).',
    safeAlternative:
      '1. `CREATE UNIQUE INDEX CONCURRENTLY accounts_pkey_idx ON accounts (id);` (SHARE UPDATE EXCLUSIVE, outside a transaction block). 2. If the columns are nullable, make them NOT NULL without a scan (see adding-not-nullable-field). 3. `ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_pkey_idx;` (short ACCESS EXCLUSIVE).',
    messages: {
      addPrimaryKey: 'Primary key on {{table}} ({{columns}}) is added without USING INDEX: its unique index is built while ACCESS EXCLUSIVE blocks reads and writes of {{table}}.',
      addPrimaryKeyNullable: 'Primary key on {{table}} ({{columns}}) is added without USING INDEX: under ACCESS EXCLUSIVE PostgreSQL scans {{table}} to set {{nullable}} NOT NULL, then builds the unique index, while reads and writes wait.',
      usingIndexNullable: 'Primary key on {{table}} USING INDEX {{index}} first sets {{nullable}} NOT NULL, which scans all of {{table}} under ACCESS EXCLUSIVE: no validated CHECK (… IS NOT NULL) proves it.',
    },
    exemptions: [
      'Tables created earlier in the same change.',
      '`USING INDEX` on columns that are NOT NULL or proven so by a validated CHECK (PostgreSQL 12+).',
    ],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX',
    aliases: ['squawk:adding-serial-primary-key-field'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "accounts" ADD CONSTRAINT "accounts_pkey" PRIMARY KEY("id");', base: BASE }],
      good: [
        { sql: 'ALTER TABLE "accounts" ADD CONSTRAINT "accounts_pkey" PRIMARY KEY USING INDEX "accounts_pkey_idx";', base: `${BASE}\nCREATE UNIQUE INDEX accounts_pkey_idx ON accounts (id);` },
        { sql: 'CREATE TABLE "teams" ("id" bigint);\nALTER TABLE "teams" ADD PRIMARY KEY ("id");' },
      ],
    },
    tests: {
      valid: [
        {
          name: 'USING INDEX on a column proven NOT NULL by a validated CHECK, index built in the change',
          base: 'CREATE TABLE accounts (id bigint);\nALTER TABLE accounts ADD CONSTRAINT id_nn CHECK (id IS NOT NULL);',
          sql: 'CREATE UNIQUE INDEX CONCURRENTLY accounts_pkey_idx ON accounts (id);--> statement-breakpoint\nALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_pkey_idx;',
          transaction: 'none',
        },
        { name: 'USING INDEX of an index dba-review does not know', base: BASE, sql: 'ALTER TABLE accounts ADD PRIMARY KEY USING INDEX legacy_idx;' },
      ],
      invalid: [
        {
          name: 'a nullable key column adds a NOT NULL scan',
          base: 'CREATE TABLE accounts (tenant_id bigint NOT NULL, email text);',
          sql: 'ALTER TABLE accounts ADD PRIMARY KEY (tenant_id, email);',
          errors: [{ messageId: 'addPrimaryKeyNullable', line: 1, column: 26 }],
        },
        {
          name: 'USING INDEX on a nullable column still scans',
          base: 'CREATE TABLE accounts (id bigint);\nCREATE UNIQUE INDEX accounts_id_idx ON accounts (id);',
          sql: 'ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_id_idx;',
          errors: [{ messageId: 'usingIndexNullable' }],
        },
        { name: 'an inline PRIMARY KEY on a new serial column', base: 'CREATE TABLE events (name text);', sql: 'ALTER TABLE events ADD COLUMN id bigserial PRIMARY KEY;', errors: [{ messageId: 'addPrimaryKey', column: 44 }] },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      const cmds = existingTableCommands(ctx, node, ['AT_AddColumn', 'AT_AddConstraint'])
      if (!cmds.length) return
      const info = ctx.schema.table(node.relation)
      const table = displayName(node.relation)
      for (const cmd of cmds) {
        const def = cmd.subtype === 'AT_AddColumn' ? cmd.def?.ColumnDef : undefined
        for (const inline of def ? columnConstraints(def, 'CONSTR_PRIMARY') : []) {
          ctx.report({ messageId: 'addPrimaryKey', node: inline, data: { table, columns: def.colname } })
        }
        const constraint = cmd.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined
        if (constraint?.contype !== 'CONSTR_PRIMARY') continue
        if (constraint.indexname) {
          const index = info?.indexes.find((i) => i.name === constraint.indexname)
          const nullable = nullableColumns(info, (index?.columns ?? []).filter((c): c is string => c !== null), ctx.pgVersion)
          if (nullable.length) ctx.report({ messageId: 'usingIndexNullable', node: constraint, data: { table, index: constraint.indexname, nullable: nullable.join(', ') } })
          continue
        }
        const columns = stringsOf(constraint.keys)
        const nullable = nullableColumns(info, columns, ctx.pgVersion)
        ctx.report({
          messageId: nullable.length ? 'addPrimaryKeyNullable' : 'addPrimaryKey',
          node: constraint,
          data: { table, columns: columns.join(', '), nullable: nullable.join(', ') },
        })
      }
    },
  }),
})
