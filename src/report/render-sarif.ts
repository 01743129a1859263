import type { Log, ReportingDescriptor, Result } from 'sarif'
import type { Finding } from '../lint/finding.js'
import type { Rule, RuleMeta } from '../lint/rule.js'
import type { ReviewReport } from '../review/review-report.js'
import { sarifLevel } from './severity.js'

export interface SarifOptions {
  /** Rules to describe in `tool.driver.rules`; findings of other rules (the replay's) are described from the finding. */
  rules: readonly Rule[]
  toolVersion: string
  /** Base URL of the rule pages (`<base>/<id>.md`). */
  rulesDocsUrl: string
}

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'

/** SARIF `text` fields are plain text; rule metadata is Markdown with inline code. */
function plainText(markdown: string): string {
  return markdown.replace(/`([^`]*)`/g, '$1').replace(/\*\*([^*]*)\*\*/g, '$1')
}

function pascalCase(id: string): string {
  return id.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase())
}

function descriptor(meta: RuleMeta, rulesDocsUrl: string): ReportingDescriptor {
  const help = [meta.safeAlternative, ...(meta.fix ? [`Fix: ${meta.fix}`] : [])].join('\n\n')
  return {
    id: meta.id,
    name: pascalCase(meta.id),
    shortDescription: { text: plainText(meta.summary) },
    fullDescription: { text: plainText(meta.rationale), markdown: meta.rationale },
    help: { text: plainText(help), markdown: help },
    helpUri: `${rulesDocsUrl.replace(/\/+$/, '')}/${meta.id}.md`,
    defaultConfiguration: meta.severity === 'off' ? { enabled: false } : { level: sarifLevel[meta.severity] },
    properties: { tags: [meta.category] },
  }
}

function result(finding: Finding, ruleIndex: number): Result {
  const { start, end } = finding.range
  const artifactLocation = { uri: finding.file, uriBaseId: '%SRCROOT%' }
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: sarifLevel[finding.severity],
    message: { text: finding.help ? `${finding.message} ${plainText(finding.help)}` : finding.message },
    locations: [{ physicalLocation: { artifactLocation, region: { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column } } }],
    ...(finding.fix
      ? {
          fixes: [
            {
              description: { text: finding.fix.description },
              artifactChanges: [
                {
                  artifactLocation,
                  replacements: finding.fix.edits.map((edit) => ({
                    deletedRegion: { charOffset: edit.start, charLength: edit.end - edit.start },
                    insertedContent: { text: edit.text },
                  })),
                },
              ],
            },
          ],
        }
      : {}),
    properties: { source: finding.source, ...(finding.migration ? { migration: finding.migration } : {}) },
  }
}

/**
 * SARIF 2.1.0 log for GitHub code scanning and other SARIF viewers: one run for all reports (code scanning
 * accepts one run per tool and category). Columns count UTF-16 code units.
 */
export function renderSarif(reports: readonly ReviewReport[], options: SarifOptions): string {
  const findings = reports.flatMap((r) => r.findings)
  const descriptors = options.rules.map((r) => descriptor(r.meta, options.rulesDocsUrl))
  // Replay findings come from the replay engine's own catalogue, not from rule modules: describe them from the finding.
  for (const finding of findings) {
    if (descriptors.some((d) => d.id === finding.ruleId)) continue
    descriptors.push({
      id: finding.ruleId,
      name: pascalCase(finding.ruleId),
      shortDescription: { text: `${finding.ruleId}: ${finding.source === 'replay' ? 'measured by replaying the change on PostgreSQL' : 'reported by dba-review'}` },
      ...(finding.help ? { help: { text: plainText(finding.help), markdown: finding.help } } : {}),
      properties: { tags: [finding.source] },
    })
  }
  descriptors.sort((a, b) => a.id.localeCompare(b.id))
  const index = new Map(descriptors.map((d, i) => [d.id, i]))
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'dba-review', version: options.toolVersion, informationUri: options.rulesDocsUrl, rules: descriptors } },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The repository root.' } } },
        columnKind: 'utf16CodeUnits',
        results: findings.map((f) => result(f, index.get(f.ruleId)!)),
      },
    ],
  }
  return `${JSON.stringify(log, null, 2)}\n`
}
