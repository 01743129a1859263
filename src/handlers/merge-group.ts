import type { Context } from 'probot'
import { CHECK_NAME } from '../report/render-check-run.js'
import { enqueue, type AppServices } from './services.js'

/**
 * `merge_group.checks_requested`: a pull request enters the merge queue only after its required checks,
 * this one included, passed on its head; the queue's commit passes so the queue does not stall.
 */
export function handleMergeGroup(services: AppServices, context: Context<'merge_group'>): void {
  const { payload } = context
  if (payload.action !== 'checks_requested' || !payload.repository) return
  const repository = payload.repository
  const sha = payload.merge_group.head_sha
  enqueue(services, context, repository, {
    kind: 'merge-group',
    subject: sha,
    coalesce: sha,
    run: (gw) =>
      gw.createCheckRun(sha, {
        status: 'completed',
        conclusion: 'success',
        title: 'Gated on the pull request',
        summary: `The pull requests in this merge group passed ${CHECK_NAME}, DBA approval included, before they entered the queue.`,
        externalId: `merge-group:${sha}`,
      }),
  })
}
