import type { Severity } from '../lint/finding.js'

/**
 * The one place where a finding's severity maps to the levels of the formats that show it.
 * Check-run annotations know `failure | warning | notice`; SARIF knows `error | warning | note`.
 */
export const annotationLevel: Record<Severity, 'failure' | 'warning' | 'notice'> = {
  error: 'failure',
  warning: 'warning',
  notice: 'notice',
}

export const sarifLevel: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  notice: 'note',
}

/** Shown in tables and comments. */
export const severityIcon: Record<Severity, string> = {
  error: '🛑',
  warning: '⚠️',
  notice: 'ℹ️',
}

/** GitHub Actions workflow commands (`::error file=…::message`) know `error | warning | notice`. */
export const workflowCommand: Record<Severity, 'error' | 'warning' | 'notice'> = {
  error: 'error',
  warning: 'warning',
  notice: 'notice',
}
