import type { Config } from '../config/schema.js'
import type { TableStats } from '../lint/engine.js'
import type { ReviewReport } from '../review/review-report.js'

/** Messages between the app's main thread and its review thread (`review-worker.ts`). */

export interface ReviewRequest {
  config: Config
  changedFiles: string[]
  tableStats?: TableStats
  /** Null when the change has no base to compare with. */
  baseLabel: string | null
  headLabel: string
}

export type ToWorker =
  | { type: 'review'; id: number; options: ReviewRequest }
  | { type: 'read-result'; readId: number; value?: unknown; error?: string }
  | { type: 'stop' }

export type FromWorker =
  | { type: 'read'; readId: number; reviewId: number; source: 'base' | 'head'; op: 'list' | 'read'; arg: string }
  | { type: 'done'; id: number; report: ReviewReport }
  | { type: 'failed'; id: number; message: string }
