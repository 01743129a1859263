import { describe, expect, it } from 'vitest'
import { MAX_FILE_BYTES } from '../../src/migrations/read-text.js'
import type { SetProblem } from '../../src/migrations/types.js'
import { readSetAt, tempTrees } from './trees.js'

const writeTree = tempTrees()

function entry(idx: number, tag: string, when = 1_700_000_000_000 + idx): string {
  return `{ "idx": ${idx}, "version": "7", "when": ${when}, "tag": "${tag}", "breakpoints": true }`
}

function journal(...entries: string[]): string {
  return `{\n  "version": "7",\n  "dialect": "postgresql",\n  "entries": [\n    ${entries.join(',\n    ')}\n  ]\n}\n`
}

/** Rule, message, file and start line/column: what a finding made from the problem shows. */
function located(problems: SetProblem[]) {
  return problems.map((problem) => ({
    rule: `${problem.ruleId}/${problem.messageId}`,
    file: problem.file,
    at: `${problem.range?.start.line}:${problem.range?.start.column}`,
  }))
}

describe('bad input in a drizzle folder', () => {
  it('reports a journal entry whose file is missing at the entry, and applies the others', async () => {
    const root = await writeTree({
      'meta/_journal.json': journal(entry(0, '0000_a'), entry(1, '0001_gone'), entry(2, '0002_c')),
      '0000_a.sql': 'SELECT 1;',
      '0002_c.sql': 'SELECT 3;',
    })
    const set = await readSetAt(root)
    expect(set.migrations.map(({ id, order }) => [id, order])).toEqual([
      ['0000_a', 0],
      ['0002_c', 1],
    ])
    expect(set.journal?.entries).toHaveLength(3)
    expect(located(set.problems)).toEqual([{ rule: 'drizzle-journal-missing-file/missingFile', file: 'meta/_journal.json', at: '6:5' }])
    expect(set.problems[0]!.data).toEqual({ tag: '0001_gone', path: '0001_gone.sql' })
  })

  it('reports invalid journal JSON at the line and column of the syntax error and applies nothing', async () => {
    const root = await writeTree({
      'meta/_journal.json': `${journal(entry(0, '0000_a')).replace('true }', 'true },')}`,
      '0000_a.sql': 'SELECT 1;',
    })
    const set = await readSetAt(root)
    expect(located(set.problems)).toEqual([{ rule: 'drizzle-journal-invalid/invalidJson', file: 'meta/_journal.json', at: '6:3' }])
    expect(set.problems[0]!.data).toEqual({ error: 'unexpected character "]"' })
    expect(set.journal).toBeUndefined()
    expect(set.migrations).toEqual([])
    expect(set.ignoredFiles).toEqual(['0000_a.sql'])
  })

  it('rejects a journal with a byte-order mark, as JSON.parse in the migrator does', async () => {
    const root = await writeTree({ 'meta/_journal.json': `\uFEFF${journal(entry(0, '0000_a'))}`, '0000_a.sql': 'SELECT 1;' })
    const set = await readSetAt(root)
    expect(located(set.problems)).toEqual([{ rule: 'drizzle-journal-invalid/invalidJson', file: 'meta/_journal.json', at: '1:1' }])
  })

  it('skips a binary SQL file with a problem at the file and reads the rest', async () => {
    const root = await writeTree({
      'meta/_journal.json': journal(entry(0, '0000_a'), entry(1, '0001_blob'), entry(2, '0002_c')),
      '0000_a.sql': 'SELECT 1;',
      '0001_blob.sql': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
      '0002_c.sql': 'SELECT 3;',
    })
    const set = await readSetAt(root)
    expect(set.migrations.map((migration) => migration.id)).toEqual(['0000_a', '0002_c'])
    expect(located(set.problems)).toEqual([{ rule: 'unreadable-file/binaryFile', file: '0001_blob.sql', at: '1:1' }])
  })

  it('skips a file that is not valid UTF-8', async () => {
    const root = await writeTree({
      'meta/_journal.json': journal(entry(0, '0000_latin1')),
      '0000_latin1.sql': Buffer.from("COMMENT ON TABLE t IS 'caf\xe9';", 'latin1'),
    })
    const set = await readSetAt(root)
    expect(set.migrations).toEqual([])
    expect(located(set.problems)).toEqual([{ rule: 'unreadable-file/invalidUtf8', file: '0000_latin1.sql', at: '1:1' }])
  })

  it('skips a file over the size cap, saying how large it is', async () => {
    const root = await writeTree({
      'meta/_journal.json': journal(entry(0, '0000_huge'), entry(1, '0001_b')),
      '0000_huge.sql': Buffer.alloc(MAX_FILE_BYTES + 1, '-'),
      '0001_b.sql': 'SELECT 2;',
    })
    const set = await readSetAt(root)
    expect(set.migrations.map((migration) => migration.id)).toEqual(['0001_b'])
    expect(set.problems).toMatchObject([
      { ruleId: 'unreadable-file', messageId: 'fileTooLarge', file: '0000_huge.sql', data: { bytes: MAX_FILE_BYTES + 1, limit: MAX_FILE_BYTES } },
    ])
  })

  it('reads a journal whose keys come in any order, with an old `pg` dialect header after the entries', async () => {
    const root = await writeTree({
      'meta/_journal.json': JSON.stringify({
        entries: [
          { breakpoints: true, tag: '0000_a', when: 1_700_000_000_000, version: '5', idx: 0 },
          { tag: '0001_b', idx: 1, version: '6', when: 1_700_000_000_001, breakpoints: true },
        ],
        dialect: 'pg',
        version: '5',
      }),
      '0000_a.sql': 'SELECT 1;',
      '0001_b.sql': 'SELECT 2;',
    })
    const set = await readSetAt(root)
    expect(set.problems).toEqual([])
    expect(set.migrations.map(({ id, when, idx }) => ({ id, when, idx }))).toEqual([
      { id: '0000_a', when: 1_700_000_000_000, idx: 0 },
      { id: '0001_b', when: 1_700_000_000_001, idx: 1 },
    ])
  })

  it('reports a non-PostgreSQL dialect and an unknown snapshot version where they are written', async () => {
    const text = journal(entry(0, '0000_a').replace('"version": "7"', '"version": "9"')).replace('"postgresql"', '"mysql"')
    const root = await writeTree({ 'meta/_journal.json': text, '0000_a.sql': 'SELECT 1;' })
    const set = await readSetAt(root)
    expect(located(set.problems)).toEqual([
      { rule: 'drizzle-journal-invalid/unknownDialect', file: 'meta/_journal.json', at: '3:3' },
      { rule: 'drizzle-journal-invalid/unknownVersion', file: 'meta/_journal.json', at: '5:17' },
    ])
    expect(set.migrations).toHaveLength(1)
  })

  it('leaves out a malformed entry with a problem at the bad field, without calling its file an orphan', async () => {
    const root = await writeTree({
      'meta/_journal.json': journal(entry(0, '0000_a'), entry(1, '0001_b').replace(/"when": \d+/, '"when": "yesterday"')),
      '0000_a.sql': 'SELECT 1;',
      '0001_b.sql': 'SELECT 2;',
    })
    const set = await readSetAt(root)
    expect(set.migrations.map((migration) => migration.id)).toEqual(['0000_a'])
    expect(located(set.problems)).toEqual([{ rule: 'drizzle-journal-invalid/badEntry', file: 'meta/_journal.json', at: '6:33' }])
    expect(set.problems[0]!.data).toEqual({ index: 1, field: 'when', expected: 'a number (epoch milliseconds)' })
    expect(set.ignoredFiles).toEqual([])
  })

  it('reports a journal without an entries array', async () => {
    const root = await writeTree({ 'meta/_journal.json': '{ "version": "7", "dialect": "postgresql", "entries": {} }', '0000_a.sql': 'SELECT 1;' })
    const set = await readSetAt(root)
    expect(located(set.problems)).toEqual([{ rule: 'drizzle-journal-invalid/noEntries', file: 'meta/_journal.json', at: '1:44' }])
    expect(set.ignoredFiles).toEqual(['0000_a.sql'])
  })

  it('reports SQL files without a journal when the layout is drizzle', async () => {
    const root = await writeTree({ '0000_a.sql': 'SELECT 1;', 'meta/0000_snapshot.json': '{ "id": "x", "prevId": "y" }' })
    const set = await readSetAt(root)
    expect(set.layout).toBe('drizzle')
    expect(located(set.problems)).toEqual([{ rule: 'drizzle-journal-invalid/missingJournal', file: 'meta/_journal.json', at: '1:1' }])
    expect(set.ignoredFiles).toEqual(['0000_a.sql'])
  })

  it('reports an unreadable journal and applies nothing', async () => {
    const root = await writeTree({ 'meta/_journal.json': Buffer.from([0x7b, 0x00, 0x7d]), '0000_a.sql': 'SELECT 1;' })
    const set = await readSetAt(root)
    expect(located(set.problems)).toEqual([{ rule: 'unreadable-file/binaryFile', file: 'meta/_journal.json', at: '1:1' }])
    expect(set.migrations).toEqual([])
  })

  it('reports an invalid snapshot at its syntax error and still applies the migrations', async () => {
    const root = await writeTree({
      'meta/_journal.json': journal(entry(0, '0000_a')),
      'meta/0000_snapshot.json': '{\n  "id": "6f0a",\n  "prevId": \n}',
      '0000_a.sql': 'SELECT 1;',
    })
    const set = await readSetAt(root)
    expect(located(set.problems)).toEqual([{ rule: 'drizzle-snapshot-invalid/invalidJson', file: 'meta/0000_snapshot.json', at: '4:1' }])
    expect(set.snapshots).toEqual([{ path: 'meta/0000_snapshot.json' }])
    expect(set.migrations.map((migration) => migration.id)).toEqual(['0000_a'])
  })

  it('never reads outside the repository for a tag that climbs out of it', async () => {
    const outside = await writeTree({ 'secret.sql': 'SELECT secret;' })
    const root = await writeTree({ 'meta/_journal.json': journal(entry(0, `../../../../../../..${outside}/secret`)) })
    const set = await readSetAt(root)
    expect(set.migrations).toEqual([])
    expect(set.problems.map((problem) => problem.ruleId)).toEqual(['drizzle-journal-missing-file'])
  })
})

