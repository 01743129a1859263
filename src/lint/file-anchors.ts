import type { MigrationSet } from '../migrations/types.js'
import type { SourceRange } from '../sql/source.js'
import type { Anchor } from './rule.js'

const FILE_START: SourceRange = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } }

/** A place in a file that holds no reviewed statements (journal, snapshot, schema source): its start unless told. */
export function fileAnchor(file: string, range: SourceRange = FILE_START): Anchor {
  return { file, range }
}

/** The journal entry of `tag` in a drizzle set; `fallback` (a file's start) when the set has no such entry. */
export function journalEntryAnchor(set: MigrationSet, tag: string, fallback: string): Anchor {
  const entry = set.journal?.entries.find((e) => e.tag === tag)
  return set.journal && entry ? fileAnchor(set.journal.path, entry.range) : fileAnchor(fallback)
}
