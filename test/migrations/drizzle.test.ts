import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { describe, expect, it } from 'vitest'
import { splitChunks } from '../../src/sql/parse.js'
import type { MigrationSet } from '../../src/migrations/types.js'
import { CORPUS, FIXTURES, readSetAt } from './trees.js'

const fixture = join(FIXTURES, 'drizzle')

/** What drizzle-orm 0.45's own migrator would run, in its terms. */
function asMigratorReadsIt(set: MigrationSet) {
  return set.migrations.map((migration) => ({
    sql: splitChunks(migration.text, migration.breakpoints).map((chunk) => chunk.text),
    folderMillis: migration.when,
    hash: migration.hash,
  }))
}

function migratorView(folder: string) {
  return readMigrationFiles({ migrationsFolder: folder }).map(({ sql, folderMillis, hash }) => ({ sql, folderMillis, hash }))
}

describe('drizzle 0.x flat layout', () => {
  it('applies the journal entries in array order, with their tag, when and idx', async () => {
    const set = await readSetAt(fixture)
    expect(set.layout).toBe('drizzle')
    expect(set.migrations.map(({ id, path, order, when, idx }) => ({ id, path, order, when, idx }))).toEqual([
      { id: '0000_init', path: '0000_init.sql', order: 0, when: 1717000000000, idx: 0 },
      { id: '0001_add_email', path: '0001_add_email.sql', order: 1, when: 1717100000000, idx: 1 },
    ])
  })

  it('hashes the raw file bytes with SHA-256, as drizzle stores them', async () => {
    const set = await readSetAt(fixture)
    const bytes = readFileSync(join(fixture, '0000_init.sql'))
    expect(set.migrations[0]!.hash).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(set.migrations[0]!.text).toBe(bytes.toString('utf8'))
  })

  it('splits every file on the marker whatever the entry says, keeping the entry flag on the journal entry', async () => {
    const set = await readSetAt(fixture)
    expect(set.migrations.map((migration) => migration.breakpoints)).toEqual([true, true])
    expect(set.journal?.entries.map((entry) => entry.breakpoints)).toEqual([true, false])
    expect(set.journal?.entries.map((entry) => entry.version)).toEqual(['7', '7'])
  })

  it('locates each journal entry in the journal file', async () => {
    const set = await readSetAt(fixture)
    expect(set.journal?.path).toBe('meta/_journal.json')
    expect(set.journal?.entries.map((entry) => [entry.range?.start.line, entry.range?.start.column, entry.range?.end.line])).toEqual([
      [5, 5, 11],
      [12, 5, 18],
    ])
  })

  it('attaches the snapshot whose prefix matches the entry and keeps the id chain', async () => {
    const set = await readSetAt(fixture)
    expect(set.snapshots).toEqual([
      { path: 'meta/0000_snapshot.json', id: '6f0a4b4e-3c51-4a8e-9d55-0a3b1f2c7d10', prevId: '00000000-0000-0000-0000-000000000000' },
      { path: 'meta/0001_snapshot.json', id: 'b2d9c1e0-8f7a-4c3b-a1d2-5e6f7a8b9c0d', prevId: '6f0a4b4e-3c51-4a8e-9d55-0a3b1f2c7d10' },
    ])
    expect(set.migrations.map((migration) => migration.snapshot?.path)).toEqual(['meta/0000_snapshot.json', 'meta/0001_snapshot.json'])
  })

  it('lists a SQL file without a journal entry as ignored and reports it at the file', async () => {
    const set = await readSetAt(fixture)
    expect(set.ignoredFiles).toEqual(['0002_backfill_by_hand.sql'])
    expect(set.problems).toEqual([
      {
        ruleId: 'drizzle-journal-orphan-file',
        messageId: 'orphanFile',
        data: { path: '0002_backfill_by_hand.sql' },
        file: '0002_backfill_by_hand.sql',
        range: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } },
      },
    ])
  })

  it('reads a migrations folder below the repository root with repository-relative paths', async () => {
    const set = await readSetAt(FIXTURES, { dir: './drizzle/' })
    expect(set.dir).toBe('drizzle')
    expect(set.journal?.path).toBe('drizzle/meta/_journal.json')
    expect(set.migrations.map((migration) => migration.path)).toEqual(['drizzle/0000_init.sql', 'drizzle/0001_add_email.sql'])
    expect(set.ignoredFiles).toEqual(['drizzle/0002_backfill_by_hand.sql'])
  })

  it('yields what drizzle-orm\'s migrator runs: same statements, order, when and hash', async () => {
    expect(asMigratorReadsIt(await readSetAt(fixture))).toEqual(migratorView(fixture))
  })
})

describe('real drizzle histories', () => {
  it('reads simstudioai/sim: 298 journal entries applied, the hand-written 0091 backfill ignored', async () => {
    const folder = join(CORPUS, 'simstudioai__sim')
    const set = await readSetAt(folder)
    expect(set.layout).toBe('drizzle')
    expect(set.journal?.entries).toHaveLength(298)
    expect(set.migrations).toHaveLength(298)
    expect(set.ignoredFiles).toEqual(['0091_backfill_user_stats.sql'])
    expect(set.problems.map((problem) => [problem.ruleId, problem.file])).toEqual([['drizzle-journal-orphan-file', '0091_backfill_user_stats.sql']])
    expect(set.migrations.at(-1)?.snapshot).toEqual({
      path: 'meta/0298_snapshot.json',
      id: 'ae56869c-b65a-475c-bec9-6e081bddc59e',
      prevId: 'c9c21e6c-7324-484b-b303-ab7b4fd9ab6d',
    })
    expect(asMigratorReadsIt(set)).toEqual(migratorView(folder))
  })

  it('reads Dokploy/dokploy: 186 entries with mixed versions under a `pg` dialect journal, 0130 ignored', async () => {
    const folder = join(CORPUS, 'Dokploy__dokploy')
    const set = await readSetAt(folder)
    expect(set.migrations).toHaveLength(186)
    expect(set.ignoredFiles).toEqual(['0130_abandoned_dagger.sql'])
    expect(set.problems.map((problem) => [problem.ruleId, problem.file])).toEqual([['drizzle-journal-orphan-file', '0130_abandoned_dagger.sql']])
    expect(new Set(set.journal?.entries.map((entry) => entry.version))).toEqual(new Set(['5', '6', '7']))
    expect(asMigratorReadsIt(set)).toEqual(migratorView(folder))
  })
})
