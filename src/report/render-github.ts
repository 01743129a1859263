import type { ReviewReport } from '../review/review-report.js'
import { workflowCommand } from './severity.js'

// Escaping as GitHub's runner decodes it (actions/toolkit `command.ts`): data escapes %, CR, LF;
// property values also escape `:` and `,`, which separate properties.
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/** GitHub Actions workflow commands: one annotation per finding, shown on the pull request's diff. */
export function renderGithub(reports: readonly ReviewReport[]): string {
  return reports
    .flatMap((r) => r.findings)
    .map((f) => {
      const { start, end } = f.range
      const properties: Array<[string, string | number]> = [
        ['file', f.file],
        ['line', start.line],
        ['endLine', end.line],
      ]
      // GitHub ignores columns on annotations that span lines.
      if (start.line === end.line) properties.push(['col', start.column], ['endColumn', end.column])
      properties.push(['title', `dba-review ${f.ruleId}`])
      const message = f.help ? `${f.message}\n${f.help}` : f.message
      return `::${workflowCommand[f.severity]} ${properties.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',')}::${escapeData(message)}\n`
    })
    .join('')
}
