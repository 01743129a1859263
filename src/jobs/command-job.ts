import { defaultConfig } from '../config/schema.js'
import { commandWords, parseCommand } from '../gate/commands.js'
import type { Actor } from '../gate/pull-context.js'
import { renderHelpReply, renderRejectionReply } from '../report/render-replies.js'
import type { RepoGateway } from './gateway.js'
import { RetryLater, type JobLogger } from './queue.js'
import { openPull, runReviewJob, type JobDeps, type ReviewResult } from './review-job.js'

export interface CommentCommandJob {
  pull: number
  action: 'created' | 'edited'
  comment: { id: number; body: string; author: Actor }
  /** Who triggered the event (for `edited`: who edited the comment). */
  sender: Actor
}

export interface ApproveButtonJob {
  pull: number
  sender: Actor
  checkRun: { id: number; fingerprint: string }
}

type Judgement = { accepted: true } | { accepted: false; reason: string } | null

/** Approve and revoke are judged by the gate itself, so the answer says exactly what the gate decided. */
function judgementOf(result: ReviewResult, via: 'comment' | 'button', ref: number, login: string): Judgement {
  if (result.gate.approvedBy.some((a) => a.via === via && a.ref === ref && a.login === login)) return { accepted: true }
  const rejected = result.gate.rejected.find((r) => r.via === via && r.ref === ref && r.login === login)
  return rejected ? { accepted: false, reason: rejected.reason } : null
}

const NOTHING_TO_APPROVE = 'there is nothing to approve: the pull request is closed, its config is invalid, or it changes no gated file'

/**
 * `/dba-approve`, `/dba-revoke`, `/dba-recheck`, `/dba-help` in a new comment. The gate is re-evaluated
 * from GitHub's state; the command is then acknowledged with a reaction, or answered with a short reply
 * saying why it did not count. An edited command comment only triggers a re-evaluation (edited comments
 * never count) and is logged as possible tampering.
 */
export async function runCommentCommandJob(gw: RepoGateway, job: CommentCommandJob, deps: JobDeps, log: JobLogger): Promise<void> {
  const opened = openPull(gw, job.pull)
  const pull = await opened.ctx.pull()
  const config = pull.state === 'open' ? await opened.config() : null
  // The command word is configurable; an invalid config still lets the built-in words through, to answer them.
  const command = parseCommand(job.comment.body, config?.ok ? config.config : defaultConfig)
  if (command === null) return
  const login = job.comment.author.login
  const word = commandWords(config?.ok ? config.config.approval.command : '/dba-approve')[command.kind]
  if (job.action === 'edited') {
    log.warn({ comment: job.comment.id, author: login, editor: job.sender.login }, 'a command comment was edited; edited comments never count')
    await runReviewJob(gw, { pull: job.pull, force: false }, deps, log, opened)
    return
  }
  if (command.kind === 'recheck') {
    const isAuthor = login.toLowerCase() === pull.author.login.toLowerCase()
    const permission = isAuthor ? 'write' : await opened.ctx.permission(login)
    if (permission !== 'write' && permission !== 'admin') {
      await gw.createComment(job.pull, renderRejectionReply(login, word, 'only the author and people with write access can start a new review'))
      return
    }
    await gw.react(job.comment.id, 'rocket')
    await runReviewJob(gw, { pull: job.pull, force: true }, deps, log, opened)
    return
  }
  const result = await runReviewJob(gw, { pull: job.pull, force: false }, deps, log, opened)
  if (command.kind === 'help') {
    await gw.createComment(job.pull, renderHelpReply(config?.ok ? config.config.approval.command : '/dba-approve', result?.gate ?? null))
    await gw.react(job.comment.id, '+1')
    return
  }
  if (result === null) {
    await gw.createComment(job.pull, renderRejectionReply(login, word, NOTHING_TO_APPROVE))
    return
  }
  if (result.gate.state === 'blocked') {
    await gw.createComment(job.pull, renderRejectionReply(login, word, `the DBA gate fails closed until this is fixed: ${result.gate.problems.join(' ')}`))
    return
  }
  const judgement = judgementOf(result, 'comment', job.comment.id, login)
  if (judgement === null && command.kind === 'approve') {
    // GitHub may not list a comment in the first instant after creating it; look again shortly.
    throw new RetryLater(2_000, `comment ${job.comment.id} is not listed yet`)
  }
  if (judgement === null || judgement.accepted) {
    await gw.react(job.comment.id, '+1')
    log.info({ command: command.kind, by: login }, 'command accepted')
    return
  }
  await gw.createComment(job.pull, renderRejectionReply(login, word, judgement.reason))
}

/** "Approve as DBA" on the check run: recorded with the fingerprint of the run it was clicked on, then judged by the gate like a comment. */
export async function runApproveButtonJob(gw: RepoGateway, job: ApproveButtonJob, deps: JobDeps, log: JobLogger): Promise<void> {
  const key = `${gw.owner}/${gw.repo}#${job.pull}`
  deps.state.addButtonApproval(key, { actor: job.sender, fingerprint: job.checkRun.fingerprint, at: deps.state.now(), checkRunId: job.checkRun.id })
  const result = await runReviewJob(gw, { pull: job.pull, force: false }, deps, log)
  const judgement = result ? judgementOf(result, 'button', job.checkRun.id, job.sender.login) : { accepted: false as const, reason: NOTHING_TO_APPROVE }
  if (judgement?.accepted) {
    log.info({ by: job.sender.login }, 'approved with the check-run button')
    return
  }
  await gw.createComment(job.pull, renderRejectionReply(job.sender.login, 'Approve as DBA', judgement?.reason ?? NOTHING_TO_APPROVE))
}
