import type { ProbotOctokit } from 'probot'
import { CHECK_NAME } from '../report/render-check-run.js'
import type { ExistingInlineComment, InlineComment } from '../report/render-inline-comments.js'
import type { CheckRunRef, CheckRunWrite, ConfigResult, Reaction, RepoGateway, TreeSource } from '../jobs/gateway.js'
import type { PullContext } from '../gate/pull-context.js'
import type { Rule } from '../lint/rule.js'
import { findAppConfig } from './config.js'
import { GitHubPullContext } from './pull-context.js'
import { GitHubTreeSource, type GitCache } from './tree-source.js'

/** Who the app is on GitHub: its own check runs and comments are recognised by these. */
export interface AppIdentity {
  appId: number
  /** `<slug>[bot]`, the login its comments carry. */
  login: string
}

function checkRunBody(write: CheckRunWrite) {
  return {
    status: write.status,
    ...(write.conclusion ? { conclusion: write.conclusion } : {}),
    external_id: write.externalId,
    output: { title: write.title, summary: write.summary, ...(write.annotations && write.annotations.length > 0 ? { annotations: write.annotations } : {}) },
    ...(write.actions ? { actions: write.actions } : {}),
  }
}

/** RepoGateway over an installation's Octokit. */
export class GitHubRepoGateway implements RepoGateway {
  constructor(
    private readonly octokit: ProbotOctokit,
    readonly owner: string,
    readonly repo: string,
    private readonly identity: AppIdentity,
    private readonly rules: readonly Rule[],
    private readonly cache: GitCache,
  ) {}

  private get r() {
    return { owner: this.owner, repo: this.repo }
  }

  tree(sha: string, label: string): Promise<TreeSource> {
    return GitHubTreeSource.load(this.octokit, this.owner, this.repo, sha, label, this.cache)
  }

  pullContext(number: number, base: () => Promise<TreeSource>): PullContext {
    return new GitHubPullContext(this.octokit, this.owner, this.repo, number, base)
  }

  config(base: TreeSource): Promise<ConfigResult> {
    return findAppConfig(this.octokit, this.owner, this.repo, base, this.rules)
  }

  async findCheckRun(headSha: string): Promise<CheckRunRef | null> {
    const { data } = await this.octokit.rest.checks.listForRef({ ...this.r, ref: headSha, check_name: CHECK_NAME, app_id: this.identity.appId, filter: 'latest' })
    const run = data.check_runs.find((c) => c.app?.id === this.identity.appId)
    return run ? { id: run.id, htmlUrl: run.html_url ?? '' } : null
  }

  async createCheckRun(headSha: string, write: CheckRunWrite): Promise<CheckRunRef> {
    const { data } = await this.octokit.rest.checks.create({ ...this.r, name: CHECK_NAME, head_sha: headSha, ...checkRunBody(write) })
    return { id: data.id, htmlUrl: data.html_url ?? '' }
  }

  async updateCheckRun(id: number, write: CheckRunWrite): Promise<void> {
    await this.octokit.rest.checks.update({ ...this.r, check_run_id: id, ...checkRunBody(write) })
  }

  async createComment(pull: number, body: string): Promise<{ id: number }> {
    const { data } = await this.octokit.rest.issues.createComment({ ...this.r, issue_number: pull, body })
    return { id: data.id }
  }

  async updateComment(id: number, body: string): Promise<void> {
    await this.octokit.rest.issues.updateComment({ ...this.r, comment_id: id, body })
  }

  async listInlineComments(pull: number): Promise<ExistingInlineComment[]> {
    const comments = await this.octokit.paginate(this.octokit.rest.pulls.listReviewComments, { ...this.r, pull_number: pull, per_page: 100 })
    return comments.filter((c) => c.user?.login === this.identity.login).map((c) => ({ id: c.id, body: c.body }))
  }

  async createReview(pull: number, headSha: string, comments: readonly InlineComment[]): Promise<void> {
    await this.octokit.rest.pulls.createReview({
      ...this.r,
      pull_number: pull,
      commit_id: headSha,
      event: 'COMMENT',
      body: 'dba-review found these on the changed lines; the suggestions can be committed from here.',
      comments: comments.map((c) => ({ path: c.path, line: c.line, side: 'RIGHT', ...(c.startLine !== undefined ? { start_line: c.startLine, start_side: 'RIGHT' } : {}), body: c.body })),
    })
  }

  async updateInlineComment(id: number, body: string): Promise<void> {
    await this.octokit.rest.pulls.updateReviewComment({ ...this.r, comment_id: id, body })
  }

  async react(commentId: number, reaction: Reaction): Promise<void> {
    await this.octokit.rest.reactions.createForIssueComment({ ...this.r, comment_id: commentId, content: reaction })
  }

  async pullsForCommit(sha: string): Promise<number[]> {
    const { data } = await this.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...this.r, commit_sha: sha })
    return data.filter((p) => p.state === 'open').map((p) => p.number)
  }
}
