import type { ApplicationFunction, Context, Probot } from 'probot'
import { allRules } from '../rules/index.js'
import { GitHubRepoGateway, type AppIdentity } from './github/gateway.js'
import { retryDelayOf } from './github/rate-limit.js'
import { createGitCache } from './github/tree-source.js'
import { handleCheckRun } from './handlers/check-run.js'
import { handleIssueComment } from './handlers/issue-comment.js'
import { handleMergeGroup } from './handlers/merge-group.js'
import { handlePullRequest } from './handlers/pull-request.js'
import { handlePullRequestReview } from './handlers/pull-request-review.js'
import type { AppServices } from './handlers/services.js'
import { AppState } from './jobs/app-state.js'
import { JobQueue } from './jobs/queue.js'
import type { JobDeps, ReviewChangeFn } from './jobs/review-job.js'

/** The webhooks the app subscribes to (`app.yml` lists the same). */
export const HANDLED_EVENTS = ['pull_request', 'issue_comment', 'pull_request_review', 'check_run', 'merge_group'] as const

export interface AppOptions {
  /** The review entry point: `src/review/review-change.ts` in production. */
  reviewChange: ReviewChangeFn
  /** Rule pages; defaults to `docs/rules` in the repository the app's homepage points to. */
  rulesDocsUrl?: string
  /** Jobs running at once across pull requests; each may run a replay. */
  concurrency?: number
  clock?: () => number
}

export interface DbaReviewApp {
  appFn: ApplicationFunction
  queue: JobQueue
  state: AppState
}

/**
 * The Probot app: one thin handler per webhook, all enqueueing jobs on one in-process queue. The app's
 * identity (id, bot login, homepage) is read once from `GET /app`.
 */
export function createDbaReviewApp(options: AppOptions): DbaReviewApp {
  const state = new AppState(options.clock)
  const queue = new JobQueue({ concurrency: options.concurrency ?? 2, maxAttempts: 5, retryDelay: retryDelayOf })
  const gitCache = createGitCache()

  const appFn: ApplicationFunction = (app: Probot) => {
    let identity: Promise<AppIdentity & { rulesDocsUrl: string }> | null = null
    const findIdentity = () => {
      identity ??= app
        .auth()
        .then((octokit) => octokit.rest.apps.getAuthenticated())
        .then(({ data }) => {
          if (!data) throw new Error('GET /app returned no app')
          const home = (data.external_url || data.html_url).replace(/\/+$/, '')
          return { appId: data.id, login: `${data.slug}[bot]`, rulesDocsUrl: options.rulesDocsUrl ?? `${home}/blob/HEAD/docs/rules` }
        })
        .catch((error: unknown) => {
          identity = null
          throw error
        })
      return identity
    }
    const services: AppServices = {
      queue,
      state,
      appId: async () => (await findIdentity()).appId,
      gateway: async (context: Context, owner: string, repo: string) => new GitHubRepoGateway(context.octokit, owner, repo, await findIdentity(), allRules, gitCache),
      deps: async (): Promise<JobDeps> => {
        const { login, rulesDocsUrl } = await findIdentity()
        return { state, reviewChange: options.reviewChange, appLogin: login, rulesDocsUrl, isRetryable: (error) => retryDelayOf(error) !== null }
      },
    }
    // One handler per event in HANDLED_EVENTS.
    app.on('pull_request', async (context) => handlePullRequest(services, context))
    app.on('issue_comment', async (context) => handleIssueComment(services, context))
    app.on('pull_request_review', async (context) => handlePullRequestReview(services, context))
    app.on('check_run', async (context) => handleCheckRun(services, context))
    app.on('merge_group', async (context) => handleMergeGroup(services, context))
  }
  return { appFn, queue, state }
}
