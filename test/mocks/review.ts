import type { Severity } from '../../src/lint/finding.js'
import type { Finding } from '../../src/lint/finding.js'
import type { ReviewChangeFn } from '../../src/jobs/review-job.js'
import type { ReviewReport } from '../../src/review/review-report.js'

export interface ReviewCall {
  base: string | null
  head: string
  changedFiles: string[]
}

/**
 * The injected review for handler tests: returns the given findings as a report and records what the app
 * asked for (which base and head, which changed files). The end-to-end test uses the real review.
 */
export function recordingReview(findings: Finding[]): { fn: ReviewChangeFn; calls: ReviewCall[] } {
  const calls: ReviewCall[] = []
  const fn: ReviewChangeFn = async (options) => {
    calls.push({ base: options.base?.label ?? null, head: options.head.label, changedFiles: [...options.changedFiles].sort() })
    const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 }
    for (const f of findings) counts[f.severity]++
    const report: ReviewReport = {
      version: 1,
      migrationsDir: 'drizzle',
      layout: 'drizzle',
      transactionMode: 'all-pending',
      reviewed: [{ id: '0001_orders_index', path: 'drizzle/0001_orders_index.sql', status: 'added' }],
      findings,
      counts,
    }
    return report
  }
  return { fn, calls }
}
