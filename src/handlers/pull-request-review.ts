import type { Context } from 'probot'
import { runReviewJob } from '../jobs/review-job.js'
import { enqueue, type AppServices } from './services.js'

/** `pull_request_review` submitted or dismissed: an approving review may satisfy the gate, a dismissal may undo it. */
export function handlePullRequestReview(services: AppServices, context: Context<'pull_request_review'>): void {
  const { payload } = context
  if (payload.action !== 'submitted' && payload.action !== 'dismissed') return
  if (payload.review.user?.type === 'Bot') return
  enqueue(services, context, payload.repository, {
    kind: 'review',
    subject: payload.pull_request.number,
    coalesce: `gate:${payload.review.id}:${payload.action}`,
    run: (gw, deps, log) => runReviewJob(gw, { pull: payload.pull_request.number, force: false }, deps, log),
  })
}
