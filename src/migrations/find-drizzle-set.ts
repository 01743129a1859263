import { LineIndex } from '../sql/source.js'
import type { FileSource } from './file-source.js'
import { isJsonObject, parseJson, type JsonSpans, type TextSpan } from './parse-json.js'
import { joinPath, normalizeRepoPath, relativeTo } from './paths.js'
import { readSnapshot } from './read-snapshot.js'
import { migrationOf, readTextFile } from './read-text.js'
import { invalidJsonProblem, problemAt, problemInText, SET_PROBLEM_RULES } from './set-problems.js'
import type { JournalEntry, Migration, MigrationSet, SetProblem } from './types.js'

const JOURNAL = 'meta/_journal.json'
const SNAPSHOT_SUFFIX = '_snapshot.json'
const DIALECTS = new Set(['pg', 'postgresql'])
const VERSIONS = new Set(['5', '6', '7'])

/**
 * Reads a drizzle-kit 0.x folder the way drizzle-orm's migrator does: the journal's entries in array order,
 * each `<tag>.sql` applied (and always split on the breakpoint marker, whatever the entry's flag says);
 * SQL files without an entry are never applied.
 */
export async function findDrizzleSet(source: FileSource, dir: string, files: string[]): Promise<MigrationSet> {
  const journalPath = joinPath(dir, JOURNAL)
  const sqlFiles = files.filter((file) => /^[^/]+\.sql$/.test(relativeTo(dir, file) ?? ''))
  const snapshotPaths = files.filter((file) => /^meta\/[^/]*_snapshot\.json$/.test(relativeTo(dir, file) ?? ''))
  // Snapshots (large JSON) are read and parsed while the journal's SQL files are being read.
  const snapshotsRead = Promise.all(snapshotPaths.map((path) => readSnapshot(source, path)))
  const problems: SetProblem[] = []
  const set: MigrationSet = { layout: 'drizzle', dir, migrations: [], ignoredFiles: [], snapshots: [], problems }

  const journal = await readJournal(source, journalPath, sqlFiles.length > 0, problems)
  const entries = journal?.entries ?? []
  if (journal) set.journal = { path: journalPath, entries }
  const entryPaths = entries.map((entry) => normalizeRepoPath(joinPath(dir, `${entry.tag}.sql`)))
  const [reads, snapshotReads] = await Promise.all([
    Promise.all(entryPaths.map((path) => (path === null ? { status: 'missing' as const } : readTextFile(source, path)))),
    snapshotsRead,
  ])

  for (const read of snapshotReads) {
    set.snapshots.push(read.snapshot)
    if (read.problem) problems.push(read.problem)
  }
  const snapshotByPrefix = new Map(set.snapshots.map((snapshot) => [snapshotPrefix(snapshot.path), snapshot]))
  entries.forEach((entry, index) => {
    const read = reads[index]!
    if (read.status === 'unreadable') problems.push(read.problem)
    else if (read.status === 'missing') {
      const path = entryPaths[index] ?? joinPath(dir, `${entry.tag}.sql`)
      problems.push(problemAt(SET_PROBLEM_RULES.journalMissingFile, 'missingFile', { tag: entry.tag, path }, journalPath, entry.range))
    } else {
      const migration = migrationOf(read.file, entry.tag, set.migrations.length, true, { when: entry.when, idx: entry.idx })
      const snapshot = snapshotByPrefix.get(tagPrefix(entry.tag))
      if (snapshot) migration.snapshot = snapshot
      set.migrations.push(migration)
    }
  })

  if (journal === null) {
    // Without a usable journal the migrator applies nothing; the journal problem says why.
    set.ignoredFiles = sqlFiles
    return set
  }
  // Files named by a malformed entry are reported through that entry, not as orphans.
  const journaled = new Set([...journal.tags].map((tag) => normalizeRepoPath(joinPath(dir, `${tag}.sql`))))
  for (const file of sqlFiles) {
    if (journaled.has(file)) continue
    set.ignoredFiles.push(file)
    problems.push(problemAt(SET_PROBLEM_RULES.journalOrphanFile, 'orphanFile', { path: file }, file))
  }
  return set
}

