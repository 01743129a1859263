import { execFileSync } from 'node:child_process'
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FsSource } from '../../src/migrations/fs-source.js'
import { findMigrationSet } from '../../src/migrations/find-migration-set.js'
import { openGitSource, type GitSource } from '../../src/migrations/git-source.js'
import { configWith, tempTrees } from './trees.js'

const writeTree = tempTrees()

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim()
}

const journal = (tags: string[]) =>
  JSON.stringify({ version: '7', dialect: 'postgresql', entries: tags.map((tag, idx) => ({ idx, version: '7', when: 1_700_000_000_000 + idx, tag, breakpoints: true })) }, null, 2)

/** 300 kB: arrives from `git cat-file` over several pipe chunks. */
const LARGE_SQL = `${'-- padding line for a large migration file\n'.repeat(7_000)}SELECT 1;\n`

describe('FsSource', () => {
  it('lists regular files below a folder, sorted, skipping .git, node_modules and symbolic links', async () => {
    const root = await writeTree({ 'db/b.sql': 'b', 'db/a/x.sql': 'x', 'db/node_modules/p/index.js': '', 'db/.git/HEAD': '', 'other.txt': '' })
    await symlink(join(root, 'db/b.sql'), join(root, 'db/link.sql'))
    expect(await new FsSource(root).list('db')).toEqual(['db/a/x.sql', 'db/b.sql'])
    expect(await new FsSource(root).list('missing')).toEqual([])
  })

  it('reads nothing through a symbolic link that leaves the root', async () => {
    const outside = await writeTree({ 'secret.txt': 'secret' })
    const root = await writeTree({ 'inside.sql': 'SELECT 1;' })
    await symlink(join(outside, 'secret.txt'), join(root, 'escape.sql'))
    await symlink(outside, join(root, 'escaped-dir'))
    const source = new FsSource(root)
    expect(await source.read('escape.sql')).toBeNull()
    expect(await source.read('escaped-dir/secret.txt')).toBeNull()
    expect(await source.read('../secret.txt')).toBeNull()
    expect((await source.read('./inside.sql'))?.toString()).toBe('SELECT 1;')
    expect(await source.read('absent.sql')).toBeNull()
  })

  it('reads nothing outside the root after listing a folder that is a symbolic link leaving it', async () => {
    const outside = await writeTree({ 'secret.txt': 'secret' })
    const root = await writeTree({ 'db/inside.sql': 'SELECT 1;' })
    await symlink(outside, join(root, 'escaped-dir'))
    const source = new FsSource(root)
    await source.list('escaped-dir')
    expect(await source.read('escaped-dir/secret.txt')).toBeNull()
    expect(await source.list('db')).toEqual(['db/inside.sql'])
    expect((await source.read('db/inside.sql'))?.toString()).toBe('SELECT 1;')
  })
})

