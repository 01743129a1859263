import { columnRefName, displayName, existingTableCommands } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import type { PgNode } from '../src/sql/parse.js'
import { formatType, type TypeRef, typeFromNode } from '../src/schema/types.js'

/**
 * What `ALTER COLUMN … TYPE` costs, by old and new type (no USING, or `USING col` / `USING col::newtype`,
 * which PostgreSQL plans identically). Every row was measured on PostgreSQL 16 by comparing the table's
 * and its index's relfilenode before and after; "n" is the old length or precision.
 *
 * | From | To | Cost |
 * |---|---|---|
 * | any type | the same type and modifiers | none |
 * | varchar(n) | varchar(m ≥ n), varchar, text | none |
 * | text, varchar | varchar (no length) | none |
 * | numeric(p, s) | numeric(p' ≥ p, s), numeric | none |
 * | varbit(n) | varbit(m ≥ n), varbit | none |
 * | timestamp(p), timestamptz(p), time(p), timetz(p) | the same type with precision ≥ p (none written = 6) | none |
 * | interval(…) | interval; interval(p) → interval(p' ≥ p) | none |
 * | cidr | inet | none |
 * | timestamp ↔ timestamptz, new precision 6 or none | | rewrite, unless the session TimeZone is UTC (PostgreSQL 12+): then indexes on the column are rebuilt only |
 * | bit(n) | varbit | indexes on the column rebuilt, table kept |
 * | text, varchar | bpchar (no length) | indexes rebuilt, table kept |
 * | int4 ↔ oid, xml → text / varchar | | indexes rebuilt, table kept |
 * | a "none" change with a new COLLATE | | indexes rebuilt, table kept |
 * | anything else: shorter lengths, lower precision, other scales, int4 → int8, float4 ↔ float8, json ↔ jsonb, enums, arrays of anything but the same type, domains | | rewrite |
 *
 * A type change never only scans on PostgreSQL 16: the table is either rewritten (with every index) or
 * kept. Domains with constraints rewrite; dba-review does not track domains, so any change to or from a
 * user type other than to the same type counts as a rewrite.
 */
type Cost = 'none' | 'rebuild-indexes' | 'rewrite' | 'rewrite-unless-utc'

const SERIAL_BASE: Record<string, string> = { serial: 'int4', bigserial: 'int8', smallserial: 'int2' }
const PRECISION_TYPES = new Set(['timestamp', 'timestamptz', 'time', 'timetz'])
const DEFAULT_PRECISION = 6
const INTERVAL_FULL_RANGE = 32767
/** Binary-coercible pairs whose operator classes differ: the table stays, its indexes on the column are rebuilt. */
const REBUILDS_INDEXES = new Set(['int4>oid', 'oid>int4', 'xml>text'])
/** Pairs that keep the table only when the new type has no length: `key` → cost without one. */
const UNBOUNDED_TARGET: Record<string, Cost> = { 'text>varchar': 'none', 'bit>varbit': 'rebuild-indexes', 'varchar>bpchar': 'rebuild-indexes', 'text>bpchar': 'rebuild-indexes', 'xml>varchar': 'rebuild-indexes' }

const precisionOf = (mods: readonly number[]): number => mods[0] ?? DEFAULT_PRECISION

/** Modifier changes within one type that PostgreSQL's length/precision support functions turn into no-ops. */
function withinType(name: string, from: readonly number[], to: readonly number[]): Cost {
  if (from.length === to.length && from.every((m, i) => m === to[i])) return 'none'
  const widens = (() => {
    if (name === 'varchar' || name === 'varbit') return to.length === 0 || (from.length > 0 && (to[0] as number) >= (from[0] as number))
    if (name === 'numeric') return to.length === 0 || (from.length > 0 && (to[1] ?? 0) === (from[1] ?? 0) && (to[0] as number) >= (from[0] as number))
    if (PRECISION_TYPES.has(name)) return precisionOf(to) >= precisionOf(from)
    if (name === 'interval') {
      const fullRange = (mods: readonly number[]): boolean => mods.length === 0 || mods[0] === INTERVAL_FULL_RANGE
      return to.length === 0 || (fullRange(from) && fullRange(to) && (to[1] ?? DEFAULT_PRECISION) >= (from[1] ?? DEFAULT_PRECISION))
    }
    return false
  })()
  return widens ? 'none' : 'rewrite'
}

