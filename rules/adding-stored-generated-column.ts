import { columnConstraints, columnsAddedToExistingTable, displayName } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE orders (id bigint PRIMARY KEY, net_cents bigint, tax_cents bigint);'

export default defineRule({
  meta: {
    id: 'adding-stored-generated-column',
    severity: 'error',
    category: 'locks',
    summary: 'Do not add stored generated columns to existing tables',
    rationale:
      '`ADD COLUMN … GENERATED ALWAYS AS (…) STORED` computes the expression for every existing row, so PostgreSQL rewrites the whole table and all its indexes under ACCESS EXCLUSIVE: reads and writes wait for the rewrite (about 1 s per million narrow rows).',
    safeAlternative:
      'Add a plain nullable column (catalog-only), keep it up to date with a `BEFORE INSERT OR UPDATE` trigger, backfill existing rows in batches, each batch its own transaction; or compute the value in a view or in queries.',
    messages: {
      storedGenerated: 'Stored generated column {{table}}.{{column}} is added to an existing table: PostgreSQL rewrites all of {{table}} and its indexes under ACCESS EXCLUSIVE to compute it.',
    },
    exemptions: ['Tables created earlier in the same change.', '`ADD COLUMN IF NOT EXISTS` for a column that already exists.'],
    pgDocs: 'ddl-generated-columns.html',
    aliases: ['squawk:adding-field-with-default'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "orders" ADD COLUMN "total_cents" bigint GENERATED ALWAYS AS ("net_cents" + "tax_cents") STORED;', base: BASE }],
      good: [{ sql: 'CREATE TABLE "invoices" ("net_cents" bigint, "tax_cents" bigint);\nALTER TABLE "invoices" ADD COLUMN "total_cents" bigint GENERATED ALWAYS AS ("net_cents" + "tax_cents") STORED;' }],
    },
    tests: {
      valid: [
        { name: 'a plain column', base: BASE, sql: 'ALTER TABLE orders ADD COLUMN total_cents bigint;' },
        {
          name: 'squawk reports generated columns as adding-field-with-default: its ignore comment applies',
          base: BASE,
          sql: '-- squawk-ignore adding-field-with-default\nALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (net_cents + tax_cents) STORED;',
        },
        { name: 'IF NOT EXISTS for a column that exists', base: 'CREATE TABLE orders (a int, b int GENERATED ALWAYS AS (a * 2) STORED);', sql: 'ALTER TABLE orders ADD COLUMN IF NOT EXISTS b int GENERATED ALWAYS AS (a * 2) STORED;' },
      ],
      invalid: [
        {
          name: 'second command of a multi-command ALTER, schema-qualified',
          base: 'CREATE SCHEMA shop;\nCREATE TABLE shop.orders (net_cents bigint, tax_cents bigint);',
          sql: 'ALTER TABLE shop.orders ADD COLUMN note text,\n  ADD COLUMN total_cents bigint GENERATED ALWAYS AS (net_cents + tax_cents) STORED;',
          errors: [{ messageId: 'storedGenerated', line: 2, column: 33 }],
        },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      for (const def of columnsAddedToExistingTable(ctx, node)) {
        for (const generated of columnConstraints(def, 'CONSTR_GENERATED')) {
          ctx.report({ messageId: 'storedGenerated', node: generated, data: { table: displayName(node.relation), column: def.colname } })
        }
      }
    },
  }),
})
