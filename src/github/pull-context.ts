import type { ProbotOctokit } from 'probot'
import { CODEOWNERS_LOCATIONS, CODEOWNERS_MAX_BYTES } from '../gate/codeowners.js'
import {
  TooManyFilesError,
  type ChangedFile,
  type CodeownersSource,
  type MembershipState,
  type Permission,
  type PullComment,
  type PullContext,
  type PullInfo,
  type PullReview,
} from '../gate/pull-context.js'
import type { FileSource } from '../migrations/file-source.js'

/** GitHub lists at most 3,000 files of a pull request. */
export const PULL_FILES_LIMIT = 3000

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error ? (error as { status: number }).status : undefined
}

function actorOf(user: { login: string; type: string } | null | undefined): { login: string; type: string } {
  return user ? { login: user.login, type: user.type } : { login: 'ghost', type: 'User' }
}

/**
 * PullContext over the REST API, one instance per job: each answer is fetched once and kept, so the gate
 * may ask as often as it likes. Membership and permission are read live, never from the payload.
 */
export class GitHubPullContext implements PullContext {
  private readonly memo = new Map<string, Promise<unknown>>()

  constructor(
    private readonly octokit: ProbotOctokit,
    readonly owner: string,
    readonly repo: string,
    readonly number: number,
    /** The base branch's tree, for CODEOWNERS. */
    private readonly baseSource: () => Promise<FileSource>,
  ) {}

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let value = this.memo.get(key) as Promise<T> | undefined
    if (!value) {
      value = load()
      this.memo.set(key, value)
    }
    return value
  }

  pull(): Promise<PullInfo> {
    return this.once('pull', async () => {
      const { data } = await this.octokit.rest.pulls.get({ owner: this.owner, repo: this.repo, pull_number: this.number })
      return {
        number: data.number,
        author: actorOf(data.user),
        state: data.state === 'open' ? 'open' : 'closed',
        merged: data.merged,
        draft: data.draft ?? false,
        headSha: data.head.sha,
        baseSha: data.base.sha,
        baseRef: data.base.ref,
      }
    })
  }

  changedFiles(): Promise<ChangedFile[]> {
    return this.once('files', async () => {
      const files = await this.octokit.paginate(this.octokit.rest.pulls.listFiles, { owner: this.owner, repo: this.repo, pull_number: this.number, per_page: 100 })
      if (files.length >= PULL_FILES_LIMIT) throw new TooManyFilesError(PULL_FILES_LIMIT)
      return files.map((f) => ({
        path: f.filename,
        ...(f.previous_filename ? { previousPath: f.previous_filename } : {}),
        status: f.status,
        ...(f.patch !== undefined ? { patch: f.patch } : {}),
      }))
    })
  }

  comments(): Promise<PullComment[]> {
    return this.once('comments', async () => {
      const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, { owner: this.owner, repo: this.repo, issue_number: this.number, per_page: 100 })
      return comments.map((c) => ({ id: c.id, author: actorOf(c.user), body: c.body ?? '', createdAt: c.created_at, updatedAt: c.updated_at }))
    })
  }

  reviews(): Promise<PullReview[]> {
    return this.once('reviews', async () => {
      const reviews = await this.octokit.paginate(this.octokit.rest.pulls.listReviews, { owner: this.owner, repo: this.repo, pull_number: this.number, per_page: 100 })
      return reviews.map((r) => ({ id: r.id, author: actorOf(r.user), state: r.state, commitId: r.commit_id ?? '', submittedAt: r.submitted_at ?? null, body: r.body }))
    })
  }

  teamMembership(team: string, login: string): Promise<MembershipState> {
    return this.once(`team:${team}:${login.toLowerCase()}`, async () => {
      const [org, slug] = team.split('/') as [string, string]
      try {
        const { data } = await this.octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login })
        return data.state === 'active' ? 'active' : 'pending'
      } catch (error) {
        if (statusOf(error) === 404) return null
        throw error
      }
    })
  }

  permission(login: string): Promise<Permission> {
    return this.once(`permission:${login.toLowerCase()}`, async () => {
      try {
        const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({ owner: this.owner, repo: this.repo, username: login })
        return (['admin', 'write', 'read'] as const).find((p) => p === data.permission) ?? 'none'
      } catch (error) {
        if (statusOf(error) === 404) return 'none'
        throw error
      }
    })
  }

  codeowners(): Promise<CodeownersSource | null> {
    return this.once('codeowners', async () => {
      const base = await this.baseSource()
      for (const path of CODEOWNERS_LOCATIONS) {
        const bytes = await base.read(path)
        if (bytes === null) continue
        if (bytes.length >= CODEOWNERS_MAX_BYTES) return { path, text: '', githubErrors: [{ line: 1, message: 'the file is 3 MB or larger, so GitHub ignores it' }] }
        const { baseSha } = await this.pull()
        const { data } = await this.octokit.rest.repos.codeownersErrors({ owner: this.owner, repo: this.repo, ref: baseSha })
        return { path, text: bytes.toString('utf8'), githubErrors: data.errors.map((e) => ({ line: e.line, message: e.message.split('\n')[0] ?? e.kind })) }
      }
      return null
    })
  }
}
