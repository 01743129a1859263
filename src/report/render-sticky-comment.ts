import { commandWords } from '../gate/commands.js'
import { approvalSection, code, countsLine, findingsTable, plural, truncate } from './markdown.js'
import type { ReviewOutcome } from './render-check-run.js'
import { renderDrift, renderEstimates, renderLockGantt, renderMigrationTable, renderReplayFailure, renderReplayTotals, renderTraffic, replayFailed } from './render-replay.js'
import type { ReplayReport } from '../replay/report.js'

/** Finds the one sticky comment (together with the app's login: other bots could copy the marker). */
export const STICKY_MARKER = '<!-- dba-review:sticky -->'

/** GitHub rejects comment bodies longer than this. */
export const COMMENT_LIMIT = 65_536

const icon = { success: '✅', failure: '❌', action_required: '⏳' } as const

function staleNotice(outcome: ReviewOutcome): string {
  const stale = outcome.gate.rejected.filter((r) => r.stale)
  if (stale.length === 0) return ''
  const who = [...new Set(stale.map((r) => `@${r.login}`))].join(', ')
  return `⚠️ The migrations, schema or config changed since ${who} approved, so that approval no longer counts.`
}

function folded(summary: string, body: string): string {
  return body === '' ? '' : `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`
}

/** The replay: totals and where it stopped visible, per-migration locks and the lock gantt, the rest folded. */
function replaySections(replay: ReplayReport): string[] {
  const visible = [renderReplayTotals(replay)]
  if (replay.status === 'error') return visible
  if (replayFailed(replay)) visible.push(`Stopped at ${renderReplayFailure(replay)}`)
  return [
    ...visible,
    renderMigrationTable(replay),
    renderLockGantt(replay),
    folded('Traffic impact', renderTraffic(replay)),
    folded('Estimates at production size', renderEstimates(replay)),
    folded('Schema drift', renderDrift(replay)),
  ].filter((part) => part !== '')
}

function footer(outcome: ReviewOutcome, checkRunUrl: string): string {
  return `<sub>Commit ${code(outcome.headSha.slice(0, 7))} · content fingerprint ${code(outcome.fingerprint.slice(0, 12))} · [check run](${checkRunUrl})</sub>`
}

/**
 * The sticky comment, edited in place on every run: the verdict in one line, the findings table, approval
 * status and the next step, details folded. A change without findings gets a short comment. Always under
 * GitHub's limit: the table is cut first, then the text, each time with a pointer to the check run.
 */
export function renderStickyComment(outcome: ReviewOutcome, checkRunUrl: string): string {
  const { report, verdict, gate } = outcome
  const findings = report?.findings ?? []
  const verdictLine = `### ${icon[verdict.conclusion]} dba-review: ${verdict.title}`
  const stale = staleNotice(outcome)
  if (findings.length === 0) {
    const reviewed = report ? `No findings in ${plural(report.reviewed.length, 'migration')}.` : 'Only CODEOWNERS or the dba-review config changed.'
    const replay = report?.replay ? renderReplayTotals(report.replay) : ''
    return [STICKY_MARKER, verdictLine, [reviewed, gate.summary].join(' '), replay, stale, `**Next step:** ${verdict.nextStep}`, footer(outcome, checkRunUrl)]
      .filter((part) => part !== '')
      .join('\n\n')
  }

  const words = commandWords(outcome.approveCommand)
  const details = [
    '<details><summary>Details</summary>',
    '',
    report && report.reviewed.length > 0 ? `**Reviewed:** ${report.reviewed.map((m) => `${code(m.path)} (${m.status})`).join(', ')}` : '',
    `**Approval**\n\n${approvalSection(gate)}`,
    `**Commands:** ${code(`${words.approve} [note]`)} approve (DBA owners) · ${code(words.revoke)} withdraw approval · ${code(words.recheck)} review again · ${code(words.help)} help`,
    '',
    '</details>',
  ]
    .filter((part) => part !== '')
    .join('\n\n')
  const head = [STICKY_MARKER, verdictLine, report ? `**Findings:** ${countsLine(report.counts)}` : '', stale].filter((p) => p !== '').join('\n\n')
  const replay = report?.replay ? replaySections(report.replay) : []
  const tail = [...replay, `**Approval:** ${gate.summary}`, `**Next step:** ${verdict.nextStep}`, details, footer(outcome, checkRunUrl)].join('\n\n')
  const pointer = `see the [check run](${checkRunUrl})`
  const table = findingsTable(findings, outcome.rulesDocsUrl, COMMENT_LIMIT - head.length - tail.length - 40, pointer)
  return truncate([head, table, tail].join('\n\n'), COMMENT_LIMIT, `…(cut to fit GitHub's comment limit; ${pointer})`)
}

/** For a pull request that no longer touches gated files: the earlier comment must not keep stale findings. */
export function renderNoChangesComment(): string {
  return `${STICKY_MARKER}\n\n### ✅ dba-review: no schema or migration changes\n\nThis pull request no longer changes schema, migration, CODEOWNERS or dba-review config files.`
}
