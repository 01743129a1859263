import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compareMigrationSets, findChangedFiles, transactionModeFor, watchedDirs } from '../../src/migrations/compare-migrations.js'
import { FsSource } from '../../src/migrations/fs-source.js'
import { findMigrationSet } from '../../src/migrations/find-migration-set.js'
import { openGitSource } from '../../src/migrations/git-source.js'
import type { Layout, MigrationSet } from '../../src/migrations/types.js'
import { configWith, readSetAt, tempTrees } from './trees.js'

const writeTree = tempTrees()

const journal = (tags: string[]) =>
  JSON.stringify({ version: '7', dialect: 'postgresql', entries: tags.map((tag, idx) => ({ idx, version: '7', when: 1_700_000_000_000 + idx, tag, breakpoints: true })) })

async function drizzleSet(files: Record<string, string>): Promise<MigrationSet> {
  return readSetAt(await writeTree({ 'meta/_journal.json': journal(Object.keys(files)), ...Object.fromEntries(Object.entries(files).map(([tag, sql]) => [`${tag}.sql`, sql])) }))
}

const ids = (migrations: Array<{ id: string }>) => migrations.map((migration) => migration.id)

describe('compareMigrationSets', () => {
  it('finds added migrations in application order, edited ones by id, and removed ones', async () => {
    const base = await drizzleSet({ '0000_a': 'SELECT 1;', '0001_b': 'SELECT 2;', '0002_c': 'SELECT 3;' })
    const head = await drizzleSet({ '0000_a': 'SELECT 1;', '0001_b': 'SELECT 22;', '0003_e': 'SELECT 5;', '0004_d': 'SELECT 4;' })
    const change = compareMigrationSets(base, head, ['0001_b.sql', '0002_c.sql', '0003_e.sql', '0004_d.sql'], configWith({}))
    expect(ids(change.added)).toEqual(['0003_e', '0004_d'])
    expect(change.edited.map(({ base, head }) => [base.text, head.text])).toEqual([['SELECT 2;', 'SELECT 22;']])
    expect(ids(change.removed)).toEqual(['0002_c'])
    expect(change.base).toBe(base)
    expect(change.head).toBe(head)
  })

  it('does not count what the base did after the branch left it as the branch deleting or editing', async () => {
    const base = await drizzleSet({ '0000_a': 'SELECT 1;', '0001_b': 'SELECT 2 -- fixed on main;', '0002_c': 'SELECT 3;' })
    const head = await drizzleSet({ '0000_a': 'SELECT 11;', '0001_b': 'SELECT 2;', '0003_d': 'SELECT 4;' })
    // What the branch touched, as GitHub lists a pull request's files (from the merge base).
    const touched = ['0000_a.sql', '0003_d.sql', 'meta/_journal.json']
    const change = compareMigrationSets(base, head, touched, configWith({}))
    expect(ids(change.added)).toEqual(['0003_d'])
    expect(change.edited.map(({ head }) => head.id)).toEqual(['0000_a'])
    expect(change.removed).toEqual([])
    expect(ids(compareMigrationSets(base, head, [...touched, '0002_c.sql'], configWith({})).removed)).toEqual(['0002_c'])
  })

  it('treats every migration as added when there is no base', async () => {
    const head = await drizzleSet({ '0000_a': 'SELECT 1;', '0001_b': 'SELECT 2;' })
    const change = compareMigrationSets(null, head, ['drizzle/0000_a.sql'], configWith({}))
    expect(ids(change.added)).toEqual(['0000_a', '0001_b'])
    expect(change.edited).toEqual([])
    expect(change.removed).toEqual([])
    expect(change.changedFiles).toEqual(['drizzle/0000_a.sql'])
  })

  it('counts a migration as edited exactly when its bytes differ, line endings included', async () => {
    const base = await drizzleSet({ '0000_a': 'SELECT 1;\n' })
    const same = await drizzleSet({ '0000_a': 'SELECT 1;\n' })
    const crlf = await drizzleSet({ '0000_a': 'SELECT 1;\r\n' })
    expect(compareMigrationSets(base, same, ['0000_a.sql'], configWith({})).edited).toEqual([])
    expect(compareMigrationSets(base, crlf, ['0000_a.sql'], configWith({})).edited).toHaveLength(1)
  })

  it('picks the changed files that match the configured schema globs', async () => {
    const head = await drizzleSet({})
    const config = configWith({}, { schema: ['src/db/schema/**', 'packages/*/schema.ts'] })
    const changed = ['src/db/schema/users.ts', 'src/db/schema/nested/.hidden.ts', 'src/db/client.ts', 'packages/api/schema.ts', 'drizzle/0001_b.sql']
    expect(compareMigrationSets(null, head, changed, config).changedSchemaFiles).toEqual(['src/db/schema/users.ts', 'src/db/schema/nested/.hidden.ts', 'packages/api/schema.ts'])
  })
})

