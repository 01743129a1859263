import type { Migration } from '../migrations/types.js'
import { type Comment, firstTokenAt, isOutsideBlockComment, isWhitespace, skipTrivia, splitStatements } from './lexer.js'
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
  /** Maps a node `location` (UTF-8 byte offset within the text the statement was parsed in: its file, chunk or own text) to a file offset. */
  fileOffset(statement: Statement, byteLocation: number): number
}

/** Instantiates the WebAssembly parser once per process; parsing needs it. Commands that never parse (`rules`) never instantiate it. */
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

function chunkEnd(chunk: Chunk): number {
  return chunk.start + chunk.text.length
}

/** Converts UTF-8 byte offsets (libpg-query's unit) to UTF-16 offsets in `text`. */
function byteToCharMapper(text: string): (byteOffset: number) => number {
  const byteLength = Buffer.byteLength(text)
  if (byteLength === text.length) return (b) => b
  // Offsets shift only at non-ASCII characters: keep where each starts (in bytes and UTF-16 units) and its size.
  const byteStarts: number[] = []
  const charStarts: number[] = []
  const sizes: number[] = []
  let shift = 0
  for (const match of text.matchAll(/[^\x00-\x7f]/gu)) {
    const size = Buffer.byteLength(match[0])
    byteStarts.push(match.index + shift)
    charStarts.push(match.index)
    sizes.push(size)
    shift += size - match[0].length
  }
  return (b) => {
    if (b >= byteLength) return text.length
    let low = 0
    let high = byteStarts.length - 1
    while (low <= high) {
      const mid = (low + high) >> 1
      if ((byteStarts[mid] as number) <= b) low = mid + 1
      else high = mid - 1
    }
    // `high` is the last non-ASCII character starting at or before `b`; a byte inside it maps to its start.
    if (high < 0) return b
    const start = byteStarts[high] as number
    const size = sizes[high] as number
    const char = charStarts[high] as number
    return b < start + size ? char : char + (size === 4 ? 2 : 1) + (b - start - size)
  }
}

function nodeKind(node: PgNode): string {
  return Object.keys(node)[0] as string
}

/** Where node locations of a statement count from: the start of the text it was parsed in, in the file, and that text's byte→char map. */
interface LocationOrigin {
  start: number
  toChar: (byteOffset: number) => number
}

/** A statement of a parse tree, in file offsets: `start` just after the previous statement's `;` (before comments), `end` at its own `;` (null: the end of its last token). */
interface TreeStatement {
  start: number
  end: number | null
  stmt: PgNode
}

interface ParsedText {
  origin: LocationOrigin
  statements: TreeStatement[]
}

/** Parses `sql`, which starts at file offset `start`; null when PostgreSQL rejects any of it. */
function parseText(sql: string, start: number): ParsedText | null {
  let tree: ParseTree
  try {
    tree = parseSql(sql)
  } catch {
    return null
  }
  const toChar = byteToCharMapper(sql)
  const statements = (tree.stmts ?? []).map((raw) => {
    const location = raw.stmt_location ?? 0
    return { start: start + toChar(location), end: raw.stmt_len ? start + toChar(location + raw.stmt_len) : null, stmt: raw.stmt }
  })
  return { origin: { start, toChar }, statements }
}

/**
 * Parses every chunk of a split file with one call into the parser, which costs less than one call per
 * chunk. Returns the statements by chunk, or null unless that is exactly what parsing each chunk on its own
 * gives (the file then goes chunk by chunk): no syntax error anywhere, no statement across a marker, and
 * every marker read as a break, that is between statements, outside block comments, and with nothing after
 * it on its line (the one parse takes a marker for a `--` comment, which would hide the rest of the line).
 */
function parseChunksAtOnce(text: string, chunks: Chunk[]): ParsedText[] | null {
  const parsed = parseText(text, 0)
  if (!parsed) return null
  const byChunk: ParsedText[] = chunks.map(() => ({ origin: parsed.origin, statements: [] }))
  let chunkIndex = 0
  let previousEnd = 0
  const crossMarker = (): boolean => {
    const marker = chunkEnd(chunks[chunkIndex] as Chunk)
    chunkIndex++
    BLANK_REST_OF_LINE.lastIndex = marker + BREAKPOINT.length
    return BLANK_REST_OF_LINE.test(text) && isOutsideBlockComment(text, previousEnd, marker)
  }
  for (const raw of parsed.statements) {
    const first = firstTokenAt(text, raw.start)
    const end = raw.end ?? first + (splitStatements(text.slice(first)).statements[0]?.end ?? 0)
    while (chunkIndex < chunks.length - 1 && first >= chunkEnd(chunks[chunkIndex] as Chunk)) {
      if (!crossMarker()) return null
    }
    const chunk = chunks[chunkIndex] as Chunk
    if (first < chunk.start || end > chunkEnd(chunk)) return null
    ;(byChunk[chunkIndex] as ParsedText).statements.push({ start: Math.max(raw.start, chunk.start), end, stmt: raw.stmt })
    previousEnd = text[end] === ';' ? end + 1 : end
  }
  while (chunkIndex < chunks.length - 1) {
    if (!crossMarker()) return null
  }
  return byChunk
}

