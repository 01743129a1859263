import * as z from 'zod/mini'
import type { TableStats } from '../lint/engine.js'
import type { FileSource } from '../migrations/file-source.js'
import { type ConfigProblem, decodeConfigBytes, loadYaml, LocatedDocument, validateDocument } from './validate-document.js'

/** Stats files hold one entry per table; tens of thousands of tables fit well below this. */
const MAX_STATS_BYTES = 32 * 1024 * 1024

const tableEntrySchema = z
  .strictObject({
    rows: z.number().check(z.int(), z.minimum(0), z.describe('Estimated live rows (`pg_class.reltuples`, or `pg_stat_user_tables.n_live_tup` when never analysed).')),
    bytes: z.optional(z.number().check(z.int(), z.minimum(0))).check(z.describe('Total size on disk including indexes and TOAST (`pg_total_relation_size`).')),
  })
  .check(z.describe('One table\'s size.'))

/**
 * The table stats file (`lint.tableStats`, default `.github/dba-review/table-stats.json`): production
 * sizes that let size-aware rules (large-table-change) tell a 10-row table from a 100-million-row one.
 * Written by `dba-review stats export`; may be written by hand.
 */
export const tableStatsFileSchema = z
  .strictObject({
    $schema: z.optional(z.string()).check(z.describe('Editor hint; ignored.')),
    version: z.literal(1).check(z.describe('Format version; always 1.')),
    generatedAt: z.optional(z.string()).check(z.describe('When the stats were exported (ISO 8601).')),
    tables: z
      .record(z.string().check(z.regex(/^[^.]+\..+$/, 'expected a schema-qualified table name such as "public.users"')), tableEntrySchema)
      .check(z.describe('Sizes by schema-qualified table name (`schema.table`, unquoted, as PostgreSQL stores the names).')),
  })
  .check(z.describe('dba-review table stats file'))

export type TableStatsFile = z.output<typeof tableStatsFileSchema>

export interface TableStatsResult {
  stats: TableStats
  /** Every problem in the file, positioned. Entries with problems are left out; valid ones still count. */
  problems: ConfigProblem[]
}

/** Parses a stats file (after `loadYaml()`); never fails: a broken file yields its problems and whatever entries are valid. */
export function parseTableStats(text: string, file: string): TableStatsResult {
  const parsed = LocatedDocument.parse(text, file)
  if ('problems' in parsed) return { stats: new Map(), problems: parsed.problems }
  const result = validateDocument(parsed.document, parsed.value, tableStatsFileSchema)
  if (result.ok) return { stats: new Map(Object.entries(result.value.tables).map(([name, t]) => [name, t.rows])), problems: [] }

  // Salvage the valid entries of a version-1 file; an unknown version may mean something else entirely.
  const { version, tables } = (parsed.value ?? {}) as { version?: unknown; tables?: unknown }
  const stats = new Map<string, number>()
  if (version === 1 && tables && typeof tables === 'object' && !Array.isArray(tables)) {
    for (const [name, entry] of Object.entries(tables)) {
      const one = tableStatsFileSchema.shape.tables.safeParse({ [name]: entry })
      if (one.success) stats.set(name, one.data[name]!.rows)
    }
  }
  return { stats, problems: result.problems }
}

/** Reads the stats file at `path` from a repository version; a missing file means no stats. */
export async function findTableStats(source: FileSource, path: string): Promise<TableStatsResult> {
  const bytes = await source.read(path)
  if (bytes === null) return { stats: new Map(), problems: [] }
  const decoded = decodeConfigBytes(bytes, path, MAX_STATS_BYTES)
  if ('problem' in decoded) return { stats: new Map(), problems: [decoded.problem] }
  await loadYaml()
  return parseTableStats(decoded.text, path)
}
