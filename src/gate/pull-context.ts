/**
 * What the DBA gate may know about a pull request, read from GitHub's current state. The gate never sees
 * Octokit or a webhook payload: `src/github/pull-context.ts` implements this over the REST API and tests
 * use a hand-written fake. A context is made per job, so implementations may cache and need not be
 * thread-safe.
 */

export interface Actor {
  login: string
  /** GitHub's account type: `User`, `Bot`, `Organization`, `Mannequin`. */
  type: string
}

export interface PullInfo {
  number: number
  author: Actor
  state: 'open' | 'closed'
  merged: boolean
  draft: boolean
  headSha: string
  baseSha: string
  baseRef: string
}

export interface ChangedFile {
  path: string
  /** For renames: where the file came from (also a changed path for the gate). */
  previousPath?: string
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged'
  /** Unified diff hunks of the file; absent for binary or very large diffs. */
  patch?: string
}

export interface PullComment {
  id: number
  author: Actor
  body: string
  /** ISO 8601, GitHub's clock. */
  createdAt: string
  updatedAt: string
}

export interface PullReview {
  id: number
  author: Actor
  /** GitHub's review state: `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`, `PENDING`. */
  state: string
  /** The head commit the review was submitted on. */
  commitId: string
  submittedAt: string | null
  body: string
}

/** Team membership state; only `active` counts (a `pending` member has not accepted the invitation). */
export type MembershipState = 'active' | 'pending' | null

/** Highest repository permission from any source, as `GET …/collaborators/{user}/permission` reports it. */
export type Permission = 'admin' | 'write' | 'read' | 'none'

export interface CodeownersSource {
  /** Which of the candidate locations was used. */
  path: string
  text: string
  /** Errors GitHub itself reports for this file on the base branch (`GET …/codeowners/errors`). */
  githubErrors: Array<{ line: number; message: string }>
}

export interface PullContext {
  readonly owner: string
  readonly repo: string
  readonly number: number
  /** The pull request as GitHub has it now (not as a possibly stale payload had it). */
  pull(): Promise<PullInfo>
  /**
   * Every changed path. Throws `TooManyFilesError` when GitHub's 3,000-file listing limit is reached,
   * since the gate cannot see the rest.
   */
  changedFiles(): Promise<ChangedFile[]>
  /** Conversation comments on the pull request, oldest first. */
  comments(): Promise<PullComment[]>
  /** Submitted reviews, oldest first; a dismissed review has state `DISMISSED`. */
  reviews(): Promise<PullReview[]>
  /** `org/team-slug` membership of `login`, including child teams. */
  teamMembership(team: string, login: string): Promise<MembershipState>
  permission(login: string): Promise<Permission>
  /** CODEOWNERS from the pull request's BASE branch, or null when there is none. */
  codeowners(): Promise<CodeownersSource | null>
}

export class TooManyFilesError extends Error {
  constructor(readonly limit: number) {
    super(`the pull request changes ${limit} files or more, the most GitHub lists; dba-review cannot see every change`)
    this.name = 'TooManyFilesError'
  }
}
