import type { Finding, Severity } from '../lint/finding.js'
import type { GateVerdict } from '../gate/evaluate-gate.js'
import { severityIcon } from './severity.js'

/** Escapes text for a Markdown table cell: pipes split cells and newlines end rows. */
export function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return longest > 0 ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

export function countsLine(counts: Record<Severity, number>): string {
  return `${plural(counts.error, 'error')} · ${plural(counts.warning, 'warning')} · ${plural(counts.notice, 'notice')}`
}

export function ruleLink(ruleId: string, rulesDocsUrl: string): string {
  return `[${ruleId}](${rulesDocsUrl.replace(/\/+$/, '')}/${ruleId}.md)`
}

export function location(finding: Finding): string {
  return `${finding.file}:${finding.range.start.line}`
}

export interface Section {
  markdown: string
  /** Sections that may be dropped when the text is too long go last and say what they are. */
  optional?: string
}

/**
 * The findings table, one row per finding, cut when the text would pass `budget` characters; the last row
 * then says how many were left out and where to see them.
 */
export function findingsTable(findings: readonly Finding[], rulesDocsUrl: string, budget: number, elsewhere: string): string {
  if (findings.length === 0) return ''
  const rows = ['| | Rule | Where | Finding |', '|---|---|---|---|']
  let length = rows.join('\n').length
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i] as Finding
    const message = f.help ? `${f.message} — ${f.help}` : f.message
    const row = `| ${severityIcon[f.severity]} | ${ruleLink(f.ruleId, rulesDocsUrl)} | ${code(location(f))} | ${cell(message)} |`
    const rest = findings.length - i
    // Keep room for the "more" row so the cut itself fits.
    if (length + row.length + 120 + elsewhere.length > budget && rest > 1) {
      rows.push(`| | | | …and ${plural(rest, 'more finding')}: ${elsewhere} |`)
      break
    }
    rows.push(row)
    length += row.length + 1
  }
  return rows.join('\n')
}

function when(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC')
}

/** Who approved, who may approve, and which attempts did not count and why. */
export function approvalSection(gate: GateVerdict): string {
  const lines: string[] = [gate.summary]
  for (const problem of gate.problems) lines.push(`- ${problem}`)
  if (gate.approvers.length > 1 || (gate.approvers[0] && gate.state !== 'approved')) {
    for (const group of gate.approvers) lines.push(`- ${group.paths.map(code).join(', ')}: ${group.who.join(', ')}`)
  }
  for (const a of gate.approvedBy) lines.push(`- ✅ @${a.login} (${a.via}, ${when(a.at)})${a.note ? `: ${cell(a.note)}` : ''}`)
  for (const r of gate.rejected) lines.push(`- ✖️ not counted: @${r.login} (${r.via}, ${when(r.at)}): ${r.reason}`)
  return lines.join('\n')
}

/** Cuts text at `limit` characters on a line boundary and appends `pointer`. */
export function truncate(text: string, limit: number, pointer: string): string {
  if (text.length <= limit) return text
  const room = limit - pointer.length - 2
  const cut = text.lastIndexOf('\n', room)
  return `${text.slice(0, cut > 0 ? cut : room)}\n\n${pointer}`
}
