import type { Finding, Severity } from '../lint/finding.js'
import type { ReviewReport } from '../review/review-report.js'
import { renderReplayText } from './render-replay-text.js'

export interface TextOptions {
  /** ANSI colours; the caller decides (TTY, NO_COLOR, FORCE_COLOR). */
  color: boolean
}

const SGR = { bold: [1, 22], dim: [2, 22], red: [31, 39], yellow: [33, 39], cyan: [36, 39], green: [32, 39] } as const
type Style = keyof typeof SGR

const severityStyle: Record<Severity, Style> = { error: 'red', warning: 'yellow', notice: 'cyan' }

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

/** ANSI styling, or none. */
export function painter(color: boolean): (style: Style, text: string) => string {
  return (style, text) => (color ? `\u001b[${SGR[style][0]}m${text}\u001b[${SGR[style][1]}m` : text)
}

/**
 * Human-readable report: findings grouped by file as `file:line:col severity rule message`, a rule's help
 * under its first finding in the file (a file with 300 findings of one rule reads better without 299 repeats).
 */
export function renderText(reports: readonly ReviewReport[], options: TextOptions): string {
  const paint = painter(options.color)
  const lines: string[] = []
  const byFile = new Map<string, Finding[]>()
  for (const report of reports) {
    for (const finding of report.findings) {
      const list = byFile.get(finding.file)
      if (list) list.push(finding)
      else byFile.set(finding.file, [finding])
    }
  }

  // Thousands of findings: the styled labels are painted once, and only multi-line messages are indented.
  const severityLabel = Object.fromEntries(Object.entries(severityStyle).map(([severity, style]) => [severity, paint(style, severity)])) as Record<Severity, string>
  const helpLabel = `  ${paint('dim', 'help:')} `
  const fixLabel = `  ${paint('dim', 'fix:')} `
  for (const [file, findings] of byFile) {
    lines.push(paint('bold', file))
    const helped = new Set<string>()
    for (const f of findings) {
      const message = f.message.includes('\n') ? f.message.replace(/\n/g, '\n  ') : f.message
      lines.push(`${file}:${f.range.start.line}:${f.range.start.column} ${severityLabel[f.severity]} ${paint('dim', f.ruleId)} ${message}`)
      if (f.help && !helped.has(f.ruleId)) {
        helped.add(f.ruleId)
        lines.push(helpLabel + f.help)
      }
      if (f.fix) lines.push(fixLabel + f.fix.description)
    }
    lines.push('')
  }

  const verdict = (counts: Record<Severity, number>): string => {
    const { error, warning, notice } = counts
    if (error + warning + notice === 0) return paint('green', 'no findings')
    return [paint(error ? 'red' : 'dim', plural(error, 'error')), plural(warning, 'warning'), plural(notice, 'notice')].join(', ')
  }
  for (const report of reports) {
    const scope = `${plural(report.reviewed.length, 'migration')} reviewed in ${report.migrationsDir || '.'} (${report.layout}, transaction: ${report.transactionMode})`
    lines.push(`${scope}: ${verdict(report.counts)}`)
    if (report.replay) lines.push(...renderReplayText(report.replay, paint))
  }
  if (reports.length > 1) {
    const total: Record<Severity, number> = { error: 0, warning: 0, notice: 0 }
    for (const report of reports) for (const s of ['error', 'warning', 'notice'] as const) total[s] += report.counts[s]
    lines.push(`Total: ${verdict(total)}`)
  }
  // The final newline joined in, not appended: appending makes a rope that writing copies whole (megabytes).
  lines.push('')
  return lines.join('\n')
}
