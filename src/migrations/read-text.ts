import type { FileSource } from './file-source.js'
import { problemAt, SET_PROBLEM_RULES } from './set-problems.js'
import type { Migration, SetProblem } from './types.js'

/** Files above this size are not migrations anyone reviews; reading them would only cost memory. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024

export interface TextFile {
  path: string
  /** Decoded exactly as the runner's `buffer.toString()` does for valid UTF-8 (a BOM is kept). */
  text: string
  bytes: Buffer
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Decodes a text file, or returns the `unreadable-file` problem that replaces it. */
function decodeTextFile(path: string, bytes: Buffer): TextFile | SetProblem {
  const rule = SET_PROBLEM_RULES.unreadableFile
  if (bytes.length > MAX_FILE_BYTES) return problemAt(rule, 'fileTooLarge', { path, bytes: bytes.length, limit: MAX_FILE_BYTES }, path)
  if (bytes.includes(0)) return problemAt(rule, 'binaryFile', { path }, path)
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return problemAt(rule, 'invalidUtf8', { path }, path)
  }
  return { path, text, bytes }
}

export type ReadResult =
  | { status: 'text'; file: TextFile }
  | { status: 'missing' }
  | { status: 'unreadable'; problem: SetProblem }

/** Reads and decodes one file. Callers add problems themselves, in a stable order, since reads run in parallel. */
export async function readTextFile(source: FileSource, path: string): Promise<ReadResult> {
  const bytes = await source.read(path)
  if (bytes === null) return { status: 'missing' }
  const decoded = decodeTextFile(path, bytes)
  return 'ruleId' in decoded ? { status: 'unreadable', problem: decoded } : { status: 'text', file: decoded }
}

/**
 * The hash is drizzle-orm's: hex SHA-256 of the raw bytes, as stored in `__drizzle_migrations.hash`. It is
 * computed when first read: only a comparison with a base and the replay need it, so a plain lint never loads
 * node:crypto. The one-shot `hash()` costs half of a `createHash` object per file.
 */
export function migrationOf(file: TextFile, id: string, order: number, breakpoints: boolean, journal?: Pick<Migration, 'when' | 'idx'>): Migration {
  let hash: string | undefined
  return {
    id,
    path: file.path,
    text: file.text,
    get hash() {
      return (hash ??= process.getBuiltinModule('node:crypto').hash('sha256', file.bytes, 'hex'))
    },
    order,
    breakpoints,
    ...journal,
  }
}
