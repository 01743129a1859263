import type { CheckConclusion, CheckVerdict } from '../gate/check-verdict.js'
import type { GateVerdict } from '../gate/evaluate-gate.js'
import type { Finding } from '../lint/finding.js'
import type { ReviewReport } from '../review/review-report.js'
import { approvalSection, code, countsLine, findingsTable, truncate } from './markdown.js'
import { renderLockTable, renderReplayFailure, renderReplayTotals, replayFailed } from './render-replay.js'
import { annotationLevel } from './severity.js'

/** GitHub's limits for check runs (Checks API). */
export const CHECK_LIMITS = { summary: 65_535, annotationsPerRequest: 50, annotationTitle: 255, annotationMessage: 65_536 } as const

export const CHECK_NAME = 'dba-review'

/** Button identifiers, sent back in `check_run.requested_action`. */
export const ACTIONS = { rerun: 'rerun', approve: 'dba-approve' } as const

/** Everything the renderers need about one published review. */
export interface ReviewOutcome {
  /** Null when only CODEOWNERS or config files changed: there is nothing to lint or replay. */
  report: ReviewReport | null
  gate: GateVerdict
  verdict: CheckVerdict
  headSha: string
  fingerprint: string
  approveCommand: string
  /** Base URL of the rule pages (`<url>/<rule-id>.md`). */
  rulesDocsUrl: string
}

export interface CheckAnnotation {
  path: string
  start_line: number
  end_line: number
  start_column?: number
  end_column?: number
  annotation_level: 'notice' | 'warning' | 'failure'
  title: string
  message: string
}

export interface CheckAction {
  label: string
  description: string
  identifier: string
}

export interface CheckRunRender {
  conclusion: CheckConclusion
  title: string
  summary: string
  annotations: CheckAnnotation[]
  actions: CheckAction[]
}

const icon: Record<CheckConclusion, string> = { success: '✅', failure: '❌', action_required: '⏳' }

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

export function buildAnnotation(finding: Finding): CheckAnnotation {
  const { start, end } = finding.range
  const sameLine = start.line === end.line
  return {
    path: finding.file,
    start_line: start.line,
    end_line: Math.max(start.line, end.line),
    // GitHub accepts columns only on single-line annotations.
    ...(sameLine ? { start_column: start.column, end_column: Math.max(start.column, end.column) } : {}),
    annotation_level: annotationLevel[finding.severity],
    title: clip(`${finding.ruleId} (${finding.source})`, CHECK_LIMITS.annotationTitle),
    message: clip(finding.help ? `${finding.message}\n\n${finding.help}` : finding.message, CHECK_LIMITS.annotationMessage),
  }
}

/** Splits annotations into GitHub's 50-per-request batches: the first goes with the create, the rest with updates. */
export function batchAnnotations<T>(annotations: readonly T[], size: number = CHECK_LIMITS.annotationsPerRequest): T[][] {
  const batches: T[][] = []
  for (let i = 0; i < annotations.length; i += size) batches.push(annotations.slice(i, i + size))
  return batches
}

const rerunAction: CheckAction = { label: 'Re-run review', description: 'Lint and replay this commit again', identifier: ACTIONS.rerun }
const approveAction: CheckAction = { label: 'Approve as DBA', description: 'Approve this content (DBA owners only)', identifier: ACTIONS.approve }

function actionsFor(conclusion: CheckConclusion): CheckAction[] {
  return conclusion === 'action_required' ? [approveAction, rerunAction] : [rerunAction]
}

function reviewedLine(report: ReviewReport): string {
  if (report.reviewed.length === 0) return `No migration under ${code(report.migrationsDir + '/')} changed.`
  const list = report.reviewed.map((m) => `${code(m.id)} (${m.status})`).join(', ')
  return `Reviewed ${list} in ${code(report.migrationsDir + '/')} (${report.layout} layout, transaction mode ${code(report.transactionMode)}).`
}

/** The check run for a reviewed change: title, Markdown summary, annotations and buttons. */
export function renderCheckRun(outcome: ReviewOutcome): CheckRunRender {
  const { report, gate, verdict } = outcome
  const head = [`## ${icon[verdict.conclusion]} ${verdict.title}`]
  if (report) head.push(`**Findings:** ${countsLine(report.counts)}`, reviewedLine(report))
  if (report?.replay) {
    const replay = report.replay
    head.push(renderReplayTotals(replay))
    if (replayFailed(replay) && replay.status !== 'error') head.push(`Stopped at ${renderReplayFailure(replay)}`)
    if (replay.status !== 'error') head.push(`### Locks\n${renderLockTable(replay)}`)
  }
  if (!report) head.push('Only files that control the gate changed (CODEOWNERS or the dba-review config): nothing to lint or replay.')
  const tail = [
    `### Approval\n${approvalSection(gate)}`,
    `### Next step\n${verdict.nextStep}`,
    `<sub>Commit ${code(outcome.headSha.slice(0, 7))} · content fingerprint ${code(outcome.fingerprint.slice(0, 12))}</sub>`,
  ].join('\n\n')
  const findings = report?.findings ?? []
  const fixed = head.join('\n\n').length + tail.length
  const table = findingsTable(findings, outcome.rulesDocsUrl, CHECK_LIMITS.summary - fixed - 40, 'see the annotations')
  const summary = [...head, ...(table === '' ? [] : [`### Findings\n${table}`]), tail].join('\n\n')
  return {
    conclusion: verdict.conclusion,
    title: verdict.title,
    summary: truncate(summary, CHECK_LIMITS.summary, '…(cut to fit GitHub\'s limit; see the annotations)'),
    annotations: findings.map(buildAnnotation),
    actions: actionsFor(verdict.conclusion),
  }
}

/** PRs that touch no schema, migration, CODEOWNERS or config path: success, so the check can be required. */
export function renderNoChangesCheck(): CheckRunRender {
  return {
    conclusion: 'success',
    title: 'No schema or migration changes',
    summary: 'This pull request changes no schema, migration, CODEOWNERS or dba-review config file, so there is nothing to review or approve.',
    annotations: [],
    actions: [],
  }
}

/** The review could not run as configured: fail closed and say why, naming the file and key. */
export function renderSetupFailureCheck(title: string, problems: readonly string[], nextStep: string): CheckRunRender {
  const summary = [`## ❌ ${title}`, problems.map((p) => `- ${p}`).join('\n'), `### Next step\n${nextStep}`].join('\n\n')
  return {
    conclusion: 'failure',
    title,
    summary: truncate(summary, CHECK_LIMITS.summary, '…(cut to fit GitHub\'s limit)'),
    annotations: [],
    actions: [rerunAction],
  }
}
