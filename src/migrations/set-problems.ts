import { LineIndex, type SourceRange } from '../sql/source.js'
import type { TextSpan } from './parse-json.js'
import type { SetProblem } from './types.js'

/**
 * Every problem a migration-set reader reports, by rule id and message id. The integrity rules that turn
 * them into findings declare the same ids in their `meta.messages`; `data` keys are listed per message.
 */
export const SET_PROBLEM_RULES = {
  /** binaryFile {path}; invalidUtf8 {path}; fileTooLarge {path, bytes, limit} */
  unreadableFile: 'unreadable-file',
  /** missingJournal {path}; invalidJson {error}; noEntries {}; badEntry {index, field, expected}; unknownDialect {dialect}; unknownVersion {version} */
  journalInvalid: 'drizzle-journal-invalid',
  /** missingFile {tag, path}: located at the journal entry */
  journalMissingFile: 'drizzle-journal-missing-file',
  /** orphanFile {path}: located at the SQL file, which the migrator silently ignores */
  journalOrphanFile: 'drizzle-journal-orphan-file',
  /** invalidJson {error} */
  snapshotInvalid: 'drizzle-snapshot-invalid',
} as const

/** Where a problem about a whole file points: its first character. */
const FILE_START: SourceRange = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } }

export function problemAt(
  ruleId: string,
  messageId: string,
  data: SetProblem['data'],
  file: string,
  range: SourceRange = FILE_START,
): SetProblem {
  return { ruleId, messageId, data, file, range }
}

/** A problem located at a span of a text file (e.g. one journal entry). */
export function problemInText(
  ruleId: string,
  messageId: string,
  data: SetProblem['data'],
  file: string,
  lines: LineIndex,
  span: TextSpan,
): SetProblem {
  return problemAt(ruleId, messageId, data, file, lines.rangeOf(span.start, span.end))
}

export function invalidJsonProblem(ruleId: string, file: string, text: string, message: string, offset: number): SetProblem {
  return problemInText(ruleId, 'invalidJson', { error: message }, file, new LineIndex(text), { start: offset, end: offset })
}
