import type { Context } from 'probot'
import { runCommentCommandJob } from '../jobs/command-job.js'
import { enqueue, type AppServices } from './services.js'

/** Cheap pre-filter before any API call: commands start with `/` on their first non-blank line. */
function looksLikeCommand(body: string | null | undefined): boolean {
  return (body ?? '').trimStart().startsWith('/')
}

/**
 * `issue_comment` created and edited on pull requests. Comments by bots (this app included) are never
 * parsed. An edit is handled only to re-evaluate and log it: edited comments never count.
 */
export function handleIssueComment(services: AppServices, context: Context<'issue_comment'>): void {
  const { payload } = context
  if (!payload.issue.pull_request) return
  if (payload.action !== 'created' && payload.action !== 'edited') return
  if (payload.comment.user?.type === 'Bot' || payload.sender.type === 'Bot') return
  const before = payload.action === 'edited' ? payload.changes.body?.from : undefined
  if (!looksLikeCommand(payload.comment.body) && !looksLikeCommand(before)) return
  const { comment } = payload
  enqueue(services, context, payload.repository, {
    kind: 'command',
    subject: payload.issue.number,
    coalesce: null,
    run: (gw, deps, log) =>
      runCommentCommandJob(
        gw,
        {
          pull: payload.issue.number,
          action: payload.action,
          comment: { id: comment.id, body: comment.body, author: { login: comment.user?.login ?? 'ghost', type: comment.user?.type ?? 'User' } },
          sender: { login: payload.sender.login, type: payload.sender.type },
        },
        deps,
        log,
      ),
  })
}
