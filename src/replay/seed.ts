import type pg from 'pg'
import type { DataReport } from './report.js'
import { HELPER_SCHEMA } from './trace.js'
import type { Watchdog } from './watchdog.js'
import { quoteIdent } from '../sql/quote.js'

interface SeedColumn {
  name: string
  /** `format_type()`, for the cast. */
  type: string
  /** Base type name (for a domain: its base), e.g. `int4`, `varchar`, `_text` for arrays. */
  base: string
  /** Element type name for arrays. */
  element: string | null
  /** Enum labels when the (element) type is an enum. */
  labels: string[] | null
  typmod: number
  notNull: boolean
  hasDefault: boolean
  /** Identity ALWAYS or generated: PostgreSQL computes it. */
  computed: boolean
}

interface SeedForeignKey {
  columns: string[]
  references: string
  referencedColumns: string[]
}

interface SeedTable {
  name: string
  columns: SeedColumn[]
  foreignKeys: SeedForeignKey[]
}

/** Share of NULLs in nullable columns: every fifth row. */
const NULL_EVERY = 5

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}

/**
 * A value for row `g` (1…N) of a column of this type: distinct per row where the type allows it, so
 * UNIQUE constraints and primary keys hold; within the type's length and precision limits.
 */
function valueFor(base: string, typmod: number, labels: string[] | null): string | undefined {
  if (labels) return labels.length ? `(ARRAY[${labels.map(literal).join(', ')}])[1 + g % ${labels.length}]` : undefined
  switch (base) {
    case 'int2':
      return '(g % 32767)'
    case 'int4':
    case 'int8':
    case 'oid':
      return 'g'
    case 'numeric': {
      if (typmod < 4) return 'g'
      const precision = ((typmod - 4) >> 16) & 0xffff
      const scale = (typmod - 4) & 0xffff
      const digits = Math.min(precision - scale, 15)
      return digits > 0 ? `(g % ${10 ** digits - 1})` : '0'
    }
    case 'float4':
    case 'float8':
      return '(g * 1.5)'
    case 'bool':
      return '(g % 2 = 0)'
    case 'text':
    case 'citext':
    case 'name':
      return "('v' || g)"
    case 'varchar':
    case 'bpchar':
      return typmod > 4 ? `left('v' || g, ${typmod - 4})` : "('v' || g)"
    case 'uuid':
      return "md5('dba-review' || g)::uuid"
    case 'date':
      return "(date '2024-01-01' + g % 3650)"
    case 'timestamp':
    case 'timestamptz':
      return "(timestamp '2024-01-01' + g * interval '1 second')"
    case 'time':
    case 'timetz':
      return "(time '00:00' + (g % 86400) * interval '1 second')"
    case 'interval':
      return "(g * interval '1 second')"
    case 'json':
      return "json_build_object('n', g)"
    case 'jsonb':
      return "jsonb_build_object('n', g)"
    case 'bytea':
      return "decode(md5(g::text), 'hex')"
    case 'inet':
    case 'cidr':
      return "('10.0.0.0'::inet + g)"
    default:
      return undefined
  }
}

function columnValue(column: SeedColumn): string | undefined {
  const single = valueFor(column.element ?? column.base, column.element ? -1 : column.typmod, column.labels)
  if (single === undefined) return undefined
  return `(${column.element ? `ARRAY[${single}]` : single})::${column.type}`
}

async function readTables(client: pg.Client, exclude: string[]): Promise<SeedTable[]> {
  const { rows: columns } = await client.query<{
    table: string
    name: string
    type: string
    base: string
    element: string | null
    labels: string[] | null
    typmod: number
    not_null: boolean
    has_default: boolean
    computed: boolean
  }>(`
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS table, a.attname AS name,
           pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
           coalesce(bt.typname, t.typname)::text AS base, et.typname::text AS element,
           (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e
             WHERE e.enumtypid = coalesce(et.oid, bt.oid, t.oid)) AS labels,
           CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
           a.attnotnull AS not_null, a.atthasdef AS has_default,
           (a.attidentity = 'a' OR a.attgenerated <> '') AS computed
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype AND t.typtype = 'd'
      LEFT JOIN pg_catalog.pg_type et ON et.oid = coalesce(bt.typelem, t.typelem) AND coalesce(bt.typcategory, t.typcategory) = 'A'
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', '${HELPER_SCHEMA}') AND n.nspname NOT LIKE 'pg_%'
     ORDER BY 1, a.attnum`)
  const { rows: keys } = await client.query<{ table: string; columns: string[]; references: string; referenced: string[] }>(`
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS table,
           (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(f.conkey) WITH ORDINALITY AS k(n, i)
              JOIN pg_catalog.pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.n) AS columns,
           quote_ident(rn.nspname) || '.' || quote_ident(r.relname) AS references,
           (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(f.confkey) WITH ORDINALITY AS k(n, i)
              JOIN pg_catalog.pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.n) AS referenced
      FROM pg_catalog.pg_constraint f
      JOIN pg_catalog.pg_class c ON c.oid = f.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_class r ON r.oid = f.confrelid JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
     WHERE f.contype = 'f'`)
  const tables = new Map<string, SeedTable>()
  for (const row of columns) {
    if (exclude.includes(unquoted(row.table))) continue
    let table = tables.get(row.table)
    if (!table) tables.set(row.table, (table = { name: row.table, columns: [], foreignKeys: [] }))
    table.columns.push({
      name: row.name,
      type: row.type,
      base: row.base,
      element: row.element,
      labels: row.labels,
      typmod: row.typmod,
      notNull: row.not_null,
      hasDefault: row.has_default,
      computed: row.computed,
    })
  }
  for (const key of keys) tables.get(key.table)?.foreignKeys.push({ columns: key.columns, references: key.references, referencedColumns: key.referenced })
  return order([...tables.values()])
}