describe('GitSource', () => {
  let repo: string
  let base: GitSource
  let head: GitSource
  let baseCommit: string

  beforeAll(async () => {
    repo = await writeTree({
      'drizzle/meta/_journal.json': journal(['0000_init', '0001_email', '0002_dropped']),
      'drizzle/0000_init.sql': 'CREATE TABLE users (id int);',
      'drizzle/0001_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
      'drizzle/0002_dropped.sql': 'SELECT 2;',
      'drizzle/large.sql': LARGE_SQL,
      'drizzle/empty.sql': '',
      'drizzle-old/0000_legacy.sql': 'SELECT 0;',
      'src/db/schema/users.ts': 'export const users = 1\n',
    })
    await symlink('0000_init.sql', join(repo, 'drizzle/link.sql'))
    git(repo, 'init', '-q', '-b', 'main')
    git(repo, 'add', '.')
    git(repo, 'commit', '-q', '-m', 'base')
    baseCommit = git(repo, 'rev-parse', 'HEAD')
    git(repo, 'tag', 'base')
    await writeFile(join(repo, 'drizzle/meta/_journal.json'), journal(['0000_init', '0001_email', '0003_added']))
    await writeFile(join(repo, 'drizzle/0001_email.sql'), 'ALTER TABLE users ADD COLUMN email varchar(320);')
    await rm(join(repo, 'drizzle/0002_dropped.sql'))
    await writeFile(join(repo, 'drizzle/0003_added.sql'), 'CREATE INDEX CONCURRENTLY users_email ON users (email);')
    await writeFile(join(repo, 'src/db/schema/users.ts'), 'export const users = 2\n')
    git(repo, 'add', '-A')
    git(repo, 'commit', '-q', '-m', 'head')
    ;[base, head] = await Promise.all([openGitSource(repo, 'base'), openGitSource(repo, 'main')])
  })

  afterAll(() => {
    base?.close()
    head?.close()
  })

  it('names itself after the ref and its short commit', () => {
    expect(base.label).toBe(`base (${baseCommit.slice(0, 7)})`)
    expect(base.commit).toBe(baseCommit)
  })

  it('lists the regular files of a folder at the commit, sorted, without symbolic links or sibling folders', async () => {
    expect(await base.list('drizzle')).toEqual([
      'drizzle/0000_init.sql',
      'drizzle/0001_email.sql',
      'drizzle/0002_dropped.sql',
      'drizzle/empty.sql',
      'drizzle/large.sql',
      'drizzle/meta/_journal.json',
    ])
    expect(await base.list('')).toContain('src/db/schema/users.ts')
    expect(await base.list('nowhere')).toEqual([])
  })

  it('reads file bytes at the commit, including large and empty files', async () => {
    expect((await base.read('drizzle/0001_email.sql'))?.toString()).toBe('ALTER TABLE users ADD COLUMN email text;')
    expect((await head.read('drizzle/0001_email.sql'))?.toString()).toBe('ALTER TABLE users ADD COLUMN email varchar(320);')
    expect((await base.read('drizzle/large.sql'))?.toString()).toBe(LARGE_SQL)
    expect((await base.read('drizzle/empty.sql'))?.length).toBe(0)
  })

  it('reads a missing file, a folder or a path outside the tree as absent', async () => {
    expect(await head.read('drizzle/0002_dropped.sql')).toBeNull()
    expect(await base.read('drizzle/meta')).toBeNull()
    expect(await base.read('../outside.sql')).toBeNull()
    expect(await base.read('drizzle/with\nnewline.sql')).toBeNull()
  })

  it('answers many interleaved reads from one batch process, each with its own file', async () => {
    const paths = Array.from({ length: 120 }, (_, i) => ['drizzle/0000_init.sql', 'drizzle/large.sql', 'drizzle/missing.sql', 'drizzle/empty.sql'][i % 4]!)
    const results = await Promise.all(paths.map((path) => base.read(path)))
    const expected = { 'drizzle/0000_init.sql': 'CREATE TABLE users (id int);', 'drizzle/large.sql': LARGE_SQL, 'drizzle/missing.sql': null, 'drizzle/empty.sql': '' }
    expect(results.map((bytes) => bytes?.toString() ?? null)).toEqual(paths.map((path) => expected[path as keyof typeof expected]))
  })

  it('reads the same migration set as the checked-out working tree of that commit', async () => {
    const config = configWith({ dir: 'drizzle' })
    expect(await findMigrationSet(head, config)).toEqual(await findMigrationSet(new FsSource(repo), config))
  })

  it('uses repository-root paths when opened from a subdirectory', async () => {
    const fromSubdirectory = await openGitSource(join(repo, 'drizzle'), 'base')
    try {
      expect(await fromSubdirectory.list('drizzle/meta')).toEqual(['drizzle/meta/_journal.json'])
      expect((await fromSubdirectory.read('src/db/schema/users.ts'))?.toString()).toBe('export const users = 1\n')
    } finally {
      fromSubdirectory.close()
    }
  })

  it('rejects reads after close with a clear message', async () => {
    const source = await openGitSource(repo, 'base')
    expect((await source.read('drizzle/0000_init.sql'))?.toString()).toBe('CREATE TABLE users (id int);')
    source.close()
    await expect(source.read('drizzle/0000_init.sql')).rejects.toThrow(`git source ${source.label} is closed`)
  })

  it('explains an unknown ref', async () => {
    await expect(openGitSource(repo, 'no-such-branch')).rejects.toThrow(`unknown git ref "no-such-branch" in ${repo}`)
    await expect(openGitSource(repo, '--output=/tmp/x')).rejects.toThrow('unknown git ref "--output=/tmp/x"')
  })

  it('explains a folder that is not a git repository', async () => {
    const plain = await writeTree({ 'a.sql': 'SELECT 1;' })
    await expect(openGitSource(plain, 'main')).rejects.toThrow(`${plain} is not a git repository`)
    await expect(openGitSource(join(plain, 'missing'), 'main')).rejects.toThrow(`${join(plain, 'missing')} does not exist`)
  })

  it('reads files as git stores them, not as the working tree has them', async () => {
    await mkdir(join(repo, 'drizzle'), { recursive: true })
    await writeFile(join(repo, 'drizzle/0000_init.sql'), 'uncommitted edit')
    try {
      expect((await head.read('drizzle/0000_init.sql'))?.toString()).toBe('CREATE TABLE users (id int);')
    } finally {
      await writeFile(join(repo, 'drizzle/0000_init.sql'), 'CREATE TABLE users (id int);')
    }
    expect(await readFile(join(repo, 'drizzle/0000_init.sql'), 'utf8')).toBe('CREATE TABLE users (id int);')
  })
})
