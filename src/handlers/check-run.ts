import type { Context } from 'probot'
import { runApproveButtonJob } from '../jobs/command-job.js'
import type { RepoGateway } from '../jobs/gateway.js'
import { runReviewJob } from '../jobs/review-job.js'
import { ACTIONS, CHECK_NAME } from '../report/render-check-run.js'
import type { JobLogger } from '../jobs/queue.js'
import type { JobDeps } from '../jobs/review-job.js'
import { enqueue, type AppServices } from './services.js'

/**
 * The pull requests a check run belongs to. Fork pushes carry none in the payload, so the app's own
 * record of head SHAs is asked next, then GitHub.
 */
async function pullsOf(services: AppServices, gw: RepoGateway, sha: string, listed: number[]): Promise<number[]> {
  if (listed.length > 0) return listed
  const known = services.state.pullsFor(`${gw.owner}/${gw.repo}@${sha}`)
  return known.length > 0 ? [...known] : gw.pullsForCommit(sha)
}

/**
 * `check_run` rerequested (the Re-run button) and requested_action (the run's own buttons). GitHub sends
 * both only to the app that created the run; the app id is still checked (in the job, off the webhook path). "Approve as DBA" goes through
 * the same authorization as `/dba-approve`, for the person who clicked.
 */
export function handleCheckRun(services: AppServices, context: Context<'check_run'>): void {
  const { payload } = context
  const run = payload.check_run
  if (run.name !== CHECK_NAME) return
  if (payload.action !== 'rerequested' && payload.action !== 'requested_action') return
  const listed = run.pull_requests.filter((p) => p.base.repo.url === payload.repository.url).map((p) => p.number)
  const known = listed.length > 0 ? listed : services.state.pullsFor(`${payload.repository.full_name}@${run.head_sha}`)
  const identifier = payload.action === 'requested_action' ? payload.requested_action?.identifier : ACTIONS.rerun
  const sender = { login: payload.sender.login, type: payload.sender.type }
  let kind: string
  let work: (gw: RepoGateway, deps: JobDeps, log: JobLogger, pull: number) => Promise<unknown>
  if (identifier === ACTIONS.approve) {
    kind = 'button'
    work = (gw, deps, log, pull) => runApproveButtonJob(gw, { pull, sender, checkRun: { id: run.id, fingerprint: run.external_id ?? '' } }, deps, log)
  } else if (identifier === ACTIONS.rerun) {
    kind = 'rerun'
    work = (gw, deps, log, pull) => runReviewJob(gw, { pull, force: true }, deps, log)
  } else return
  // With one known pull request the job runs in that pull request's lane, after its other jobs.
  enqueue(services, context, payload.repository, {
    kind,
    subject: known.length === 1 ? (known[0] as number) : run.head_sha,
    coalesce: kind === 'rerun' ? run.head_sha : null,
    run: async (gw, deps, log) => {
      if (run.app?.id !== (await services.appId())) return
      for (const pull of await pullsOf(services, gw, run.head_sha, [...known])) await work(gw, deps, log.child({ pr: pull }), pull)
    },
  })
}
