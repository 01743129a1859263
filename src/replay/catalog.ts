import type pg from 'pg'
import { HELPER_SCHEMA } from './trace.js'

export interface CatalogColumn {
  name: string
  /** `format_type()`: `character varying(255)`, `timestamp with time zone`, `public.status`… */
  type: string
  notNull: boolean
  /** `pg_get_expr()` of the default; null when none. */
  default: string | null
  identity: '' | 'a' | 'd'
  generated: '' | 's'
}

export interface CatalogTable {
  /** `r` table, `p` partitioned, `v` view, `m` materialized view, `f` foreign. */
  kind: string
  columns: CatalogColumn[]
  /** By name: `pg_get_constraintdef()`. */
  constraints: Record<string, string>
  /** By name: `pg_get_indexdef()`. */
  indexes: Record<string, string>
  triggers: Record<string, string>
  /** By name: command, roles, USING and WITH CHECK. */
  policies: Record<string, string>
  rowSecurity: boolean
  /** For views: `pg_get_viewdef()`. */
  definition?: string
}

/** The user-visible schema of a database, as PostgreSQL describes it; no OIDs or owners, so two databases compare. */
export interface CatalogSchema {
  schemas: string[]
  extensions: string[]
  /** By `schema.name`. */
  tables: Record<string, CatalogTable>
  /** By `schema.name`: labels in order. */
  enums: Record<string, string[]>
  /** By `schema.name`: type, start, increment, min, max, cycle. */
  sequences: Record<string, string>
  /** By `schema.name(args)`: `pg_get_functiondef()`. */
  functions: Record<string, string>
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', '${HELPER_SCHEMA}') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`
/** Objects that belong to an extension are the extension's, not the migrations'. */
const NOT_FROM_EXTENSION = (classid: string, column: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${classid}'::regclass AND d.objid = ${column} AND d.deptype = 'e')`

function group<T extends { key: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>()
  for (const row of rows) map.set(row.key, [...(map.get(row.key) ?? []), row])
  return map
}

/** Reads the schema of the database `client` is connected to (committed state, or the session's own transaction). */
export async function readCatalog(client: pg.Client): Promise<CatalogSchema> {
  const q = async <R extends pg.QueryResultRow>(text: string): Promise<R[]> => (await client.query<R>(text)).rows
  const [schemas, extensions, relations, columns, constraints, indexes, triggers, policies, enums, sequences, functions] = await Promise.all([
    q<{ name: string }>(`SELECT n.nspname AS name FROM pg_catalog.pg_namespace n WHERE ${USER_SCHEMAS} ORDER BY 1`),
    q<{ name: string }>('SELECT extname AS name FROM pg_catalog.pg_extension ORDER BY 1'),
    q<{ key: string; kind: string; rls: boolean; definition: string | null }>(`
      SELECT n.nspname || '.' || c.relname AS key, c.relkind::text AS kind, c.relrowsecurity AS rls,
             CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS definition
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMAS} AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}`),
    q<{ key: string; name: string; type: string; not_null: boolean; default: string | null; identity: string; generated: string }>(`
      SELECT n.nspname || '.' || c.relname AS key, a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
             a.attnotnull AS not_null, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default,
             a.attidentity::text AS identity, a.attgenerated::text AS generated
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
       WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMAS}
       ORDER BY 1, a.attnum`),
    q<{ key: string; name: string; definition: string }>(`
      SELECT n.nspname || '.' || c.relname AS key, k.conname AS name, pg_catalog.pg_get_constraintdef(k.oid) AS definition
        FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE ${USER_SCHEMAS}`),
    q<{ key: string; name: string; definition: string }>(`
      SELECT n.nspname || '.' || t.relname AS key, i.relname AS name, pg_catalog.pg_get_indexdef(i.oid) AS definition
        FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
       WHERE ${USER_SCHEMAS}`),
    q<{ key: string; name: string; definition: string }>(`
      SELECT n.nspname || '.' || c.relname AS key, g.tgname AS name, pg_catalog.pg_get_triggerdef(g.oid) AS definition
        FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE NOT g.tgisinternal AND ${USER_SCHEMAS}`),
    q<{ key: string; name: string; definition: string }>(`
      SELECT p.schemaname || '.' || p.tablename AS key, p.policyname AS name,
             concat_ws(' ', p.permissive, p.cmd, p.roles::text, 'USING', p.qual, 'CHECK', p.with_check) AS definition
        FROM pg_catalog.pg_policies p`),
    q<{ key: string; labels: string[] }>(`
      SELECT n.nspname || '.' || t.typname AS key, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
        FROM pg_catalog.pg_enum e JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
       WHERE ${USER_SCHEMAS} AND ${NOT_FROM_EXTENSION('pg_type', 't.oid')} GROUP BY 1`),
    q<{ key: string; definition: string }>(`
      SELECT s.schemaname || '.' || s.sequencename AS key,
             concat_ws(' ', s.data_type::text, s.start_value, s.increment_by, s.min_value, s.max_value, s.cycle) AS definition
        FROM pg_catalog.pg_sequences s WHERE s.schemaname <> '${HELPER_SCHEMA}'`),
    q<{ key: string; definition: string }>(`
      SELECT n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS key,
             pg_catalog.pg_get_functiondef(p.oid) AS definition
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
       WHERE p.prokind IN ('f', 'p') AND ${USER_SCHEMAS} AND ${NOT_FROM_EXTENSION('pg_proc', 'p.oid')}`),
  ])
  const byTable = {
    columns: group(columns),
    constraints: group(constraints),
    indexes: group(indexes),
    triggers: group(triggers),
    policies: group(policies),
  }
  const named = (rows: Array<{ name: string; definition: string }> | undefined): Record<string, string> =>
    Object.fromEntries((rows ?? []).map((r) => [r.name, r.definition]).sort(([a], [b]) => (a as string).localeCompare(b as string)))
  const tables: Record<string, CatalogTable> = {}
  for (const relation of [...relations].sort((a, b) => a.key.localeCompare(b.key))) {
    const table: CatalogTable = {
      kind: relation.kind,
      columns: (byTable.columns.get(relation.key) ?? []).map((c) => ({
        name: c.name,
        type: c.type,
        notNull: c.not_null,
        default: c.default,
        identity: c.identity as CatalogColumn['identity'],
        generated: c.generated as CatalogColumn['generated'],
      })),
      constraints: named(byTable.constraints.get(relation.key)),
      indexes: named(byTable.indexes.get(relation.key)),
      triggers: named(byTable.triggers.get(relation.key)),
      policies: named(byTable.policies.get(relation.key)),
      rowSecurity: relation.rls,
    }
    if (relation.definition !== null) table.definition = relation.definition
    tables[relation.key] = table
  }
  const sorted = <T>(entries: Array<[string, T]>): Record<string, T> => Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)))
  return {
    schemas: schemas.map((s) => s.name),
    extensions: extensions.map((e) => e.name),
    tables,
    enums: sorted(enums.map((e) => [e.key, e.labels])),
    sequences: sorted(sequences.map((s) => [s.key, s.definition])),
    functions: sorted(functions.map((f) => [f.key, f.definition])),
  }
}

