import type { ReviewReport } from '../review/review-report.js'
import { replayFailed } from '../report/render-replay.js'
import type { GateVerdict } from './evaluate-gate.js'

/** The only conclusions dba-review posts for a gated change: `neutral` and `skipped` would pass a required check. */
export type CheckConclusion = 'success' | 'failure' | 'action_required'

export interface CheckVerdict {
  conclusion: CheckConclusion
  /** Check-run title and the comment's one-line verdict. */
  title: string
  /** What the reader should do now, one sentence. */
  nextStep: string
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

/**
 * Failure when the change would not deploy (the replay failed), is unsafe as written (an error-level
 * finding) or the gate cannot be satisfied;
 * action_required when only the DBA approval is missing; success once a valid approval exists.
 */
export function buildCheckVerdict(report: ReviewReport | null, gate: GateVerdict, approveCommand: string): CheckVerdict {
  const errors = report?.counts.error ?? 0
  const warnings = report?.counts.warning ?? 0
  if (gate.state === 'blocked') {
    return { conclusion: 'failure', title: 'DBA gate misconfigured', nextStep: 'Fix the problems listed under "Approval", on the base branch.' }
  }
  if (report?.replay && replayFailed(report.replay)) {
    return {
      conclusion: 'failure',
      title: report.replay.status === 'error' ? 'Replay could not run' : `Replay ${report.replay.status}: the change would not deploy`,
      nextStep: report.replay.status === 'error' ? 'Re-run the review; if it keeps failing, the replay backend needs attention.' : 'Fix the failing statement (see the replay section), then push.',
    }
  }
  if (errors > 0) {
    return {
      conclusion: 'failure',
      title: `${plural(errors, 'error')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}`,
      nextStep: 'Fix the errors (see the annotations and suggestions), then push; approval cannot override them.',
    }
  }
  const findings = warnings > 0 ? ` · ${plural(warnings, 'warning')}` : ''
  if (gate.state === 'approved') {
    return { conclusion: 'success', title: `${gate.summary.replace(/\.$/, '')}${findings}`, nextStep: 'Nothing: the change may be merged.' }
  }
  return {
    conclusion: 'action_required',
    title: `Waiting for DBA approval${findings}`,
    nextStep: `A DBA (${[...new Set(gate.approvers.flatMap((a) => a.who))].join(', ')}) reviews the change and comments \`${approveCommand}\`.`,
  }
}
