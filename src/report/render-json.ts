import type { ReviewReport } from '../review/review-report.js'

/**
 * The review report as JSON (consumers check its `version`); several reviewed folders give an array of
 * reports, in the order the folders were given.
 */
export function renderJson(reports: readonly ReviewReport[]): string {
  return `${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`
}
