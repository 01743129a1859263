import type { Context } from 'probot'
import { runReviewJob } from '../jobs/review-job.js'
import { enqueue, type AppServices } from './services.js'

/** Actions that can change what the pull request contains or where it merges. */
export const PULL_REQUEST_TRIGGERS = ['opened', 'synchronize', 'reopened', 'ready_for_review', 'edited'] as const

/** `pull_request`: review the head (a new base counts too); forget what was kept when the pull request closes. */
export function handlePullRequest(services: AppServices, context: Context<'pull_request'>): void {
  const { payload } = context
  const key = `${payload.repository.owner.login}/${payload.repository.name}#${payload.pull_request.number}`
  if (payload.action === 'closed') {
    services.state.forget(key)
    return
  }
  // `edited` also fires for title and body changes, which change nothing to review.
  if (payload.action === 'edited' && !('base' in (payload.changes ?? {}))) return
  if (!(PULL_REQUEST_TRIGGERS as readonly string[]).includes(payload.action)) return
  enqueue(services, context, payload.repository, {
    kind: 'review',
    subject: payload.pull_request.number,
    coalesce: payload.pull_request.head.sha,
    run: (gw, deps, log) => runReviewJob(gw, { pull: payload.pull_request.number, force: false }, deps, log),
  })
}
