import type { FileSource } from './file-source.js'
import { joinPath, relativeTo } from './paths.js'
import { readSnapshot } from './read-snapshot.js'
import { migrationOf, readTextFile } from './read-text.js'
import type { MigrationSet, SnapshotRef } from './types.js'

const MIGRATION_FILE = 'migration.sql'

/** How each runner of a folder-per-migration layout orders and splits. */
const RUNNERS = {
  // drizzle-orm 1.x migrator: every subfolder holding migration.sql, sorted with localeCompare, split on the marker.
  'drizzle-v1': { compare: (a: string, b: string) => a.localeCompare(b), breakpoints: true, snapshots: true },
  // prisma migrate: folders in file-name (byte) order, each file sent whole.
  prisma: { compare: (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0), breakpoints: false, snapshots: false },
} as const

/**
 * Reads a folder-per-migration layout (`<name>/migration.sql`): drizzle v1 (`YYYYMMDDHHMMSS_name/` with a
 * v8 `snapshot.json`) or Prisma (`<timestamp>_name/`). Other SQL files are never applied and are listed as ignored.
 */
export async function findFolderSet(layout: keyof typeof RUNNERS, source: FileSource, dir: string, files: string[]): Promise<MigrationSet> {
  const runner = RUNNERS[layout]
  const relative = files.map((file) => relativeTo(dir, file) ?? '')
  const folders = relative.flatMap((rel) => (rel.endsWith(`/${MIGRATION_FILE}`) && rel.split('/').length === 2 ? [rel.slice(0, -MIGRATION_FILE.length - 1)] : []))
  folders.sort(runner.compare)
  const hasSnapshot = new Set(relative.filter((rel) => /^[^/]+\/snapshot\.json$/.test(rel)).map((rel) => rel.slice(0, rel.indexOf('/'))))
  const snapshotFolders = runner.snapshots ? folders.filter((folder) => hasSnapshot.has(folder)) : []

  const [reads, snapshotReads] = await Promise.all([
    Promise.all(folders.map((folder) => readTextFile(source, joinPath(dir, `${folder}/${MIGRATION_FILE}`)))),
    Promise.all(snapshotFolders.map((folder) => readSnapshot(source, joinPath(dir, `${folder}/snapshot.json`)))),
  ])
  const set: MigrationSet = { layout, dir, migrations: [], ignoredFiles: [], snapshots: [], problems: [] }
  const snapshotByFolder = new Map<string, SnapshotRef>()
  snapshotReads.forEach((read, index) => {
    set.snapshots.push(read.snapshot)
    snapshotByFolder.set(snapshotFolders[index]!, read.snapshot)
    if (read.problem) set.problems.push(read.problem)
  })
  folders.forEach((folder, index) => {
    const read = reads[index]!
    if (read.status === 'unreadable') set.problems.push(read.problem)
    if (read.status !== 'text') return
    const migration = migrationOf(read.file, folder, set.migrations.length, runner.breakpoints)
    const snapshot = snapshotByFolder.get(folder)
    if (snapshot) migration.snapshot = snapshot
    set.migrations.push(migration)
  })
  const applied = new Set(folders.map((folder) => joinPath(dir, `${folder}/${MIGRATION_FILE}`)))
  set.ignoredFiles = files.filter((file) => file.endsWith('.sql') && !applied.has(file))
  return set
}
