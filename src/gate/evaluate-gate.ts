import type { Config } from '../config/schema.js'
import { authorizeApprover, describeApprovers, findApproverGroups, type ApproverGroup } from './approvers.js'
import { parseCommand } from './commands.js'
import type { Actor, PullContext, PullInfo } from './pull-context.js'

/** The app saw `fingerprint` at `headSha` from time `at` on (app clock, ms). Kept by the app, per pull request. */
export interface FingerprintObservation {
  headSha: string
  fingerprint: string
  at: number
}

/** An "Approve as DBA" click, bound to the fingerprint of the check run it was clicked on. */
export interface ButtonApproval {
  actor: Actor
  fingerprint: string
  at: number
  checkRunId: number
}

export type ApprovalVia = 'comment' | 'review' | 'button'

export interface ApprovalAttempt {
  login: string
  via: ApprovalVia
  /** ISO 8601. */
  at: string
  /** Comment, review or check-run id. */
  ref: number
  note?: string
}

export interface RejectedAttempt extends ApprovalAttempt {
  reason: string
  /** The approval was valid for earlier content: the reason to tell reviewers that the content changed. */
  stale?: boolean
}

export interface GateVerdict {
  /** `blocked`: the gate cannot be satisfied as configured (fails closed); `closed`: nothing to gate. */
  state: 'approved' | 'waiting' | 'blocked' | 'closed'
  /** One line for titles and comments. */
  summary: string
  approvedBy: ApprovalAttempt[]
  rejected: RejectedAttempt[]
  /** Who may approve, per group of paths. */
  approvers: Array<{ paths: string[]; who: string[] }>
  problems: string[]
}

export interface GateInput {
  config: Config
  appLogin: string
  pull: PullInfo
  /** Changed paths that need approval, and which of them are CODEOWNERS / config files. */
  gated: { paths: readonly string[]; controlFiles: readonly string[] }
  fingerprint: string
  observations: readonly FingerprintObservation[]
  buttons: readonly ButtonApproval[]
}

interface Attempt extends ApprovalAttempt {
  actor: Actor
  kind: 'approve' | 'revoke'
  time: number
  edited: boolean
  /** The content the attempt refers to, if the app can tell. */
  boundTo: string | null
}

/** Latest observation at or before `time`: what the approver could have seen reviewed. */
function fingerprintAt(observations: readonly FingerprintObservation[], time: number): string | null {
  let found: FingerprintObservation | null = null
  for (const o of observations) if (o.at <= time && (found === null || o.at >= found.at)) found = o
  return found?.fingerprint ?? null
}

async function collectAttempts(ctx: PullContext, input: GateInput): Promise<Attempt[]> {
  const attempts: Attempt[] = []
  for (const comment of await ctx.comments()) {
    const command = parseCommand(comment.body, input.config)
    if (command?.kind !== 'approve' && command?.kind !== 'revoke') continue
    const time = Date.parse(comment.createdAt)
    attempts.push({
      actor: comment.author,
      login: comment.author.login,
      via: 'comment',
      at: comment.createdAt,
      ref: comment.id,
      ...(command.kind === 'approve' && command.note !== '' ? { note: command.note } : {}),
      kind: command.kind,
      time,
      edited: comment.updatedAt !== comment.createdAt,
      boundTo: fingerprintAt(input.observations, time),
    })
  }
  if (input.config.approval.reviews) {
    for (const review of await ctx.reviews()) {
      if (review.state !== 'APPROVED' || review.submittedAt === null) continue
      const time = Date.parse(review.submittedAt)
      // A review names its commit: bind to what the app saw at that commit, never to later content.
      const atCommit = input.observations.filter((o) => o.headSha === review.commitId && o.at <= time)
      attempts.push({
        actor: review.author,
        login: review.author.login,
        via: 'review',
        at: review.submittedAt,
        ref: review.id,
        kind: 'approve',
        time,
        edited: false,
        boundTo: atCommit.length > 0 ? (atCommit[atCommit.length - 1] as FingerprintObservation).fingerprint : null,
      })
    }
  }
  for (const button of input.buttons) {
    attempts.push({
      actor: button.actor,
      login: button.actor.login,
      via: 'button',
      at: new Date(button.at).toISOString(),
      ref: button.checkRunId,
      kind: 'approve',
      time: button.at,
      edited: false,
      boundTo: button.fingerprint,
    })
  }
  return attempts.sort((a, b) => a.time - b.time || a.ref - b.ref)
}

function publicPart(attempt: Attempt): ApprovalAttempt {
  return { login: attempt.login, via: attempt.via, at: attempt.at, ref: attempt.ref, ...(attempt.note ? { note: attempt.note } : {}) }
}

/**
 * The DBA gate, recomputed from GitHub's current state every time, so duplicate and out-of-order
 * deliveries cannot change the outcome. Approvals count only when every check passes at evaluation time
 * (membership and permissions are re-read) and when they were given for the content under review now.
 */
export async function evaluateGate(ctx: PullContext, input: GateInput): Promise<GateVerdict> {
  const base = { approvedBy: [], rejected: [], approvers: [], problems: [] }
  if (input.pull.state !== 'open') {
    return { ...base, state: 'closed', summary: `The pull request is ${input.pull.merged ? 'merged' : 'closed'}.` }
  }
  if (input.gated.paths.length === 0) {
    return { ...base, state: 'approved', summary: 'No schema or migration changes: no approval needed.' }
  }
  const setup = await findApproverGroups(ctx, input.config, input.gated)
  if (!setup.ok) {
    return { ...base, state: 'blocked', summary: 'The DBA gate cannot be satisfied as configured (fails closed).', problems: setup.problems }
  }
  const approvers = setup.groups.map((g) => ({ paths: g.paths, who: describeApprovers(g) }))

  const current = new Map<Attempt, ApproverGroup[]>()
  const rejected: RejectedAttempt[] = []
  for (const attempt of await collectAttempts(ctx, input)) {
    if (attempt.edited) {
      rejected.push({ ...publicPart(attempt), reason: 'the comment was edited after it was posted' })
      continue
    }
    const auth = await authorizeApprover(ctx, { actor: attempt.actor, pull: input.pull, config: input.config, appLogin: input.appLogin, groups: setup.groups })
    if (!auth.ok) {
      rejected.push({ ...publicPart(attempt), reason: auth.reason })
      continue
    }
    if (attempt.kind === 'revoke') {
      for (const revoked of current.keys()) rejected.push({ ...publicPart(revoked), reason: `revoked by @${attempt.login} at ${attempt.at}` })
      current.clear()
      continue
    }
    if (attempt.boundTo === null) {
      rejected.push({ ...publicPart(attempt), reason: 'given before dba-review had reviewed this content' })
    } else if (attempt.boundTo !== input.fingerprint) {
      rejected.push({ ...publicPart(attempt), reason: 'given for earlier content: the migrations, schema or config changed since', stale: true })
    } else {
      current.set(attempt, auth.groups)
    }
  }

  const covered = new Set([...current.values()].flat())
  const missing = setup.groups.filter((g) => !covered.has(g))
  const approvedBy = [...current.keys()].map(publicPart)
  if (missing.length === 0) {
    const names = [...new Set(approvedBy.map((a) => `@${a.login}`))].join(', ')
    return { state: 'approved', summary: `Approved by ${names}.`, approvedBy, rejected, approvers, problems: [] }
  }
  const who = [...new Set(missing.flatMap(describeApprovers))].join(', ')
  return { state: 'waiting', summary: `Waiting for DBA approval from ${who}.`, approvedBy, rejected, approvers, problems: [] }
}