function conversionCost(old: TypeRef, target: TypeRef, pgVersion: number): Cost {
  const from = { ...old, name: SERIAL_BASE[old.name] ?? old.name }
  if (from.array !== target.array || (from.schema ?? 'public') !== (target.schema ?? 'public')) return 'rewrite'
  if (from.name === target.name) return from.array ? withinType('', from.mods, target.mods) : withinType(from.name, from.mods, target.mods)
  if (from.array) return 'rewrite'
  const key = `${from.name}>${target.name}`
  if (key === 'varchar>text' || key === 'cidr>inet') return 'none'
  if (key === 'timestamp>timestamptz' || key === 'timestamptz>timestamp') {
    // A lower new precision adds a rounding step PostgreSQL cannot skip, UTC or not.
    return pgVersion >= 12 && precisionOf(target.mods) >= DEFAULT_PRECISION ? 'rewrite-unless-utc' : 'rewrite'
  }
  if (REBUILDS_INDEXES.has(key)) return 'rebuild-indexes'
  const unbounded = UNBOUNDED_TARGET[key]
  return unbounded && target.mods.length === 0 ? unbounded : 'rewrite'
}

/** `USING col` and `USING col::newtype` are planned like no USING at all; anything else computes every row. */
function trivialUsing(using: PgNode | undefined, column: string, target: TypeRef): boolean {
  if (!using) return true
  if (columnRefName(using) === column) return true
  const cast = using.TypeCast
  if (!cast || columnRefName(cast.arg) !== column) return false
  const type = typeFromNode(cast.typeName)
  return type.name === target.name && (type.schema ?? 'public') === (target.schema ?? 'public') && type.array === target.array && type.mods.join() === target.mods.join()
}

const BASE = 'CREATE TABLE orders (id integer PRIMARY KEY, code varchar(100), note varchar(255), total numeric(10, 2), placed_at timestamp, ip cidr);'

