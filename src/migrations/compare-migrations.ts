import { posix } from 'node:path'
import picomatch from 'picomatch'
import type { Config } from '../config/schema.js'
import type { FileSource } from './file-source.js'
import { normalizeRepoPath } from './paths.js'
import type { MigrationChange, MigrationSet, TransactionMode } from './types.js'

/**
 * What a change does to the migrations: added (head only, in application order), edited (same id, other
 * bytes), removed (base only). `base` is null when the base has no readable version (e.g. a new repository).
 */
/**
 * Base vs head. `changedFiles` are the files the change itself touched (a pull request's files, which GitHub
 * computes from the merge base; or a local diff from the merge base): only those can be the change's edits
 * or deletions. A migration the base merged after the branch started is context the branch lacks, not a
 * deletion, and an edit the base made meanwhile is not the branch's edit.
 */
export function compareMigrationSets(base: MigrationSet | null, head: MigrationSet, changedFiles: string[], config: Config): MigrationChange {
  const baseById = new Map((base?.migrations ?? []).map((migration) => [migration.id, migration]))
  const headIds = new Set(head.migrations.map((migration) => migration.id))
  const touched = new Set(changedFiles)
  const change: MigrationChange = { base, head, added: [], edited: [], removed: [], changedSchemaFiles: [], changedFiles }
  for (const migration of head.migrations) {
    const before = baseById.get(migration.id)
    if (!before) change.added.push(migration)
    else if (before.hash !== migration.hash && (touched.has(migration.path) || touched.has(before.path))) change.edited.push({ base: before, head: migration })
  }
  change.removed = (base?.migrations ?? []).filter((migration) => !headIds.has(migration.id) && touched.has(migration.path))
  // Compiling the globs (~1 ms) is skipped when nothing changed, as in every run without a base.
  if (changedFiles.length) {
    const isSchemaFile = picomatch(config.paths.schema, { dot: true })
    change.changedSchemaFiles = changedFiles.filter((file) => isSchemaFile(file))
  }
  return change
}

/** The runner's transaction semantics: configured, or what the layout's runner does. */
export function transactionModeFor(set: MigrationSet, config: Config): TransactionMode {
  const configured = config.migrations.transaction
  if (configured !== 'auto') return configured
  switch (set.layout) {
    case 'drizzle':
    case 'drizzle-v1':
      return 'all-pending'
    case 'prisma':
      return 'per-file'
    case 'plain':
      return 'none'
  }
}

/**
 * Folders whose files can matter to a review: the migrations folder and the fixed part of every
 * configured glob. Listing only these keeps `findChangedFiles` away from the rest of a large tree.
 */
export function watchedDirs(config: Config): string[] {
  const globBases = [...config.paths.schema, ...config.paths.migrations].map((glob) => {
    const { base, isGlob } = picomatch.scan(glob)
    // A literal pattern names a file: watch the folder it is in.
    return isGlob ? base : posix.dirname(base)
  })
  const dirs = [config.migrations.dir, ...globBases].map((dir) => normalizeRepoPath(dir)).filter((dir): dir is string => dir !== null)
  const unique = [...new Set(dirs)]
  return unique.filter((dir) => !unique.some((other) => other !== dir && (other === '' || dir.startsWith(`${other}/`)))).sort()
}

/**
 * Files that differ between two versions of a repository below `dirs` (added, deleted, or other bytes),
 * sorted. For the CLI's `--base` mode, where no pull-request file list exists.
 */
export async function findChangedFiles(base: FileSource, head: FileSource, dirs: string[]): Promise<string[]> {
  const [baseFiles, headFiles] = await Promise.all([listAll(base, dirs), listAll(head, dirs)])
  const changed = new Set<string>()
  for (const file of baseFiles) if (!headFiles.has(file)) changed.add(file)
  const common: string[] = []
  for (const file of headFiles) {
    if (!baseFiles.has(file)) changed.add(file)
    else common.push(file)
  }
  const differs = await Promise.all(common.map(async (file) => {
    const [before, after] = await Promise.all([base.read(file), head.read(file)])
    return before === null || after === null || !before.equals(after)
  }))
  common.forEach((file, index) => {
    if (differs[index]) changed.add(file)
  })
  return [...changed].sort()
}

async function listAll(source: FileSource, dirs: string[]): Promise<Set<string>> {
  return new Set((await Promise.all(dirs.map((dir) => source.list(dir)))).flat())
}