const BLANK_REST_OF_LINE = /[ \t\r]*(?:\n|$)/y

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
  const trailingComments: Comment[] = []
  const origins = new Map<Statement, LocationOrigin>()

  const push = (chunkIndex: number, start: number, end: number, leadingComments: Comment[], parsed: PgNode | null, error?: SyntaxError): Statement => {
    const kind = parsed ? nodeKind(parsed) : null
    const statement: Statement = {
      index: statements.length,
      chunk: chunkIndex,
      text: text.slice(start, end),
      range: lines.rangeOf(start, end),
      kind,
      node: parsed ? (parsed[kind as string] as PgNode) : null,
      syntaxError: error,
      leadingComments,
    }
    statements.push(statement)
    return statement
  }

  const chunks = splitChunks(text, migration.breakpoints)
  const parsedAtOnce = chunks.length > 1 ? parseChunksAtOnce(text, chunks) : null
  chunks.forEach((chunk, chunkIndex) => {
    const end = chunkEnd(chunk)
    const parsed = parsedAtOnce?.[chunkIndex] ?? parseText(chunk.text, chunk.start)
    if (parsed) {
      for (const raw of parsed.statements) {
        const { offset, comments } = skipTrivia(text, raw.start, end)
        // A final statement without `;` ends at the end of its last token.
        const tokensEnd = raw.end ?? offset + (splitStatements(text.slice(offset, end)).statements[0]?.end ?? 0)
        origins.set(push(chunkIndex, offset, text[tokensEnd] === ';' ? tokensEnd + 1 : tokensEnd, comments, raw.stmt), parsed.origin)
      }
      const last = statements[statements.length - 1]
      const lastEnd = last?.chunk === chunkIndex ? last.range.end.offset : chunk.start
      trailingComments.push(...skipTrivia(text, skipSemicolons(text, lastEnd, end), end).comments)
      return
    }
    // The chunk has at least one statement the grammar rejects: parse statement by statement.
    const split = splitStatements(chunk.text)
    for (const span of split.statements) {
      const sql = chunk.text.slice(span.start, span.end)
      const start = chunk.start + span.start
      const leading = shiftComments(span.leadingComments, chunk.start)
      try {
        const stmt = parseSql(sql).stmts?.[0]?.stmt ?? null
        const statement = push(chunkIndex, start, chunk.start + span.end, leading, stmt)
        if (stmt) origins.set(statement, { start, toChar: byteToCharMapper(sql) })
      } catch (error) {
        const cursor = error instanceof PgSyntaxError ? error.cursorPosition : 0
        push(chunkIndex, start, chunk.start + span.end, leading, null, {
          message: (error as Error).message,
          position: lines.positionAt(start + byteToCharMapper(sql)(cursor)),
        })
      }
    }
    trailingComments.push(...shiftComments(split.trailingComments, chunk.start))
  })

  for (const statement of statements) {
    if (statement.kind !== 'DoStmt') continue
    const body = plainDoBody(statement, (inner, origin) => origins.set(inner, origin), lines)
    if (body.length) statement.body = body
  }

  return {
    migration,
    statements,
    trailingComments,
    lines,
    fileOffset(statement, byteLocation) {
      const origin = origins.get(statement)
      return origin ? origin.start + origin.toChar(byteLocation) : statement.range.start.offset
    },
  }
}

function shiftComments(comments: Comment[], by: number): Comment[] {
  return comments.map((c) => ({ ...c, start: c.start + by, end: c.end + by }))
}

function skipSemicolons(text: string, from: number, to: number): number {
  let i = from
  while (i < to && (text.charCodeAt(i) === 0x3b || isWhitespace(text.charCodeAt(i)))) i++
  return i
}

/**
 * The plain SQL statements of a DO block of the form `BEGIN <sql>; … [EXCEPTION WHEN … THEN …] END`, or []
 * when the body is anything else (PL/pgSQL control flow, dynamic EXECUTE): those stay opaque.
 */
function plainDoBody(statement: Statement, register: (inner: Statement, origin: LocationOrigin) => void, lines: LineIndex): Statement[] {
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
    const start = statement.range.start.offset + codeStart + begin[0].length + span.start
    const kind = nodeKind(stmt)
    const innerStatement: Statement = { index: statement.index, chunk: statement.chunk, text: sql, range: lines.rangeOf(start, start + sql.length), kind, node: stmt[kind] as PgNode, leadingComments: statement.leadingComments, inDoBlock: true }
    register(innerStatement, { start, toChar: byteToCharMapper(sql) })
    body.push(innerStatement)
  }
  return body
}
