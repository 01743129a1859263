import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { detectLayout } from '../../src/migrations/detect-layout.js'
import { FsSource } from '../../src/migrations/fs-source.js'
import { findMigrationSet } from '../../src/migrations/find-migration-set.js'
import { configWith, FIXTURES, readSetAt, tempTrees } from './trees.js'

const writeTree = tempTrees()

describe('drizzle v1 layout (a folder per migration)', () => {
  it('applies every folder holding migration.sql, in folder-name order, split on the marker', async () => {
    const set = await readSetAt(join(FIXTURES, 'drizzle-v1'))
    expect(set.layout).toBe('drizzle-v1')
    expect(set.migrations.map(({ id, path, order, breakpoints }) => ({ id, path, order, breakpoints }))).toEqual([
      { id: '20240101120000_init', path: '20240101120000_init/migration.sql', order: 0, breakpoints: true },
      { id: '20240215093000_add_email', path: '20240215093000_add_email/migration.sql', order: 1, breakpoints: true },
    ])
    expect(set.journal).toBeUndefined()
    expect(set.problems).toEqual([])
  })

  it('attaches the v8 snapshot with its list of parent ids', async () => {
    const set = await readSetAt(join(FIXTURES, 'drizzle-v1'))
    expect(set.migrations[1]!.snapshot).toEqual({
      path: '20240215093000_add_email/snapshot.json',
      id: 'a1a1a1a1-0000-4000-8000-000000000002',
      prevIds: ['a1a1a1a1-0000-4000-8000-000000000001'],
    })
    expect(set.snapshots).toHaveLength(2)
  })

  it('lists SQL files the v1 migrator never runs as ignored', async () => {
    const set = await readSetAt(join(FIXTURES, 'drizzle-v1'))
    expect(set.ignoredFiles).toEqual(['20240301000000_draft/up.sql'])
  })
})

describe('plain folder of SQL files', () => {
  it('applies top-level .sql files in natural file-name order, each sent whole', async () => {
    const set = await readSetAt(join(FIXTURES, 'plain'))
    expect(set.layout).toBe('plain')
    expect(set.migrations.map(({ id, order, breakpoints }) => ({ id, order, breakpoints }))).toEqual([
      { id: '1_init', order: 0, breakpoints: false },
      { id: '2_add_owner', order: 1, breakpoints: false },
      { id: '10_index_owner', order: 2, breakpoints: false },
    ])
    expect(set.ignoredFiles).toEqual([])
    expect(set.problems).toEqual([])
  })
})

describe('prisma migrations', () => {
  it('applies each <timestamp>_name/migration.sql in order, ignoring migration_lock.toml', async () => {
    const set = await findMigrationSet(new FsSource(join(FIXTURES, 'prisma')), configWith({ dir: 'prisma/migrations' }))
    expect(set.layout).toBe('prisma')
    expect(set.migrations.map(({ id, path, breakpoints }) => ({ id, path, breakpoints }))).toEqual([
      { id: '20240101000000_init', path: 'prisma/migrations/20240101000000_init/migration.sql', breakpoints: false },
      { id: '20240102000000_add_title', path: 'prisma/migrations/20240102000000_add_title/migration.sql', breakpoints: false },
    ])
    expect(set.snapshots).toEqual([])
    expect(set.problems).toEqual([])
  })
})

describe('layout detection and configuration', () => {
  it.each([
    { name: 'a drizzle journal', files: ['d/0000_a.sql', 'd/meta/_journal.json'], layout: 'drizzle' },
    { name: 'drizzle snapshots without a journal', files: ['d/0000_a.sql', 'd/meta/0000_snapshot.json'], layout: 'drizzle' },
    { name: 'folders with migration.sql and snapshot.json', files: ['d/20240101000000_a/migration.sql', 'd/20240101000000_a/snapshot.json'], layout: 'drizzle-v1' },
    { name: 'folders with migration.sql and a Prisma lock file', files: ['d/20240101000000_a/migration.sql', 'd/migration_lock.toml'], layout: 'prisma' },
    { name: 'folders with migration.sql only', files: ['d/20240101000000_a/migration.sql'], layout: 'prisma' },
    { name: 'loose SQL files', files: ['d/001.sql', 'd/002.sql'], layout: 'plain' },
    { name: 'an empty folder', files: [], layout: 'drizzle' },
  ])('detects $layout from $name', ({ files, layout }) => {
    expect(detectLayout(files, 'd')).toBe(layout)
  })

  it('reads the folder with the configured layout instead of the detected one', async () => {
    const set = await readSetAt(join(FIXTURES, 'drizzle'), { layout: 'plain' })
    expect(set.layout).toBe('plain')
    expect(set.migrations.map((migration) => migration.id)).toEqual(['0000_init', '0001_add_email', '0002_backfill_by_hand'])
  })

  it('reads a missing migrations folder as an empty set without problems', async () => {
    const root = await writeTree({ 'README.md': 'no migrations yet' })
    const set = await findMigrationSet(new FsSource(root), configWith({ dir: 'drizzle' }))
    expect(set).toEqual({ layout: 'drizzle', dir: 'drizzle', migrations: [], ignoredFiles: [], snapshots: [], problems: [] })
  })

  it('refuses a migrations folder outside the repository', async () => {
    await expect(findMigrationSet(new FsSource(FIXTURES), configWith({ dir: '../elsewhere' }))).rejects.toThrow(/outside the repository/)
  })
})
