import type { Migration } from '../migrations/types.js'
import { type Comment, skipTrivia, splitStatements } from './lexer.js'
import { LineIndex, type Position, type SourceRange } from './source.js'
import { loadWasmParser, type ParseTree, parseSql, PgSyntaxError } from './wasm-parser.js'

/** A libpg-query parse node: an object with a single key naming its kind, e.g. `{ IndexStmt: {...} }`. */
export type PgNode = Record<string, any>

export const BREAKPOINT = '--> statement-breakpoint'

export interface SyntaxError {
  message: string
  position: Position
}

export interface Statement {
  /** 0-based position of the statement in its migration. */
  index: number
  /** Which `--> statement-breakpoint` chunk it came from (0 when the file is not split). */
  chunk: number
  /** Exact source text, from the first token to the terminating `;` (inclusive, when present). */
  text: string
  range: SourceRange
  /** Parse tree body and kind (`IndexStmt`, `AlterTableStmt`…); null when PostgreSQL's grammar rejects it. */
  kind: string | null
  node: PgNode | null
  syntaxError?: SyntaxError
  /** Comments between the previous statement and this one (ignore directives live here). */
  leadingComments: Comment[]
  /**
   * For a `DO` block that only wraps plain SQL in `BEGIN … [EXCEPTION …] END` (drizzle 0.x wraps every
   * foreign key and enum this way to make it idempotent): those statements, with exact file positions,
   * so rules and the schema model see the DDL instead of an opaque block.
   */
  body?: Statement[]
  /** Set on the statements of a DO block's `body`: they run as one function call (one transaction, no CONCURRENTLY). */
  inDoBlock?: boolean
}

export interface ParsedMigration {
  migration: Migration
  statements: Statement[]
  /** Comments after the last statement. */
  trailingComments: Comment[]
  lines: LineIndex
  /** Maps a node `location` (UTF-8 byte offset within the statement's chunk) to a file offset. */
  fileOffset(statement: Statement, byteLocation: number): number
}

/** Loads the WebAssembly parser once per process (~20 ms). */
export function loadParser(): Promise<void> {
  return loadWasmParser()
}

interface Chunk {
  start: number
  text: string
}

/** Splits the way drizzle's migrator does: a plain string split on the marker, wherever it stands. */
export function splitChunks(text: string, breakpoints: boolean): Chunk[] {
  if (!breakpoints) return [{ start: 0, text }]
  const chunks: Chunk[] = []
  let start = 0
  for (;;) {
    const at = text.indexOf(BREAKPOINT, start)
    if (at === -1) {
      chunks.push({ start, text: text.slice(start) })
      return chunks
    }
    chunks.push({ start, text: text.slice(start, at) })
    start = at + BREAKPOINT.length
  }
}

/** Converts UTF-8 byte offsets (libpg-query's unit) to UTF-16 offsets in `text`. */
function byteToCharMapper(text: string): (byteOffset: number) => number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return (b) => b
  const charAtByte: number[] = []
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) as number
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4
    for (let k = 0; k < size; k++) charAtByte[bytes + k] = i
    bytes += size
    if (code >= 0x10000) i++
  }
  charAtByte[bytes] = text.length
  return (b) => charAtByte[Math.min(b, bytes)] as number
}

function nodeKind(node: PgNode): string {
  return Object.keys(node)[0] as string
}

/**
 * Parses one migration file with PostgreSQL's own grammar, chunk by chunk as the runner splits it.
 * A chunk that does not parse is split lexically so that its other statements are still parsed; each
 * statement the grammar rejects is kept (for replay) with the error position PostgreSQL reports.
 * Call `loadParser()` first.
 */
