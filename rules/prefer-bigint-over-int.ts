import { displayName } from '../src/lint/ast.js'
import { type ColumnTypeSite, columnTypeVisitors } from '../src/lint/column-types.js'
import { type Anchor, defineRule } from '../src/lint/rule.js'
import type { SchemaState } from '../src/schema/schema-state.js'
import type { ColumnInfo, TableInfo } from '../src/schema/types.js'

/** Integer key types by width in bytes, with what users call them and where they run out. */
const INTEGERS: Record<string, { bytes: number; label: string; max: string }> = {
  int2: { bytes: 2, label: 'smallint', max: '32,767' },
  smallserial: { bytes: 2, label: 'smallserial', max: '32,767' },
  int4: { bytes: 4, label: 'integer', max: '2,147,483,647' },
  serial: { bytes: 4, label: 'serial', max: '2,147,483,647' },
  int8: { bytes: 8, label: 'bigint', max: '9,223,372,036,854,775,807' },
  bigserial: { bytes: 8, label: 'bigserial', max: '9,223,372,036,854,775,807' },
}

function narrow(column: ColumnInfo): (typeof INTEGERS)[string] | undefined {
  const integer = INTEGERS[column.type.name]
  return integer && integer.bytes < 8 && !column.type.array && !column.type.schema ? integer : undefined
}

/** The column's role that makes its width matter, if it is a key. */
function keyRole(table: TableInfo, column: ColumnInfo): string | undefined {
  if (table.constraints.some((c) => c.kind === 'primary' && c.columns.length === 1 && c.columns[0] === column.name)) return 'the primary key'
  if (column.identity) return 'an identity column'
  if (column.type.name.endsWith('serial')) return 'fed by a sequence'
  return undefined
}

/** The first foreign key from `column` to a wider integer key. */
function widerReference(schema: SchemaState, table: TableInfo, column: ColumnInfo): { refTable: string; refColumn: string; refType: string } | undefined {
  for (const fk of table.constraints) {
    if (fk.kind !== 'foreign' || !fk.references) continue
    const position = fk.columns.indexOf(column.name)
    if (position < 0) continue
    const refTable = schema.table(fk.references.table)
    const refColumns = fk.references.columns.length ? fk.references.columns : (refTable?.constraints.find((c) => c.kind === 'primary')?.columns ?? [])
    const refColumn = refColumns[position]
    const refType = refColumn === undefined ? undefined : INTEGERS[refTable?.columns.get(refColumn)?.type.name ?? '']
    if (refTable && refColumn && refType && refType.bytes > INTEGERS[column.type.name]!.bytes) return { refTable: displayName(fk.references.table), refColumn, refType: refType.label }
  }
  return undefined
}