/** Referenced tables first; a cycle is broken where it is found (its foreign keys then get NULLs or fail). */
function order(tables: SeedTable[]): SeedTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]))
  const done = new Set<string>()
  const visiting = new Set<string>()
  const sorted: SeedTable[] = []
  const visit = (table: SeedTable): void => {
    if (done.has(table.name) || visiting.has(table.name)) return
    visiting.add(table.name)
    for (const fk of table.foreignKeys) {
      const parent = byName.get(fk.references)
      if (parent && parent !== table) visit(parent)
    }
    visiting.delete(table.name)
    done.add(table.name)
    sorted.push(table)
  }
  for (const table of tables) visit(table)
  return sorted
}

/**
 * The INSERT … SELECT for `rows` rows. `full`: every column gets a value (NULL in every fifth row of a
 * nullable one); otherwise only what must be set (NOT NULL without default, foreign keys), the
 * fallback when a CHECK constraint rejects generated values.
 */
function insertFor(table: SeedTable, rows: number, seeded: Map<string, number>, full: boolean): { sql: string } | { error: string } {
  const targets: string[] = []
  const values: string[] = []
  const joins: string[] = []
  const byColumn = new Map<string, string>()
  table.foreignKeys.forEach((fk, i) => {
    const parentRows = fk.references === table.name ? 0 : (seeded.get(fk.references) ?? 0)
    const nullable = fk.columns.every((c) => !table.columns.find((col) => col.name === c)?.notNull)
    if (parentRows === 0) {
      for (const c of fk.columns) byColumn.set(c, nullable ? 'NULL' : '')
      return
    }
    const alias = `p${i}`
    const picked = fk.referencedColumns.map((c, k) => `${quoteIdent(c)} AS c${k}`).join(', ')
    joins.push(`JOIN (SELECT ${picked}, row_number() OVER () AS rn FROM ${fk.references}) AS ${alias} ON ${alias}.rn = 1 + (g - 1) % ${parentRows}`)
    fk.columns.forEach((c, k) => byColumn.set(c, nullable ? `CASE WHEN g % ${NULL_EVERY} = 0 THEN NULL ELSE ${alias}.c${k} END` : `${alias}.c${k}`))
  })
  for (const column of table.columns) {
    if (column.computed) continue
    const fromKey = byColumn.get(column.name)
    if (fromKey === '') return { error: `"${column.name}" must reference a row of a table that has none` }
    if (fromKey !== undefined) {
      targets.push(quoteIdent(column.name))
      values.push(fromKey)
      continue
    }
    if (column.hasDefault) continue
    if (!column.notNull && !full) continue
    const value = columnValue(column)
    if (value === undefined) {
      if (column.notNull) return { error: `no generator for type ${column.type} of "${column.name}"` }
      continue
    }
    targets.push(quoteIdent(column.name))
    values.push(column.notNull ? value : `CASE WHEN g % ${NULL_EVERY} = 0 THEN NULL ELSE ${value} END`)
  }
  // With no column to set, a zero-column SELECT inserts rows of defaults.
  const columns = targets.length ? ` (${targets.join(', ')})` : ''
  return { sql: `INSERT INTO ${table.name}${columns} SELECT ${values.join(', ')} FROM generate_series(1, ${rows}) AS g ${joins.join(' ')}` }
}

/**
 * Fills pre-existing tables with synthetic rows, in SQL, as the sandbox role (triggers fire as they
 * would for the application): values respect types, lengths, NOT NULL, UNIQUE (distinct per row) and
 * foreign keys (rows of the referenced table), with NULLs in a fifth of nullable columns. CHECK
 * constraints are met on a best-effort basis: a rejected insert is retried with only required columns.
 * `rowsFor` gives each table's count (0: leave empty). Tables are then analysed.
 */
export async function seedTables(
  client: pg.Client,
  /** `exclude`: tables never seeded, as `schema.table`. */
  options: { rowsFor: (table: string) => number; exclude: string[]; watchdog: Watchdog; pid: number },
): Promise<DataReport> {
  const started = performance.now()
  const tables = await readTables(client, options.exclude)
  const seeded = new Map<string, number>()
  const report: DataReport = { tables: [], ms: 0 }
  for (const table of tables) {
    const rows = options.rowsFor(unquoted(table.name))
    if (rows <= 0) continue
    let error: string | undefined
    for (const full of [true, false]) {
      const insert = insertFor(table, rows, seeded, full)
      if ('error' in insert) {
        error = insert.error
        break
      }
      const outcome = await options.watchdog.guard(options.pid, client.query(insert.sql))
      if (outcome.ok) {
        error = undefined
        break
      }
      error = outcome.trip ? outcome.trip.messageId : (outcome.error as Error).message
      if (outcome.trip) break
    }
    const inserted = error ? 0 : rows
    seeded.set(table.name, inserted)
    report.tables.push(error ? { relation: unquoted(table.name), rows: 0, error } : { relation: unquoted(table.name), rows: inserted })
  }
  if (seeded.size) await client.query(`ANALYZE ${[...seeded.keys()].join(', ')}`)
  report.ms = performance.now() - started
  return report
}

/** `"public"."Users"` → `public.Users` (the report's and the stats file's spelling). */
function unquoted(qualified: string): string {
  return qualified.replace(/"((?:[^"]|"")*)"/g, (_, name: string) => name.replace(/""/g, '"'))
}
