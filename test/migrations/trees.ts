import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'
import { configSchema, type Config, type ConfigInput } from '../../src/config/schema.js'
import { FsSource } from '../../src/migrations/fs-source.js'
import { findMigrationSet } from '../../src/migrations/find-migration-set.js'
import type { MigrationSet } from '../../src/migrations/types.js'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/migrations')
export const CORPUS = '/work/shared/corpus'

export function configWith(migrations: NonNullable<ConfigInput['migrations']>, paths?: ConfigInput['paths']): Config {
  return configSchema.parse({ migrations, paths })
}

/** Reads a folder on disk as the repository root, with the migrations folder at `dir`. */
export function readSetAt(root: string, migrations: NonNullable<ConfigInput['migrations']> = {}): Promise<MigrationSet> {
  return findMigrationSet(new FsSource(root), configWith({ dir: '', ...migrations }))
}

/** Writes small file trees to fresh temporary folders, removed after the suite. */
export function tempTrees(): (files: Record<string, string | Buffer>) => Promise<string> {
  const roots: string[] = []
  afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))))
  return async (files) => {
    const root = await mkdtemp(join(tmpdir(), 'dba-review-migrations-'))
    roots.push(root)
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true })
      await writeFile(join(root, path), content)
    }
    return root
  }
}
