import type { CheckConclusion } from '../gate/check-verdict.js'
import type { ContentEntry } from '../gate/fingerprint.js'
import type { PullContext } from '../gate/pull-context.js'
import type { FileSource } from '../migrations/file-source.js'
import type { CheckAction, CheckAnnotation } from '../report/render-check-run.js'
import type { ExistingInlineComment, InlineComment } from '../report/render-inline-comments.js'
import type { Config } from '../config/schema.js'

/** One commit's files, with content ids for the fingerprint. */
export interface TreeSource extends FileSource {
  readonly sha: string
  entries(): ContentEntry[]
}

export type ConfigResult = { ok: true; config: Config; source: string; notes: string[] } | { ok: false; problems: string[]; source: string }

export interface CheckRunRef {
  id: number
  htmlUrl: string
}

export interface CheckRunWrite {
  status: 'in_progress' | 'completed'
  conclusion?: CheckConclusion
  title: string
  summary: string
  /** At most 50; more go in follow-up updates. */
  annotations?: CheckAnnotation[]
  actions?: CheckAction[]
  /** The content fingerprint this run reviewed; only the app can write it, so it is a trusted binding. */
  externalId: string
}

export type Reaction = '+1' | 'eyes' | 'rocket'

/**
 * Everything a job reads from and writes to one repository on GitHub. `src/github/gateway.ts` implements
 * it over Octokit; jobs never see Octokit.
 */
export interface RepoGateway {
  readonly owner: string
  readonly repo: string
  tree(sha: string, label: string): Promise<TreeSource>
  pullContext(number: number, base: () => Promise<TreeSource>): PullContext
  /** The effective config from the base tree (or the owner's `.github` repository), validated. */
  config(base: TreeSource): Promise<ConfigResult>
  /** The app's latest `dba-review` run on `headSha`, when the app has one. */
  findCheckRun(headSha: string): Promise<CheckRunRef | null>
  createCheckRun(headSha: string, write: CheckRunWrite): Promise<CheckRunRef>
  updateCheckRun(id: number, write: CheckRunWrite): Promise<void>
  createComment(pull: number, body: string): Promise<{ id: number }>
  updateComment(id: number, body: string): Promise<void>
  /** The app's own inline review comments on the pull request. */
  listInlineComments(pull: number): Promise<ExistingInlineComment[]>
  createReview(pull: number, headSha: string, comments: readonly InlineComment[]): Promise<void>
  updateInlineComment(id: number, body: string): Promise<void>
  react(commentId: number, reaction: Reaction): Promise<void>
  /** Open pull requests whose head is `sha` (fork pushes carry no pull request in check events). */
  pullsForCommit(sha: string): Promise<number[]>
}
