/**
 * The few lexical facts about SQL text that libpg-query's parse tree does not give back: where comments are
 * (ignore directives, `-- dba-review-plan:`), and where statements end when a chunk does not parse and we
 * must still find its neighbours. libpg-query 16 exposes no scanner, so this is written by hand; it knows
 * exactly the token kinds that can hide a `;` or `--`: quoted strings (including E'' escapes), quoted
 * identifiers, dollar-quoted bodies and nested block comments.
 */

export interface Comment {
  /** Offsets in the scanned text; `text` excludes the comment delimiters. */
  start: number
  end: number
  text: string
  kind: 'line' | 'block'
}

export interface StatementSpan {
  /** Offset of the first token (comments and whitespace before it are excluded). */
  start: number
  /** Offset just past the terminating `;`, or the end of the last token when there is none. */
  end: number
  /** Comments between the previous statement and this one. */
  leadingComments: Comment[]
}

const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y

/** Index just past the quoted token starting at `i` (a `'` or `"`), handling doubled quotes and E'' escapes. */
function skipQuoted(text: string, i: number, quote: string, backslashEscapes: boolean): number {
  let j = i + 1
  while (j < text.length) {
    const ch = text[j]
    if (backslashEscapes && ch === '\\') {
      j += 2
      continue
    }
    if (ch === quote) {
      if (text[j + 1] === quote) {
        j += 2
        continue
      }
      return j + 1
    }
    j++
  }
  return text.length
}

function skipBlockComment(text: string, i: number): number {
  let depth = 0
  let j = i
  while (j < text.length) {
    if (text.startsWith('/*', j)) {
      depth++
      j += 2
    } else if (text.startsWith('*/', j)) {
      depth--
      j += 2
      if (depth === 0) return j
    } else j++
  }
  return text.length
}

function isIdentChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\w$\u0080-\uffff]/.test(ch)
}

/**
 * Splits SQL text into statement spans at top-level semicolons. Text containing only comments and
 * whitespace yields no span; its comments are returned as `trailingComments`.
 */
export function splitStatements(text: string): { statements: StatementSpan[]; trailingComments: Comment[] } {
  const statements: StatementSpan[] = []
  let comments: Comment[] = []
  let start = -1
  let lastTokenEnd = -1
  let i = 0
  const closeStatement = (end: number): void => {
    // A lone `;` closes nothing; its comments stay with the next statement.
    if (start < 0) return
    statements.push({ start, end, leadingComments: comments })
    comments = []
    start = -1
  }
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === '-' && text[i + 1] === '-') {
      const eol = text.indexOf('\n', i)
      const end = eol === -1 ? text.length : eol
      if (start < 0) comments.push({ start: i, end, text: text.slice(i + 2, end), kind: 'line' })
      i = end
      continue
    }
    if (ch === '/' && text[i + 1] === '*') {
      const end = skipBlockComment(text, i)
      if (start < 0) comments.push({ start: i, end, text: text.slice(i + 2, Math.max(i + 2, end - 2)), kind: 'block' })
      i = end
      continue
    }
    if (isWhitespace(text.charCodeAt(i))) {
      i++
      continue
    }
    if (start < 0 && ch !== ';') start = i
    if (ch === ';') {
      closeStatement(i + 1)
      i++
      lastTokenEnd = i
      continue
    }
    if (ch === "'") {
      const escapes = (text[i - 1] === 'E' || text[i - 1] === 'e') && !isIdentChar(text[i - 2])
      i = skipQuoted(text, i, "'", escapes)
    } else if (ch === '"') {
      i = skipQuoted(text, i, '"', false)
    } else if (ch === '$' && !isIdentChar(text[i - 1])) {
      DOLLAR_TAG.lastIndex = i
      const tag = DOLLAR_TAG.exec(text)
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length)
        i = close === -1 ? text.length : close + tag[0].length
      } else i++
    } else i++
    lastTokenEnd = i
  }
  if (start >= 0) {
    statements.push({ start, end: lastTokenEnd, leadingComments: comments })
    comments = []
  }
  return { statements, trailingComments: comments }
}

