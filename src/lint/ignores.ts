import type { Comment } from '../sql/lexer.js'

/**
 * Inline escape hatches, scoped per statement and per rule:
 *   -- dba-review-ignore <rule>[, <rule>]: <reason>        the next statement
 *   -- dba-review-ignore-file <rule>[, <rule>]: <reason>   the whole file
 * `-- squawk-ignore` / `-- squawk-ignore-file` are honoured with squawk's rule names so teams can switch
 * without editing old migrations; squawk never asked for a reason, so none is required there.
 */
export interface IgnoreDirective {
  scope: 'statement' | 'file'
  /** Rule names as written. */
  rules: string[]
  reason: string
  /** `squawk` directives name squawk rules and need no reason. */
  dialect: 'dba-review' | 'squawk'
  /** Offsets of the comment in the file. */
  start: number
  end: number
}

const DIRECTIVE = /^\s*(dba-review|squawk)-ignore(-file)?\b(.*)$/s

export function parseIgnoreComment(comment: Comment): IgnoreDirective | undefined {
  const match = DIRECTIVE.exec(comment.text)
  if (!match) return undefined
  const [, dialect, fileScope, rest = ''] = match
  const colon = rest.indexOf(':')
  const list = colon === -1 ? rest : rest.slice(0, colon)
  const reason = colon === -1 ? '' : rest.slice(colon + 1).trim()
  return {
    scope: fileScope ? 'file' : 'statement',
    rules: list
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter(Boolean),
    reason,
    dialect: dialect as IgnoreDirective['dialect'],
    start: comment.start,
    end: comment.end,
  }
}