export default defineRule({
  meta: {
    id: 'changing-column-type',
    severity: 'error',
    category: 'locks',
    summary: 'Change column types of existing tables only where PostgreSQL keeps the table (binary-coercible changes)',
    rationale:
      '`ALTER COLUMN … TYPE` takes ACCESS EXCLUSIVE on the table. Unless the new type is binary-coercible with the old one, PostgreSQL rewrites the whole table and all its indexes under that lock: reads and writes wait for the rewrite (about 1 s per million narrow rows). `integer` → `bigint`, shorter lengths, lower precision and any `USING` expression rewrite; `varchar(n)` → `text`, a longer `varchar`, more `numeric` precision at the same scale and `cidr` → `inet` are catalog-only. The rule uses each column\'s current type from the migrations; the full table of measured conversions is in the rule\'s source.',
    safeAlternative:
      'Prefer a binary-coercible change (`varchar(n)` → `text`, a longer `varchar`, `numeric(p,s)` → `numeric(p\',s)` with p\' ≥ p). Otherwise add a new column of the new type, keep it in sync with a trigger, backfill it in batches (each its own transaction), switch the application over, then drop the old column; or use a CHECK constraint (`NOT VALID` + `VALIDATE`) instead of a shorter length.',
    messages: {
      rewrite: 'Changing {{table}}.{{column}} from {{from}} to {{to}} rewrites all of {{table}} and its indexes under ACCESS EXCLUSIVE: reads and writes wait for the rewrite.',
      rewriteUsing: 'Changing {{table}}.{{column}} to {{to}} with a USING expression evaluates it for every row: PostgreSQL rewrites all of {{table}} and its indexes under ACCESS EXCLUSIVE.',
      rewriteUnlessUtc: 'Changing {{table}}.{{column}} from {{from}} to {{to}} rewrites all of {{table}} and its indexes under ACCESS EXCLUSIVE unless the migration session\'s TimeZone is UTC (then only indexes on {{column}} are rebuilt); dba-review cannot know the session TimeZone.',
      rebuildsIndexes: 'Changing {{table}}.{{column}} from {{from}} to {{to}} keeps the table but rebuilds {{indexes}} under ACCESS EXCLUSIVE: reads and writes of {{table}} wait for the rebuild.',
      unknownOldType: 'dba-review does not know the current type of {{table}}.{{column}} (it was not made by DDL it can read, e.g. in a DO block): changing it to {{to}} rewrites all of {{table}} under ACCESS EXCLUSIVE unless the change is binary-coercible.',
    },
    exemptions: [
      'Tables created earlier in the same change.',
      'Binary-coercible changes that keep the table and its indexes (see the table in the rule\'s source): `varchar(n)` → `varchar(m ≥ n)` / `varchar` / `text`, `text` → `varchar`, `numeric(p,s)` → `numeric(p\' ≥ p, s)` / `numeric`, `varbit(n)` → wider, more timestamp/time/interval precision, `cidr` → `inet`, and the same type again.',
      'Changes that keep the table but rebuild indexes (`bit` → `varbit`, `int4` ↔ `oid`, a new COLLATE) when no index on the column is known.',
    ],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-NOTES',
    aliases: ['squawk:changing-column-type'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "orders" ALTER COLUMN "id" SET DATA TYPE bigint;', base: BASE }],
      good: [
        { sql: 'ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE text;', base: BASE },
        { sql: 'ALTER TABLE "orders" ALTER COLUMN "code" SET DATA TYPE varchar(255);\nALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE numeric(14, 2);', base: BASE },
        { sql: 'CREATE TABLE "carts" ("id" integer);\nALTER TABLE "carts" ALTER COLUMN "id" SET DATA TYPE bigint;' },
      ],
    },
    tests: {
      valid: [
        {
          name: 'binary-coercible changes from the table',
          base: 'CREATE TABLE t (a cidr, b timestamp(3), c numeric(10), d bit varying(5), e interval(3), f time(3), g text, h serial, i varchar(20));',
          sql: 'ALTER TABLE t ALTER COLUMN a TYPE inet, ALTER COLUMN b TYPE timestamp, ALTER COLUMN c TYPE numeric(12, 0), ALTER COLUMN d TYPE varbit, ALTER COLUMN e TYPE interval, ALTER COLUMN f TYPE time(6), ALTER COLUMN g TYPE varchar, ALTER COLUMN h TYPE integer, ALTER COLUMN i TYPE character varying;',
        },
        { name: 'USING the column cast to the new type is no rewrite', base: BASE, sql: 'ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE text USING "note"::text;' },
        { name: 'a new collation on a column without a known index', base: BASE, sql: 'ALTER TABLE orders ALTER COLUMN note TYPE varchar(255) COLLATE "C";' },
        { name: 'an index-only change on an unindexed column', base: 'CREATE TABLE t (flags bit(8));', sql: 'ALTER TABLE t ALTER COLUMN flags TYPE varbit;' },
        { name: 'a reasoned ignore', base: BASE, sql: '-- dba-review-ignore changing-column-type: orders holds 200 rows, measured\nALTER TABLE orders ALTER COLUMN id TYPE bigint;' },
      ],
      invalid: [
        { name: 'a shorter varchar', base: BASE, sql: 'ALTER TABLE orders ALTER COLUMN note TYPE varchar(100);', errors: [{ messageId: 'rewrite', line: 1, column: 43 }] },
        { name: 'another numeric scale', base: BASE, sql: 'ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 3);', errors: [{ messageId: 'rewrite' }] },
        { name: 'text to a bounded varchar', base: 'CREATE TABLE t (a text);', sql: 'ALTER TABLE t ALTER COLUMN a TYPE varchar(50);', errors: [{ messageId: 'rewrite' }] },
        { name: 'a longer varchar inside an array', base: 'CREATE TABLE t (tags varchar(10)[]);', sql: 'ALTER TABLE t ALTER COLUMN tags TYPE varchar(20)[];', errors: [{ messageId: 'rewrite' }] },
        { name: 'lower timestamp precision', base: BASE, sql: 'ALTER TABLE orders ALTER COLUMN placed_at TYPE timestamp(3);', errors: [{ messageId: 'rewrite' }] },
        {
          name: 'text to an enum, the way drizzle writes it',
          base: "CREATE TYPE \"public\".\"status\" AS ENUM('open', 'paid');\nCREATE TABLE orders (status text);",
          sql: 'ALTER TABLE "orders" ALTER COLUMN "status" SET DATA TYPE "public"."status" USING "status"::"public"."status";',
          errors: [{ messageId: 'rewrite' }],
        },
        { name: 'a computing USING expression', base: BASE, sql: 'ALTER TABLE orders ALTER COLUMN note TYPE text USING lower(note);', errors: [{ messageId: 'rewriteUsing' }] },
        { name: 'timestamp to timestamptz depends on the session TimeZone', base: BASE, sql: 'ALTER TABLE orders ALTER COLUMN placed_at TYPE timestamptz;', errors: [{ messageId: 'rewriteUnlessUtc' }] },
        { name: 'timestamp to timestamptz always rewrites before PostgreSQL 12', base: BASE, sql: 'ALTER TABLE orders ALTER COLUMN placed_at TYPE timestamptz;', pgVersion: 11, errors: [{ messageId: 'rewrite' }] },
        { name: 'timestamp to timestamptz with a lower precision rewrites even in UTC', base: BASE, sql: 'ALTER TABLE orders ALTER COLUMN placed_at TYPE timestamptz(3);', errors: [{ messageId: 'rewrite' }] },
        {
          name: 'a new collation on an indexed column rebuilds its indexes',
          base: `${BASE}\nCREATE INDEX orders_note_idx ON orders (note);`,
          sql: 'ALTER TABLE orders ALTER COLUMN note TYPE text COLLATE "C";',
          errors: [{ messageId: 'rebuildsIndexes' }],
        },
        { name: 'a column made by dynamic SQL in a DO block', base: "CREATE TABLE orders (id integer);\nDO $$ BEGIN EXECUTE 'ALTER TABLE orders ADD COLUMN legacy integer'; END $$;", sql: 'ALTER TABLE orders ALTER COLUMN legacy TYPE bigint;', errors: [{ messageId: 'unknownOldType' }] },
        {
          name: 'each rewriting column of a multi-command ALTER, current type taken after earlier changes',
          base: BASE,
          sql: 'ALTER TABLE orders ALTER COLUMN code TYPE text;\nALTER TABLE orders ALTER COLUMN code TYPE varchar(10), ALTER COLUMN id TYPE bigint, ALTER COLUMN note TYPE text;',
          errors: [{ messageId: 'rewrite', line: 2 }, { messageId: 'rewrite', line: 2 }],
        },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      const cmds = existingTableCommands(ctx, node, ['AT_AlterColumnType'])
      if (!cmds.length) return
      const info = ctx.schema.table(node.relation)
      for (const cmd of cmds) {
        const def = cmd.subtype === 'AT_AlterColumnType' ? cmd.def?.ColumnDef : undefined
        if (!def?.typeName) continue
        const target = typeFromNode(def.typeName)
        const old = info?.columns.get(cmd.name)?.type
        const data = { table: displayName(node.relation), column: cmd.name, to: formatType(target), from: old ? formatType(old) : '' }
        if (!trivialUsing(def.raw_default, cmd.name, target)) {
          ctx.report({ messageId: 'rewriteUsing', node: def.typeName, data })
          continue
        }
        if (!old) {
          ctx.report({ messageId: 'unknownOldType', node: def.typeName, data })
          continue
        }
        let cost = conversionCost(old, target, ctx.pgVersion)
        if (cost === 'none' && def.collClause) cost = 'rebuild-indexes'
        if (cost === 'rewrite') ctx.report({ messageId: 'rewrite', node: def.typeName, data })
        else if (cost === 'rewrite-unless-utc') ctx.report({ messageId: 'rewriteUnlessUtc', node: def.typeName, data })
        else if (cost === 'rebuild-indexes') {
          const indexes = (info?.indexes ?? []).filter((i) => i.columns.includes(cmd.name)).map((i) => i.name ?? '(unnamed)')
          if (indexes.length) ctx.report({ messageId: 'rebuildsIndexes', node: def.typeName, data: { ...data, indexes: indexes.join(', ') } })
        }
      }
    },
  }),
})