export default defineRule({
  meta: {
    id: 'prefer-bigint-over-int',
    severity: 'warning',
    category: 'design',
    summary: 'Use `bigint` for primary keys, identity/serial columns and foreign keys to bigint keys',
    rationale:
      'An `integer` key runs out at 2,147,483,647 (`smallint` at 32,767): inserts then fail with "integer out of range" or "nextval: reached maximum value of sequence", an outage. Widening it then is `ALTER COLUMN … TYPE bigint`, which rewrites the table and every index under an ACCESS EXCLUSIVE lock, and must be repeated on every referencing column. A foreign key narrower than the `bigint` key it references fails as soon as the parent\'s ids pass its range. `bigint` costs 4 more bytes per row.',
    safeAlternative:
      'Declare keys `bigint` (`bigint GENERATED ALWAYS AS IDENTITY`, or `bigserial`), and foreign keys with the referenced key\'s type. Drizzle: `bigint(\'id\', { mode: \'number\' })`.',
    messages: {
      narrowKey: 'Column {{table}}.{{column}} ({{type}}) is {{role}}: it runs out at {{max}}, and widening it later rewrites the table under an ACCESS EXCLUSIVE lock.',
      narrowForeignKey: 'Column {{table}}.{{column}} is {{type}} but references {{refTable}}.{{refColumn}} ({{refType}}): ids above {{max}} cannot be stored.',
    },
    exemptions: [
      'Ordinary integer columns (counts, amounts, positions): only keys run out.',
      'Columns of composite primary keys (each part is usually a foreign key, checked as one), and foreign keys to an `integer` key (the referenced key is where the limit lies).',
      'Columns that existed before the change, and integer columns widened to `bigint` later in the same change.',
    ],
    pgDocs: 'datatype-numeric.html#DATATYPE-INT',
    aliases: ['squawk:prefer-bigint-over-int', 'squawk:prefer-bigint-over-smallint'],
    examples: {
      bad: [{ sql: 'CREATE TABLE "orders" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"total_cents" integer NOT NULL\n);' }],
      good: [{ sql: 'CREATE TABLE "orders" (\n\t"id" bigserial PRIMARY KEY NOT NULL,\n\t"total_cents" integer NOT NULL\n);' }],
    },
    tests: {
      valid: [
        { name: 'integer columns that are not keys', sql: 'CREATE TABLE t (id bigint PRIMARY KEY, qty integer, pos smallint);' },
        { name: 'composite primary key of integers', sql: 'CREATE TABLE t (a integer, b integer, PRIMARY KEY (a, b));' },
        { name: 'widened to bigint later in the change', sql: 'CREATE TABLE t (id integer PRIMARY KEY);', more: ['ALTER TABLE t ALTER COLUMN id TYPE bigint;'] },
        { name: 'foreign key to an integer key mirrors its type', base: 'CREATE TABLE users (id integer PRIMARY KEY);', sql: 'CREATE TABLE posts (id bigint PRIMARY KEY, user_id integer REFERENCES users (id));' },
        { name: 'primary key added to a column that existed', base: 'CREATE TABLE t (id integer NOT NULL);', sql: 'ALTER TABLE t ADD PRIMARY KEY (id);' },
        { name: 'table dropped again in the same change', sql: 'CREATE TABLE tmp (id serial PRIMARY KEY);\nDROP TABLE tmp;' },
        { name: 'deferred finding honours the statement\'s ignore', sql: '-- dba-review-ignore prefer-bigint-over-int: lookup table with a handful of rows\nCREATE TABLE kinds (id smallint NOT NULL);', more: ['ALTER TABLE kinds ADD PRIMARY KEY (id);'] },
        { name: 'temporary table', sql: 'CREATE TEMP TABLE t (id serial PRIMARY KEY);' },
      ],
      invalid: [
        {
          name: 'drizzle identity integer primary key',
          sql: 'CREATE TABLE "users" (\n\t"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1)\n);',
          errors: [{ messageId: 'narrowKey', line: 2, column: 7 }],
        },
        { name: 'identity column that is not the key', sql: 'CREATE TABLE t (id uuid PRIMARY KEY, seq int GENERATED BY DEFAULT AS IDENTITY);', errors: [{ messageId: 'narrowKey' }] },
        { name: 'smallserial column added to an existing table', base: 'CREATE TABLE t (id uuid PRIMARY KEY);', sql: 'ALTER TABLE t ADD COLUMN n smallserial;', errors: [{ messageId: 'narrowKey' }] },
        {
          name: 'primary key declared by a later file points at the column in the first',
          sql: 'CREATE TABLE "t" (\n\t"id" integer NOT NULL\n);',
          more: ['ALTER TABLE "t" ADD CONSTRAINT "t_pk" PRIMARY KEY ("id");'],
          errors: [{ messageId: 'narrowKey', file: 0, line: 2, column: 7 }],
        },
        {
          name: 'drizzle foreign key added after CREATE TABLE, to a bigint key',
          base: 'CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
          sql: 'CREATE TABLE "posts" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"user_id" integer NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;',
          errors: [{ messageId: 'narrowForeignKey', line: 3 }],
        },
        {
          name: 'foreign key without a column list references the primary key',
          base: 'CREATE TABLE accounts (id bigserial PRIMARY KEY);',
          sql: 'ALTER TABLE accounts ADD COLUMN parent_id integer REFERENCES accounts;',
          errors: [{ messageId: 'narrowForeignKey' }],
        },
        {
          name: 'key retyped from bigint to integer',
          base: 'CREATE TABLE t (id bigint PRIMARY KEY);',
          sql: 'ALTER TABLE t ALTER COLUMN id TYPE integer;',
          errors: [{ messageId: 'narrowKey' }],
        },
      ],
    },
  },
  check: (ctx) => {
    const pending: Array<{ site: ColumnTypeSite; anchor: Anchor }> = []
    const tracked: Array<{ table: TableInfo; column: ColumnInfo; anchor: Anchor }> = []

    // check() runs for every batch: Object.assign onto the fresh visitors costs less than spreading them into another object.
    return Object.assign(
      columnTypeVisitors(ctx, (site) => {
        if (INTEGERS[site.type.name] && INTEGERS[site.type.name]!.bytes < 8) pending.push({ site, anchor: ctx.anchor(site.typeName) })
      }),
      {
        'Statement:exit'() {
          // Keys are often declared by later statements (drizzle adds foreign keys with ALTER TABLE): decide at the end.
          for (const { site, anchor } of pending.splice(0)) {
            const table = ctx.schema.table(site.table)
            const column = table?.columns.get(site.column)
            if (table && column) tracked.push({ table, column, anchor })
          }
        },
        'Change:exit'() {
          for (const { table, column, anchor } of tracked) {
            if (ctx.schema.table(table) !== table || table.columns.get(column.name) !== column) continue
            const integer = narrow(column)
            if (!integer) continue
            const data = { table: displayName(table), column: column.name, type: integer.label, max: integer.max }
            const role = keyRole(table, column)
            if (role) {
              ctx.report({ messageId: 'narrowKey', data: { ...data, role }, at: anchor })
              continue
            }
            const reference = widerReference(ctx.schema, table, column)
            if (reference) ctx.report({ messageId: 'narrowForeignKey', data: { ...data, ...reference }, at: anchor })
          }
        },
      },
    )
  },
})
