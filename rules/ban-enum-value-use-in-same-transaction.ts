import { columnRefName, displayName, rangeVarsIn, refOfNames, stringsOf } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import type { PgNode } from '../src/sql/parse.js'
import { type TypeRef, typeFromNode } from '../src/schema/types.js'

const BASE = "CREATE TYPE order_status AS ENUM ('open', 'paid');\nCREATE TABLE orders (id bigint PRIMARY KEY, status order_status NOT NULL DEFAULT 'open');"

const enumKey = (schema: string | undefined, name: string): string => `${schema ?? 'public'}.${name}`

/** Where a value was added: the transaction it belongs to, and the query (drizzle chunk) it was sent in. */
interface Added {
  transaction: number
  inTransaction: boolean
  file: string
  chunk: number
  line: number
}

/** Column types a statement can see: its own column definitions, then the tables it names. */
function columnTypes(statement: PgNode, kind: string, tables: (ref: PgNode) => Map<string, { type: TypeRef }> | undefined): (name: string) => TypeRef | undefined {
  const own = new Map<string, TypeRef>()
  const defs: PgNode[] =
    kind === 'CreateStmt'
      ? (statement.tableElts ?? []).map((e: PgNode) => e.ColumnDef)
      : kind === 'AlterTableStmt'
        ? (statement.cmds ?? []).map((c: PgNode) => (c.AlterTableCmd?.subtype === 'AT_AddColumn' ? c.AlterTableCmd.def?.ColumnDef : undefined))
        : []
  for (const def of defs) if (def?.typeName) own.set(def.colname, typeFromNode(def.typeName))
  const relations = rangeVarsIn(statement)
  return (name) => own.get(name) ?? relations.map((r) => tables(r)?.get(name)?.type).find((t) => t !== undefined)
}

const noColumn = (): undefined => undefined

