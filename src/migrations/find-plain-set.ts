import type { FileSource } from './file-source.js'
import { relativeTo } from './paths.js'
import { migrationOf, readTextFile } from './read-text.js'
import type { MigrationSet } from './types.js'

/**
 * `2_x.sql` before `10_x.sql`, as `ls -v` and most hand-rolled runners order them. Made on first use:
 * a collator loads ICU data (~5 ms), which runs on other layouts need not pay for.
 */
let naturalOrder: Intl.Collator | undefined

/**
 * Reads a plain folder of `.sql` files (its top level only), in natural file-name order. The runner is
 * psql-like: each file is sent whole, not split on drizzle's marker.
 */
export async function findPlainSet(source: FileSource, dir: string, files: string[]): Promise<MigrationSet> {
  const sqlFiles = files.filter((file) => /^[^/]+\.sql$/.test(relativeTo(dir, file) ?? '')).sort((naturalOrder ??= new Intl.Collator('en', { numeric: true })).compare)
  const reads = await Promise.all(sqlFiles.map((path) => readTextFile(source, path)))
  const set: MigrationSet = { layout: 'plain', dir, migrations: [], ignoredFiles: [], snapshots: [], problems: [] }
  for (const read of reads) {
    if (read.status === 'unreadable') set.problems.push(read.problem)
    if (read.status !== 'text') continue
    const name = read.file.path.slice(read.file.path.lastIndexOf('/') + 1)
    set.migrations.push(migrationOf(read.file, name.slice(0, -'.sql'.length), set.migrations.length, false))
  }
  return set
}
