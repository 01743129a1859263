import { RetryLater } from '../jobs/queue.js'

interface ResponseError {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | number | undefined> }
}

/** Waiting longer than this for a primary reset is pointless for a webhook job; the next event redoes it. */
const MAX_PRIMARY_WAIT_MS = 15 * 60_000

/**
 * How long to wait before re-running a job that failed with `error`, or null when retrying would not help.
 * Secondary rate limits are re-queued after GitHub's `retry-after` (60 s when absent): the throttling
 * plugin is told not to retry them in-process, so the job slot is not held while waiting.
 */
export function retryDelayOf(error: unknown): number | null {
  if (error instanceof RetryLater) return error.delayMs
  if (typeof error !== 'object' || error === null) return null
  const { status, message = '', response } = error as ResponseError
  if (status !== 403 && status !== 429) return null
  const headers = response?.headers ?? {}
  if (/\bsecondary rate\b/i.test(message) || headers['retry-after'] !== undefined) {
    return (Number(headers['retry-after']) || 60) * 1000
  }
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const wait = Number(headers['x-ratelimit-reset']) * 1000 - Date.now() + 1000
    return wait > 0 && wait <= MAX_PRIMARY_WAIT_MS ? wait : null
  }
  return null
}