export default defineRule({
  meta: {
    id: 'ban-enum-value-use-in-same-transaction',
    severity: 'error',
    category: 'integrity',
    summary: 'Do not use an enum value in the transaction that added it',
    rationale:
      'Since PostgreSQL 12, `ALTER TYPE … ADD VALUE` may run inside a transaction block, but the new value cannot be used until that transaction commits: a cast `\'x\'::type`, a `DEFAULT`, a `CHECK`, an `UPDATE … SET`/`WHERE` or an `INSERT` that turns the literal into the enum fails with "unsafe use of new value" and the whole migration rolls back. drizzle-orm\'s migrator runs every pending migration in one transaction, so putting the `ADD VALUE` and its first use in two migration files does not help: they still share the transaction. (Before PostgreSQL 12, `ADD VALUE` cannot run in a transaction block at all.)',
    safeAlternative:
      'Ship the `ALTER TYPE … ADD VALUE` in its own deploy (its own migration, applied before the one that uses the value), or use a runner mode with one transaction per file; a `COMMIT;` between the two works only at the cost described in `ban-commit-in-migration`.',
    messages: {
      unsafeUse: "'{{value}}' is used as a value of enum {{type}}, which {{where}} added in this same transaction: PostgreSQL rejects it (\"unsafe use of new value\") until that transaction commits.",
      addValueInTransaction: 'ALTER TYPE {{type}} ADD VALUE runs inside a transaction block, which PostgreSQL {{pgVersion}} does not allow (only 12 and later do).',
    },
    exemptions: [
      'Uses after a COMMIT, or in a later file under one-transaction-per-file runners.',
      'A literal compared with a text column: only a literal turned into the enum type is checked.',
      '`ADD VALUE IF NOT EXISTS` of a value the type already had: nothing is added.',
    ],
    pgDocs: 'sql-altertype.html#SQL-ALTERTYPE-NOTES',
    examples: {
      bad: [{ sql: "ALTER TYPE \"order_status\" ADD VALUE 'refunded';--> statement-breakpoint\nALTER TABLE \"orders\" ALTER COLUMN \"status\" SET DEFAULT 'refunded';", base: BASE }],
      good: [
        { sql: "ALTER TYPE \"order_status\" ADD VALUE 'refunded';", base: BASE },
        { sql: "ALTER TYPE \"order_status\" ADD VALUE 'refunded';", more: ["UPDATE \"orders\" SET \"status\" = 'refunded' WHERE \"id\" = 7;"], base: BASE, transaction: 'per-file' },
      ],
    },
    tests: {
      valid: [
        { name: 'a COMMIT in between', base: BASE, sql: "ALTER TYPE order_status ADD VALUE 'refunded';\n--> statement-breakpoint\nCOMMIT;\n--> statement-breakpoint\nUPDATE orders SET status = 'refunded' WHERE id = 7;" },
        { name: 'the literal compared with a text column', base: `${BASE}\nCREATE TABLE notes (id bigint, body text);`, sql: "ALTER TYPE order_status ADD VALUE 'refunded';\n--> statement-breakpoint\nDELETE FROM notes WHERE body = 'refunded';" },
        { name: 'an existing value', base: BASE, sql: "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'paid';\n--> statement-breakpoint\nUPDATE orders SET status = 'paid' WHERE id = 1;" },
        { name: 'autocommit, separate queries', base: BASE, sql: "ALTER TYPE order_status ADD VALUE 'refunded';\n--> statement-breakpoint\nSELECT 'refunded'::order_status;", transaction: 'none' },
        { name: 'another enum', base: `${BASE}\nCREATE TYPE plan AS ENUM ('free');`, sql: "ALTER TYPE plan ADD VALUE 'refunded';\n--> statement-breakpoint\nUPDATE orders SET status = 'refunded' WHERE id = 1;" },
      ],
      invalid: [
        {
          name: 'in a later file of the same drizzle batch (splitting files does not help)',
          base: BASE,
          sql: "ALTER TYPE order_status ADD VALUE 'refunded';",
          more: ["UPDATE orders SET status = 'refunded' WHERE id = 7;"],
          errors: [{ messageId: 'unsafeUse', file: 1, line: 1, column: 28 }],
        },
        { name: 'explicit cast, schema-qualified type', base: "CREATE TYPE billing.state AS ENUM ('a');", sql: "ALTER TYPE billing.state ADD VALUE 'b';\n--> statement-breakpoint\nSELECT 'b'::billing.state;", errors: [{ messageId: 'unsafeUse', line: 3 }] },
        {
          name: 'CHECK, WHERE and IN lists',
          base: BASE,
          sql: "ALTER TYPE order_status ADD VALUE 'void';\n--> statement-breakpoint\nALTER TABLE orders ADD CONSTRAINT orders_not_void CHECK (status <> 'void');\n--> statement-breakpoint\nDELETE FROM orders WHERE status IN ('paid', 'void');",
          errors: [{ messageId: 'unsafeUse', line: 3 }, { messageId: 'unsafeUse', line: 5 }],
        },
        {
          name: 'INSERT values by column list and by table order; a new table\'s column default',
          base: BASE,
          sql: "ALTER TYPE order_status ADD VALUE 'void';\n--> statement-breakpoint\nINSERT INTO orders (status, id) VALUES ('void', 1);\n--> statement-breakpoint\nINSERT INTO orders VALUES (2, 'void');\n--> statement-breakpoint\nCREATE TABLE refunds (id bigint, status order_status DEFAULT 'void');",
          errors: [{ messageId: 'unsafeUse', line: 3 }, { messageId: 'unsafeUse', line: 5 }, { messageId: 'unsafeUse', line: 7 }],
        },
        { name: 'a type created in the same transaction is no exception (PostgreSQL 16)', sql: "CREATE TYPE mood AS ENUM ('ok');\n--> statement-breakpoint\nALTER TYPE mood ADD VALUE 'sad';\n--> statement-breakpoint\nCREATE TABLE days (m mood DEFAULT 'sad');", errors: [{ messageId: 'unsafeUse', line: 5 }] },
        { name: 'autocommit, but one query (same drizzle chunk)', base: BASE, sql: "ALTER TYPE order_status ADD VALUE 'void'; UPDATE orders SET status = 'void' WHERE id = 1;", transaction: 'none', errors: [{ messageId: 'unsafeUse' }] },
        { name: 'PostgreSQL 11 refuses ADD VALUE in a transaction block', base: BASE, sql: "ALTER TYPE order_status ADD VALUE 'void';", pgVersion: 11, errors: [{ messageId: 'addValueInTransaction' }] },
      ],
    },
  },
  check: (ctx) => {
    const added = new Map<string, Map<string, Added>>()
    const columnsOf = (ref: PgNode) => ctx.schema.table(ref)?.columns
    let typeOfColumn: (name: string) => TypeRef | undefined = noColumn

    /** The enum value a literal becomes, if it is one added earlier in this transaction (or in this query). */
    const pendingUse = (type: TypeRef | undefined, value: string): { type: string; added: Added } | undefined => {
      if (!type || type.array) return undefined
      const key = enumKey(type.schema, type.name)
      const entry = added.get(key)?.get(value)
      if (!entry || !ctx.migration || !ctx.statement) return undefined
      const tx = ctx.transaction
      const sameTransaction = entry.inTransaction && tx.inTransaction && entry.transaction === tx.id
      const sameQuery = !entry.inTransaction && ctx.migration.breakpoints && entry.file === ctx.migration.path && entry.chunk === ctx.statement.chunk
      return sameTransaction || sameQuery ? { type: displayName(type), added: entry } : undefined
    }

    /** The type a literal is turned into, from its place in the tree. */
    const targetType = (literal: PgNode, ancestors: readonly PgNode[]): TypeRef | undefined => {
      const parent = ancestors[ancestors.length - 1]
      const grand = ancestors[ancestors.length - 2]
      const isLiteral = (n: PgNode | undefined) => n?.A_Const === literal
      if (!parent) return undefined
      if (parent.typeName && isLiteral(parent.arg)) return typeFromNode(parent.typeName)
      if (parent.kind && parent.lexpr !== undefined) return typeOfColumn(columnRefName(isLiteral(parent.lexpr) ? parent.rexpr : parent.lexpr) ?? '')
      if (parent.items && grand?.kind === 'AEXPR_IN') return typeOfColumn(columnRefName(grand.lexpr) ?? '')
      if (parent.name && isLiteral(parent.val) && grand?.targetList) return typeOfColumn(parent.name)
      if (parent.contype === 'CONSTR_DEFAULT' && grand?.typeName) return typeFromNode(grand.typeName)
      if (parent.subtype === 'AT_ColumnDefault' && isLiteral(parent.def)) return typeOfColumn(parent.name)
      const insert = ancestors.find((a) => a.selectStmt && a.relation)
      if (parent.items && insert && grand?.valuesLists) {
        const index = parent.items.findIndex(isLiteral)
        const names: string[] = insert.cols?.length ? insert.cols.map((c: PgNode) => c.ResTarget?.name) : [...(columnsOf(insert.relation)?.keys() ?? [])]
        return names[index] === undefined ? undefined : typeOfColumn(names[index])
      }
      return undefined
    }

    return {
      Statement(statement) {
        const node = statement.node
        if (!node || !added.size) {
          typeOfColumn = noColumn
          return
        }
        // Read only when one of the statement's string literals needs a column's type.
        let types: ((name: string) => TypeRef | undefined) | undefined
        typeOfColumn = (name) => (types ??= columnTypes(node, statement.kind ?? '', columnsOf))(name)
      },
      AlterEnumStmt(node) {
        const ref = refOfNames(stringsOf(node.typeName))
        if (!node.newVal || node.oldVal || !ref || !ctx.migration || !ctx.statement) return
        if (ctx.schema.enumType(ref.schema, ref.name)?.values.includes(node.newVal)) return
        const key = enumKey(ref.schema, ref.name)
        if (ctx.pgVersion < 12 && ctx.transaction.inTransaction) ctx.report({ messageId: 'addValueInTransaction', data: { type: displayName(ref), pgVersion: ctx.pgVersion } })
        const values = added.get(key) ?? new Map<string, Added>()
        values.set(node.newVal, { transaction: ctx.transaction.id, inTransaction: ctx.transaction.inTransaction, file: ctx.migration.path, chunk: ctx.statement.chunk, line: ctx.statement.range.start.line })
        added.set(key, values)
      },
      A_Const(node, ancestors) {
        const value = node.sval?.sval
        if (typeof value !== 'string' || !added.size) return
        const use = pendingUse(targetType(node, ancestors), value)
        if (!use) return
        const where = use.added.file === ctx.migration?.path ? `line ${use.added.line}` : `${use.added.file}:${use.added.line}`
        ctx.report({ messageId: 'unsafeUse', data: { value, type: use.type, where }, node })
      },
    }
  },
})
