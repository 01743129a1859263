import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { TableStatsFile } from '../config/table-stats.js'
import { type CliIo, UsageError } from './cli-io.js'

/**
 * Sizes from the catalogs only (pg_class, pg_namespace, pg_inherits, pg_stat_user_tables, and the size
 * functions): no table is read, so a read-only role on production is enough. `reltuples` is the planner's
 * estimate (-1 before the first ANALYZE, then the live-tuple counter is used); a partitioned table counts
 * the rows of all its partitions.
 */
const STATS_QUERY = `
WITH RECURSIVE tree AS (
  SELECT c.oid AS root, c.oid AS rel FROM pg_catalog.pg_class c WHERE c.relkind = 'p'
  UNION ALL
  SELECT t.root, i.inhrelid FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.rel
),
sizes AS (
  SELECT c.oid,
         CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE coalesce(s.n_live_tup, 0) END AS rows,
         pg_catalog.pg_total_relation_size(c.oid) AS bytes
  FROM pg_catalog.pg_class c
  LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid
  WHERE c.relkind IN ('r', 'm')
)
SELECT n.nspname AS schema, c.relname AS name,
       coalesce(own.rows, (SELECT sum(z.rows) FROM tree t JOIN sizes z ON z.oid = t.rel WHERE t.root = c.oid), 0)::text AS rows,
       coalesce(own.bytes, (SELECT sum(z.bytes) FROM tree t JOIN sizes z ON z.oid = t.rel WHERE t.root = c.oid), 0)::text AS bytes
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN sizes own ON own.oid = c.oid
WHERE c.relkind IN ('r', 'm', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 1, 2`

/** Builds the stats file from a live database. */
export async function exportTableStats(databaseUrl: string, now = new Date()): Promise<TableStatsFile> {
  // pg is only needed by this command: keep it out of every other command's start-up.
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'dba-review stats export' })
  await client.connect()
  try {
    // A read-only transaction: this command never writes, whatever the role may do.
    await client.query('BEGIN READ ONLY')
    const { rows } = await client.query<{ schema: string; name: string; rows: string; bytes: string }>(STATS_QUERY)
    await client.query('COMMIT')
    return {
      version: 1,
      generatedAt: now.toISOString(),
      tables: Object.fromEntries(rows.map((r) => [`${r.schema}.${r.name}`, { rows: Number(r.rows), bytes: Number(r.bytes) }])),
    }
  } finally {
    await client.end()
  }
}

/** `dba-review stats export --database-url … [--output file]`. */
export async function runStatsExport(args: { databaseUrl?: string; output?: string }, io: CliIo): Promise<number> {
  const databaseUrl = args.databaseUrl ?? io.env.DATABASE_URL
  if (!databaseUrl) throw new UsageError('stats export needs --database-url (or DATABASE_URL)')
  const stats = await exportTableStats(databaseUrl).catch((error: Error) => {
    throw new UsageError(`cannot read table stats: ${error.message}`)
  })
  const text = `${JSON.stringify(stats, null, 2)}\n`
  if (args.output) {
    await writeFile(path.resolve(io.cwd, args.output), text)
    io.stderr.write(`Wrote ${Object.keys(stats.tables).length} tables to ${args.output}\n`)
  } else io.stdout.write(text)
  return 0
}
