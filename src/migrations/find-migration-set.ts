import type { Config } from '../config/schema.js'
import { detectLayout } from './detect-layout.js'
import type { FileSource } from './file-source.js'
import { findDrizzleSet } from './find-drizzle-set.js'
import { findFolderSet } from './find-folder-set.js'
import { findPlainSet } from './find-plain-set.js'
import { normalizeRepoPath } from './paths.js'
import type { Layout, MigrationSet } from './types.js'

const readers: Record<Layout, (source: FileSource, dir: string, files: string[]) => Promise<MigrationSet>> = {
  drizzle: findDrizzleSet,
  'drizzle-v1': (source, dir, files) => findFolderSet('drizzle-v1', source, dir, files),
  prisma: (source, dir, files) => findFolderSet('prisma', source, dir, files),
  plain: findPlainSet,
}

/**
 * Reads the configured migrations folder of one version of a repository, as its runner will apply it.
 * Bad input never throws: it becomes `problems` on the returned set. An explicit `migrations.layout` wins
 * over detection.
 */
export async function findMigrationSet(source: FileSource, config: Config): Promise<MigrationSet> {
  const dir = normalizeRepoPath(config.migrations.dir)
  if (dir === null) throw new Error(`migrations.dir "${config.migrations.dir}" points outside the repository`)
  const files = await source.list(dir)
  const layout = config.migrations.layout === 'auto' ? detectLayout(files, dir) : config.migrations.layout
  return readers[layout](source, dir, files)
}