async function readJournal(source: FileSource, path: string, expected: boolean, problems: SetProblem[]): Promise<ParsedJournal | null> {
  const read = await readTextFile(source, path)
  if (read.status === 'text') return parseJournal(path, read.file.text, problems)
  if (read.status === 'unreadable') problems.push(read.problem)
  // An absent folder (e.g. the base branch before the first migration) is an empty set, not a problem.
  else if (expected) problems.push(problemAt(SET_PROBLEM_RULES.journalInvalid, 'missingJournal', { path }, path))
  return null
}

/**
 * Lenient where drizzle is (dialect `pg` or `postgresql`, versions 5–7, keys in any order, unknown keys),
 * strict where the migrator would fail or misbehave. Malformed entries are reported and left out.
 * Returns null when the journal has no usable `entries` (the migrator would throw).
 */
interface ParsedJournal {
  entries: JournalEntry[]
  /** Every tag the journal names, including those of malformed entries. */
  tags: Set<string>
}

function parseJournal(path: string, text: string, problems: SetProblem[]): ParsedJournal | null {
  const rule = SET_PROBLEM_RULES.journalInvalid
  const parsed = parseJson(text)
  if (!parsed.ok) {
    problems.push(invalidJsonProblem(rule, path, text, parsed.message, parsed.offset))
    return null
  }
  const { value: journal, spans } = parsed
  const lines = new LineIndex(text)
  const report = (messageId: string, data: SetProblem['data'], span: TextSpan | undefined): void => {
    problems.push(problemInText(rule, messageId, data, path, lines, span ?? { start: 0, end: 0 }))
  }
  if (!isJsonObject(journal) || !Array.isArray(journal.entries)) {
    report('noEntries', {}, isJsonObject(journal) ? spans.ofMember(journal, 'entries') : undefined)
    return null
  }
  if ('dialect' in journal && !DIALECTS.has(String(journal.dialect))) {
    report('unknownDialect', { dialect: String(journal.dialect) }, spans.ofMember(journal, 'dialect'))
  }
  checkVersion(journal, spans, report)

  const entries: JournalEntry[] = []
  const tags = new Set<string>()
  journal.entries.forEach((raw: unknown, index) => {
    if (!isJsonObject(raw)) return report('badEntry', { index, field: 'entry', expected: 'an object' }, spans.of(journal.entries as unknown[]))
    const entrySpan = spans.of(raw)!
    const bad = (field: string, expected: string): void => report('badEntry', { index, field, expected }, spans.ofMember(raw, field) ?? entrySpan)
    const { tag, when, idx } = raw
    if (typeof tag !== 'string' || tag === '') return bad('tag', 'a non-empty string')
    tags.add(tag)
    if (typeof when !== 'number' || !Number.isFinite(when)) return bad('when', 'a number (epoch milliseconds)')
    if (typeof idx !== 'number' || !Number.isInteger(idx)) return bad('idx', 'an integer')
    const entry: JournalEntry = { idx, when, tag, breakpoints: raw.breakpoints === true, range: lines.rangeOf(entrySpan.start, entrySpan.end) }
    if ('version' in raw) entry.version = String(raw.version)
    checkVersion(raw, spans, report)
    entries.push(entry)
  })
  return { entries, tags }
}

function checkVersion(
  node: Record<string, unknown>,
  spans: JsonSpans,
  report: (messageId: string, data: SetProblem['data'], span: TextSpan | undefined) => void,
): void {
  if ('version' in node && !VERSIONS.has(String(node.version))) report('unknownVersion', { version: String(node.version) }, spans.ofMember(node, 'version'))
}

/** `0042_brave_hulk` → `0042`; drizzle-kit names the snapshot `<prefix>_snapshot.json`. */
function tagPrefix(tag: string): string {
  const underscore = tag.indexOf('_')
  return underscore === -1 ? tag : tag.slice(0, underscore)
}

function snapshotPrefix(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1, -SNAPSHOT_SUFFIX.length)
}
