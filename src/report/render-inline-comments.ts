import { createHash } from 'node:crypto'
import { severityRank, type Finding, type Fix } from '../lint/finding.js'
import { LineIndex } from '../sql/source.js'
import { ruleLink } from './markdown.js'
import { severityIcon } from './severity.js'

const MARKER_PREFIX = '<!-- dba-review:finding '
const MARKER_PATTERN = /<!-- dba-review:finding ([0-9a-f]{16})( resolved)? -->/

/** A review comment dba-review wants on the pull request's diff (RIGHT side, head version of the file). */
export interface InlineComment {
  /** Stable across pushes: rule, file and the flagged text, not the line number. */
  key: string
  path: string
  line: number
  /** For multi-line comments (suggestions that replace several lines). */
  startLine?: number
  body: string
}

/** An inline comment the app posted earlier, as listed from GitHub. */
export interface ExistingInlineComment {
  id: number
  body: string
}

export interface InlinePlan {
  create: InlineComment[]
  update: Array<{ id: number; body: string }>
}

/**
 * Lines of the head file that a review comment may point at: `+` and context lines of the unified diff,
 * each with its hunk (a multi-line comment must stay within one hunk).
 */
export function buildCommentableLines(patch: string): Map<number, number> {
  const lines = new Map<number, number>()
  let line = 0
  let hunk = -1
  for (const row of patch.split('\n')) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(row)
    if (header) {
      line = Number(header[1])
      hunk++
      continue
    }
    if (hunk < 0 || row.startsWith('\\')) continue
    if (row.startsWith('-')) continue
    lines.set(line, hunk)
    line++
  }
  return lines
}

function findingKey(finding: Finding, text: string | undefined, occurrence: number): string {
  const flagged = text?.slice(finding.range.start.offset, finding.range.end.offset) ?? ''
  return createHash('sha256')
    .update(JSON.stringify([finding.ruleId, finding.messageId, finding.file, flagged.replace(/\s+/g, ' ').trim(), occurrence]))
    .digest('hex')
    .slice(0, 16)
}

/** Longest run of backticks in `text`, so the suggestion fence is longer than any fence inside it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length))
  return '`'.repeat(Math.max(3, longest + 1))
}

/**
 * The whole lines a fix touches, rewritten: GitHub suggestions replace complete lines. Null when the edits
 * are empty or overlap (then no suggestion is offered).
 */
export function buildSuggestion(text: string, fix: Fix): { startLine: number; endLine: number; replacement: string } | null {
  const edits = [...fix.edits].sort((a, b) => a.start - b.start)
  if (edits.length === 0) return null
  for (let i = 1; i < edits.length; i++) if ((edits[i] as Fix['edits'][number]).start < (edits[i - 1] as Fix['edits'][number]).end) return null
  const index = new LineIndex(text)
  const first = edits[0] as Fix['edits'][number]
  const last = edits[edits.length - 1] as Fix['edits'][number]
  const startLine = index.positionAt(first.start).line
  // An edit ending right after a newline ends on the previous line.
  const endOffset = last.end > last.start && text[last.end - 1] === '\n' ? last.end - 1 : last.end
  const endLine = index.positionAt(endOffset).line
  const lineStart = first.start - (index.positionAt(first.start).column - 1)
  const newline = text.indexOf('\n', endOffset)
  const lineEnd = newline === -1 ? text.length : newline
  let replaced = ''
  let cursor = lineStart
  for (const edit of edits) {
    replaced += text.slice(cursor, edit.start) + edit.text
    cursor = edit.end
  }
  replaced += text.slice(cursor, Math.max(cursor, lineEnd))
  return { startLine, endLine, replacement: replaced.replace(/\r?\n$/, '') }
}

