import type { SourceRange } from '../sql/source.js'

export type Severity = 'error' | 'warning' | 'notice'
export type SeveritySetting = Severity | 'off'

export const severityRank: Record<Severity, number> = { notice: 0, warning: 1, error: 2 }

/** One text replacement in a file; offsets are 0-based UTF-16 indexes into the file text. */
export interface TextEdit {
  start: number
  end: number
  text: string
}

/** A machine-applicable change that resolves a finding; becomes a one-click GitHub suggestion. */
export interface Fix {
  description: string
  edits: TextEdit[]
}

export interface Finding {
  ruleId: string
  messageId: string
  severity: Severity
  /** The problem in one line, rendered from the rule's message template. */
  message: string
  /** The rule's safe alternative, one line. */
  help?: string
  /** Repository-relative path. */
  file: string
  range: SourceRange
  /** Migration id the finding belongs to, when it belongs to one. */
  migration?: string
  fix?: Fix
  /** `lint` for static rules, `replay` for facts measured on PostgreSQL. */
  source: 'lint' | 'replay'
}

/** Code-unit order: the same on every machine, whatever its locale (and no ICU data to load). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.file, b.file) ||
    a.range.start.offset - b.range.start.offset ||
    severityRank[b.severity] - severityRank[a.severity] ||
    compareText(a.ruleId, b.ruleId)
  )
}