/** Offset of the first token at or after `from` (skipping whitespace and comments), and the comments skipped. The text ends at `to`. */
export function skipTrivia(text: string, from: number, to = text.length): { offset: number; comments: Comment[] } {
  const comments: Comment[] = []
  return { offset: scanTrivia(text, from, to, comments), comments }
}

/** Offset of the first token at or after `from`, like `skipTrivia`, without collecting the comments. */
export function firstTokenAt(text: string, from: number, to = text.length): number {
  return scanTrivia(text, from, to, null)
}

function scanTrivia(text: string, from: number, to: number, comments: Comment[] | null): number {
  let i = from
  // Character codes, not `startsWith` and a regex per character: this runs before every statement of a history.
  while (i < to) {
    const code = text.charCodeAt(i)
    const next = i + 1 < to ? text.charCodeAt(i + 1) : -1
    if (code === 0x2d && next === 0x2d) {
      const eol = text.indexOf('\n', i)
      const end = eol === -1 || eol > to ? to : eol
      comments?.push({ start: i, end, text: text.slice(i + 2, end), kind: 'line' })
      i = end
    } else if (code === 0x2f && next === 0x2a) {
      const end = Math.min(skipBlockComment(text, i), to)
      comments?.push({ start: i, end, text: text.slice(i + 2, Math.max(i + 2, end - 2)), kind: 'block' })
      i = end
    } else if (isWhitespace(code)) i++
    else break
  }
  return i
}

/** `/\s/` on one character code. */
export function isWhitespace(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d)
  return /\s/.test(String.fromCharCode(code))
}

/**
 * Whether `at` is outside every block comment when the text from `from` to `at` holds only whitespace,
 * comments and stray `;` (the space between two statements): `at` is then at top level or inside a `--`
 * comment. False when anything else comes first.
 */
export function isOutsideBlockComment(text: string, from: number, at: number): boolean {
  let i = from
  while (i < at) {
    if (text.startsWith('--', i)) {
      // A `--` cut in two by `at` is no comment on the side before it.
      if (i + 2 > at) return false
      const eol = text.indexOf('\n', i)
      if (eol === -1 || eol >= at) return true
      i = eol
    } else if (text.startsWith('/*', i)) {
      i = skipBlockComment(text, i)
      if (i > at) return false
    } else if (text[i] === ';' || isWhitespace(text.charCodeAt(i))) i++
    else return false
  }
  return true
}

export interface IdentifierToken {
  /** Offsets in the scanned text. */
  start: number
  end: number
  /** The name as PostgreSQL reads it, before truncation: unquoted ones ASCII-down-cased, quoted ones unescaped. */
  name: string
}

/** Every identifier token in `text` (keywords included), skipping strings, comments and dollar-quoted bodies. */
export function identifierTokens(text: string): IdentifierToken[] {
  const tokens: IdentifierToken[] = []
  let i = 0
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === '-' && text[i + 1] === '-') {
      const eol = text.indexOf('\n', i)
      i = eol === -1 ? text.length : eol
    } else if (ch === '/' && text[i + 1] === '*') i = skipBlockComment(text, i)
    else if (ch === "'") i = skipQuoted(text, i, "'", (text[i - 1] === 'E' || text[i - 1] === 'e') && !isIdentChar(text[i - 2]))
    else if (ch === '"') {
      const end = skipQuoted(text, i, '"', false)
      tokens.push({ start: i, end, name: text.slice(i + 1, end - 1).replaceAll('""', '"') })
      i = end
    } else if (ch === '$' && !isIdentChar(text[i - 1])) {
      DOLLAR_TAG.lastIndex = i
      const tag = DOLLAR_TAG.exec(text)
      const close = tag ? text.indexOf(tag[0], i + tag[0].length) : -1
      i = !tag ? i + 1 : close === -1 ? text.length : close + tag[0].length
    } else if (isIdentChar(ch)) {
      let end = i + 1
      while (isIdentChar(text[end])) end++
      // PostgreSQL down-cases only ASCII letters of unquoted identifiers in multibyte encodings.
      if (!/[0-9$]/.test(ch)) tokens.push({ start: i, end, name: text.slice(i, end).replace(/[A-Z]+/g, (s) => s.toLowerCase()) })
      i = end
    } else i++
  }
  return tokens
}