function commentBody(key: string, finding: Finding, rulesDocsUrl: string, suggestion: string | null, fixDescription: string | undefined): string {
  const lines = [`${MARKER_PREFIX}${key} -->`, `${severityIcon[finding.severity]} **${ruleLink(finding.ruleId, rulesDocsUrl)}**: ${finding.message}`]
  if (finding.help) lines.push('', finding.help)
  if (suggestion !== null) {
    const fence = fenceFor(suggestion)
    lines.push('', `${fixDescription ?? 'Suggested fix'}:`, `${fence}suggestion`, suggestion, fence)
  }
  return lines.join('\n')
}

/** More than this many inline comments bury the diff; the rest are in the check run's annotations. */
export const MAX_INLINE_COMMENTS = 25

/**
 * Inline comments for the findings that sit on lines of the diff (errors and warnings; notices stay in the
 * check run), errors first, at most `limit`. A finding with a fix whose lines are all in one hunk carries
 * a one-click suggestion.
 */
export function buildInlineComments(
  findings: readonly Finding[],
  files: ReadonlyMap<string, string>,
  patches: ReadonlyMap<string, string>,
  rulesDocsUrl: string,
  limit: number = MAX_INLINE_COMMENTS,
): InlineComment[] {
  const comments: InlineComment[] = []
  const seen = new Map<string, number>()
  // Errors before warnings (a stable sort keeps file order within each); notices stay in the check run.
  const ranked = findings.filter((f) => f.severity !== 'notice').sort((a, b) => severityRank[b.severity] - severityRank[a.severity])
  for (const finding of ranked) {
    if (comments.length >= limit) break
    const patch = patches.get(finding.file)
    if (patch === undefined) continue
    const commentable = buildCommentableLines(patch)
    const text = files.get(finding.file)
    const base = findingKey(finding, text, 0)
    const occurrence = seen.get(base) ?? 0
    seen.set(base, occurrence + 1)
    const key = occurrence === 0 ? base : findingKey(finding, text, occurrence)
    const suggestion = finding.fix && text !== undefined ? buildSuggestion(text, finding.fix) : null
    const hunk = suggestion ? commentable.get(suggestion.endLine) : undefined
    if (suggestion && hunk !== undefined && commentable.get(suggestion.startLine) === hunk) {
      comments.push({
        key,
        path: finding.file,
        line: suggestion.endLine,
        ...(suggestion.startLine < suggestion.endLine ? { startLine: suggestion.startLine } : {}),
        body: commentBody(key, finding, rulesDocsUrl, suggestion.replacement, finding.fix?.description),
      })
      continue
    }
    if (!commentable.has(finding.range.start.line)) continue
    comments.push({ key, path: finding.file, line: finding.range.start.line, body: commentBody(key, finding, rulesDocsUrl, null, undefined) })
  }
  return comments
}

function resolvedBody(key: string, body: string): string {
  const headline = body.split('\n')[1] ?? ''
  return `${MARKER_PREFIX}${key} resolved -->\n✅ Resolved: no longer reported.\n\n<details><summary>Earlier finding</summary>\n\n${headline}\n\n</details>`
}

/**
 * What to write so the pull request shows each current finding once: new comments only for findings not
 * commented on before, edits where the text changed, and earlier comments whose finding is gone marked
 * resolved. Re-running on the same findings writes nothing.
 */
export function planInlineComments(desired: readonly InlineComment[], existing: readonly ExistingInlineComment[]): InlinePlan {
  const byKey = new Map<string, ExistingInlineComment>()
  for (const comment of existing) {
    const match = MARKER_PATTERN.exec(comment.body)
    if (match) byKey.set(match[1] as string, comment)
  }
  const wanted = new Set(desired.map((c) => c.key))
  const plan: InlinePlan = { create: [], update: [] }
  for (const comment of desired) {
    const earlier = byKey.get(comment.key)
    if (!earlier) plan.create.push(comment)
    else if (earlier.body !== comment.body) plan.update.push({ id: earlier.id, body: comment.body })
  }
  for (const [key, comment] of byKey) {
    if (wanted.has(key) || MARKER_PATTERN.exec(comment.body)?.[2]) continue
    plan.update.push({ id: comment.id, body: resolvedBody(key, comment.body) })
  }
  return plan
}
