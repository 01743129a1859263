import type { Context } from 'probot'
import type { AppState } from '../jobs/app-state.js'
import type { RepoGateway } from '../jobs/gateway.js'
import type { JobLogger, JobQueue } from '../jobs/queue.js'
import type { JobDeps } from '../jobs/review-job.js'

/** What handlers need from the app: the queue, and per job the gateway and the job dependencies. */
export interface AppServices {
  queue: JobQueue
  state: AppState
  /** The app's numeric id: check-run events for other apps' runs are ignored. */
  appId(): Promise<number>
  gateway(context: Context, owner: string, repo: string): Promise<RepoGateway>
  deps(): Promise<JobDeps>
}

export interface JobRequest {
  /** For logs and coalescing: `review`, `command`, `button`, `merge-group`… */
  kind: string
  /** Serialises jobs: a pull request number, or a commit for events not yet tied to one. */
  subject: number | string
  /** Pending jobs with the same value do the same work; null when each must run. */
  coalesce: string | null
  run(gw: RepoGateway, deps: JobDeps, log: JobLogger): Promise<unknown>
}

/**
 * The one way handlers hand work on: enqueue and return, so the webhook is answered at once. Every log
 * line of the job carries the delivery id, repository, subject and job kind.
 */
export function enqueue(services: AppServices, context: Context, repository: { owner: { login: string }; name: string }, request: JobRequest): void {
  const owner = repository.owner.login
  const repo = repository.name
  const full = `${owner}/${repo}`
  const subject = typeof request.subject === 'number' ? `#${request.subject}` : `@${request.subject}`
  const log = context.log.child({ deliveryId: context.id, repo: full, ...(typeof request.subject === 'number' ? { pr: request.subject } : { sha: request.subject }), job: request.kind })
  const result = services.queue.enqueue({
    key: `${full}${subject}`,
    coalesceKey: request.coalesce === null ? null : `${full}${subject}:${request.kind}:${request.coalesce}`,
    deliveryId: context.id,
    log,
    run: async (jobLog) => {
      const [gw, deps] = await Promise.all([services.gateway(context, owner, repo), services.deps()])
      await request.run(gw, deps, jobLog)
    },
  })
  log.info({ event: `${context.name}`, result }, 'delivery acknowledged')
}