/**
 * Foreign keys created after `afterOid` (by the change) whose referencing columns are not the leading
 * columns, in any order, of a valid, non-partial index: deletes and key updates on the referenced
 * table then scan the referencing one.
 */
export async function findUnindexedForeignKeys(client: pg.Client, afterOid: number): Promise<Array<{ constraint: string; table: string; columns: string[]; references: string }>> {
  const { rows } = await client.query<{ constraint: string; table: string; columns: string[]; references: string }>(
    `SELECT k.conname AS constraint, n.nspname || '.' || c.relname AS table, rn.nspname || '.' || r.relname AS references,
            (SELECT array_agg(a.attname::text ORDER BY x.i) FROM unnest(k.conkey) WITH ORDINALITY AS x(num, i)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.num) AS columns
       FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_class r ON r.oid = k.confrelid JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
      WHERE k.contype = 'f' AND k.oid > $1::int8::oid
        AND NOT EXISTS (
          SELECT 1 FROM pg_catalog.pg_index i
           WHERE i.indrelid = k.conrelid AND i.indisvalid AND i.indpred IS NULL
             AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(k.conkey)] @> k.conkey
             AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(k.conkey)] <@ k.conkey)
      ORDER BY 2, 1`,
    [afterOid],
  )
  return rows
}
