import { allRules } from '../../rules/index.js'
import type { CliIo } from './cli-io.js'

/** `dba-review rules`: every rule with its default severity, category and summary. */
export function runRules(format: 'text' | 'json', io: CliIo): number {
  const rows = [...allRules].sort((a, b) => a.meta.category.localeCompare(b.meta.category) || a.meta.id.localeCompare(b.meta.id))
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify(rows.map(({ meta }) => ({ id: meta.id, severity: meta.severity, category: meta.category, summary: meta.summary })), null, 2)}\n`)
    return 0
  }
  const width = Math.max(...rows.map((r) => r.meta.id.length))
  for (const { meta } of rows) io.stdout.write(`${meta.id.padEnd(width)}  ${meta.severity.padEnd(7)}  ${meta.category.padEnd(9)}  ${meta.summary}\n`)
  return 0
}