describe('bad input in other layouts', () => {
  it('skips a binary migration.sql in a folder layout and reads the rest', async () => {
    const root = await writeTree({
      '20240101000000_a/migration.sql': 'SELECT 1;',
      '20240102000000_b/migration.sql': Buffer.from([0x00, 0xff]),
      '20240103000000_c/migration.sql': 'SELECT 3;',
      'migration_lock.toml': 'provider = "postgresql"\n',
    })
    const set = await readSetAt(root)
    expect(set.layout).toBe('prisma')
    expect(set.migrations.map(({ id, order }) => [id, order])).toEqual([
      ['20240101000000_a', 0],
      ['20240103000000_c', 1],
    ])
    expect(located(set.problems)).toEqual([{ rule: 'unreadable-file/binaryFile', file: '20240102000000_b/migration.sql', at: '1:1' }])
  })

  it('reports an invalid v1 snapshot and still applies its migration', async () => {
    const root = await writeTree({ '20240101000000_a/migration.sql': 'SELECT 1;', '20240101000000_a/snapshot.json': '{ "id": ' })
    const set = await readSetAt(root)
    expect(set.layout).toBe('drizzle-v1')
    expect(located(set.problems)).toEqual([{ rule: 'drizzle-snapshot-invalid/invalidJson', file: '20240101000000_a/snapshot.json', at: '1:9' }])
    expect(set.migrations).toHaveLength(1)
  })
})