describe('transactionModeFor', () => {
  const set = (layout: Layout): MigrationSet => ({ layout, dir: '', migrations: [], ignoredFiles: [], snapshots: [], problems: [] })

  it.each([
    ['drizzle', 'all-pending'],
    ['drizzle-v1', 'all-pending'],
    ['prisma', 'per-file'],
    ['plain', 'none'],
  ] as const)('follows the %s runner when set to auto: %s', (layout, mode) => {
    expect(transactionModeFor(set(layout), configWith({ transaction: 'auto' }))).toBe(mode)
  })

  it('uses the configured mode over the layout', () => {
    expect(transactionModeFor(set('drizzle'), configWith({ transaction: 'none' }))).toBe('none')
  })
})

describe('changed files between two versions', () => {
  it('watches the migrations folder and the fixed part of each configured glob, without nested duplicates', () => {
    const config = configWith({ dir: './db/migrations/' }, { schema: ['src/db/schema/**', 'src/db/enums.ts'], migrations: ['db/**/*.sql'] })
    expect(watchedDirs(config)).toEqual(['db', 'src/db'])
    expect(watchedDirs(configWith({}, { schema: ['**/schema.ts'] }))).toEqual([''])
  })

  it('finds files added, deleted and edited between a git base and the working tree', async () => {
    const repo = await writeTree({
      'drizzle/meta/_journal.json': journal(['0000_a']),
      'drizzle/0000_a.sql': 'SELECT 1;',
      'src/db/schema/users.ts': 'export {}\n',
      'src/db/schema/posts.ts': 'export {}\n',
      'README.md': 'unwatched',
    })
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo })
    git('init', '-q', '-b', 'main')
    git('add', '.')
    git('commit', '-q', '-m', 'base')
    await writeFile(join(repo, 'drizzle/meta/_journal.json'), journal(['0000_a', '0001_b']))
    await writeFile(join(repo, 'drizzle/0001_b.sql'), 'SELECT 2;')
    await writeFile(join(repo, 'src/db/schema/users.ts'), 'export const users = 1\n')
    await writeFile(join(repo, 'README.md'), 'edited but not watched')
    git('rm', '-q', 'src/db/schema/posts.ts')

    const config = configWith({})
    const base = await openGitSource(repo, 'main')
    const head = new FsSource(repo)
    try {
      const changed = await findChangedFiles(base, head, watchedDirs(config))
      expect(changed).toEqual(['drizzle/0001_b.sql', 'drizzle/meta/_journal.json', 'src/db/schema/posts.ts', 'src/db/schema/users.ts'])
      const change = compareMigrationSets(await findMigrationSet(base, config), await findMigrationSet(head, config), changed, config)
      expect(ids(change.added)).toEqual(['0001_b'])
      expect(change.changedSchemaFiles).toEqual(['src/db/schema/posts.ts', 'src/db/schema/users.ts'])
    } finally {
      base.close()
    }
  })
})