export function parseMigration(migration: Migration): ParsedMigration {
  const text = migration.text
  const lines = new LineIndex(text)
  const statements: Statement[] = []
  const mappers = new Map<number, { start: number; toChar: (b: number) => number }>()
  let trailingComments: Comment[] = []
  // Statements parsed on their own (fallback path) have node locations relative to their own text.
  const statementShift = new Map<Statement, number>()

  const push = (chunkIndex: number, chunk: Chunk, spanStart: number, spanEnd: number, leading: Comment[], parsed: PgNode | null, error?: SyntaxError): void => {
    const start = chunk.start + spanStart
    const end = chunk.start + spanEnd
    statements.push({
      index: statements.length,
      chunk: chunkIndex,
      text: text.slice(start, end),
      range: lines.rangeOf(start, end),
      kind: parsed ? nodeKind(parsed) : null,
      node: parsed ? (parsed[nodeKind(parsed)] as PgNode) : null,
      syntaxError: error,
      leadingComments: leading.map((c) => ({ ...c, start: c.start + chunk.start, end: c.end + chunk.start })),
    })
  }

  splitChunks(text, migration.breakpoints).forEach((chunk, chunkIndex) => {
    const toChar = byteToCharMapper(chunk.text)
    mappers.set(chunkIndex, { start: chunk.start, toChar })
    let tree: ParseTree | undefined
    try {
      tree = parseSql(chunk.text)
    } catch {
      tree = undefined
    }
    if (tree) {
      for (const raw of tree.stmts ?? []) {
        const rawStart = toChar(raw.stmt_location ?? 0)
        const { offset, comments } = skipTrivia(chunk.text, rawStart)
        // stmt_len is 0 for a final statement without `;`: its end is the end of its last token.
        const rawEnd = raw.stmt_len ? toChar((raw.stmt_location ?? 0) + raw.stmt_len) : offset + (splitStatements(chunk.text.slice(offset)).statements[0]?.end ?? 0)
        const end = chunk.text[rawEnd] === ';' ? rawEnd + 1 : rawEnd
        push(chunkIndex, chunk, offset, end, comments, raw.stmt)
      }
      const lastEnd = statements.length && statements[statements.length - 1]!.chunk === chunkIndex ? statements[statements.length - 1]!.range.end.offset - chunk.start : 0
      trailingComments = [...trailingComments, ...skipTrivia(chunk.text, skipSemicolons(chunk.text, lastEnd)).comments.map((c) => ({ ...c, start: c.start + chunk.start, end: c.end + chunk.start }))]
      return
    }
    // The chunk has at least one statement the grammar rejects: parse statement by statement.
    const split = splitStatements(chunk.text)
    for (const span of split.statements) {
      const sql = chunk.text.slice(span.start, span.end)
      try {
        const one = parseSql(sql)
        const stmt = one.stmts?.[0]?.stmt ?? null
        push(chunkIndex, { start: chunk.start, text: chunk.text }, span.start, span.end, span.leadingComments, stmt)
        if (stmt && (one.stmts?.length ?? 0) === 1) {
          // Node locations are relative to `sql`, not the chunk: remember the shift for this statement.
          statementShift.set(statements[statements.length - 1] as Statement, span.start)
        }
      } catch (error) {
        const cursor = error instanceof PgSyntaxError ? error.cursorPosition : 0
        const at = chunk.start + span.start + byteToCharMapper(sql)(cursor)
        push(chunkIndex, { start: chunk.start, text: chunk.text }, span.start, span.end, span.leadingComments, null, {
          message: (error as Error).message,
          position: lines.positionAt(at),
        })
      }
    }
    trailingComments = [...trailingComments, ...split.trailingComments.map((c) => ({ ...c, start: c.start + chunk.start, end: c.end + chunk.start }))]
  })

  for (const statement of statements) {
    if (statement.kind !== 'DoStmt') continue
    const chunkStart = mappers.get(statement.chunk)?.start ?? 0
    const body = plainDoBody(statement, (inner, shift) => statementShift.set(inner, statement.range.start.offset - chunkStart + shift), lines)
    if (body.length) statement.body = body
  }

  return {
    migration,
    statements,
    trailingComments,
    lines,
    fileOffset(statement, byteLocation) {
      const mapper = mappers.get(statement.chunk)
      if (!mapper) return statement.range.start.offset
      const shift = statementShift.get(statement)
      if (shift !== undefined) {
        const local = byteToCharMapper(statement.text)(byteLocation)
        return mapper.start + shift + local
      }
      return mapper.start + mapper.toChar(byteLocation)
    },
  }
}

function skipSemicolons(text: string, from: number): number {
  let i = from
  while (i < text.length && (text[i] === ';' || /\s/.test(text[i] as string))) i++
  return i
}

/**
 * The plain SQL statements of a DO block of the form `BEGIN <sql>; … [EXCEPTION WHEN … THEN …] END`, or []
 * when the body is anything else (PL/pgSQL control flow, dynamic EXECUTE): those stay opaque.
 */
function plainDoBody(statement: Statement, register: (inner: Statement, shiftInStatement: number) => void, lines: LineIndex): Statement[] {
  const args: PgNode[] = statement.node?.args ?? []
  const language = args.find((a) => a.DefElem?.defname === 'language')?.DefElem.arg?.String?.sval ?? 'plpgsql'
  const code: string | undefined = args.find((a) => a.DefElem?.defname === 'as')?.DefElem.arg?.String?.sval
  if (language !== 'plpgsql' || code === undefined) return []
  const quote = /\$([A-Za-z_][\w]*)?\$/.exec(statement.text)
  if (!quote) return []
  const codeStart = quote.index + quote[0].length
  if (statement.text.slice(codeStart, codeStart + code.length) !== code) return []
  const begin = /^\s*BEGIN\b/i.exec(code)
  const end = /\bEND\s*;?\s*$/i.exec(code)
  if (!begin || !end || end.index < begin[0].length) return []
  const inner = code.slice(begin[0].length, end.index)
  const body: Statement[] = []
  for (const span of splitStatements(inner).statements) {
    const sql = inner.slice(span.start, span.end)
    if (/^EXCEPTION\b/i.test(sql)) break
    let stmt: PgNode | undefined
    try {
      stmt = parseSql(sql).stmts?.[0]?.stmt
    } catch {
      return []
    }
    if (!stmt) return []
    const shift = codeStart + begin[0].length + span.start
    const start = statement.range.start.offset + shift
    const kind = nodeKind(stmt)
    const innerStatement: Statement = { index: statement.index, chunk: statement.chunk, text: sql, range: lines.rangeOf(start, start + sql.length), kind, node: stmt[kind] as PgNode, leadingComments: statement.leadingComments, inDoBlock: true }
    register(innerStatement, shift)
    body.push(innerStatement)
  }
  return body
}
