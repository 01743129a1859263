import nock from 'nock'
import { allRules } from '../../rules/index.js'
import type { ReviewChangeFn } from '../../src/jobs/review-job.js'
import { reviewChange } from '../../src/review/review-change.js'
import { GitHubFake, type FakeCheckRun, type FakeComment } from './github-fake.js'
import { traffic, type FileFixture, type TreeFixture } from './github.js'
import { createTestApp, deliver, examplePayload, type TestApp } from './probot.js'
import { baseTree, journal } from './fixture-repo.js'

/** The real review (lint through `reviewChange`); the end-to-end test adds the real replay. */
export const realReview: ReviewChangeFn = (options) => reviewChange({ ...options, rules: allRules })

export const invoicesSql = `CREATE TABLE "invoices" (\n\t"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY NOT NULL,\n\t"order_id" bigint NOT NULL,\n\t"total_cents" bigint NOT NULL\n);\n`

/** A clean change (the lint finds nothing): only the DBA approval decides the check. */
export const cleanHead: TreeFixture = {
  ...baseTree,
  'drizzle/0001_invoices.sql': invoicesSql,
  'drizzle/meta/_journal.json': journal(['0000_init', '0001_invoices']),
}

export const cleanFiles: FileFixture[] = [
  { path: 'drizzle/0001_invoices.sql', status: 'added', content: invoicesSql },
  { path: 'drizzle/meta/_journal.json', status: 'modified', patch: '@@ -1,1 +1,1 @@\n-{}\n+{}' },
]

const opened = examplePayload('pull_request', 'opened')
export const PR = opened.pull_request.number
export const BASE = opened.pull_request.base.sha
export const HEAD = opened.pull_request.head.sha

/** A test clock shared by the app (fingerprint observations) and the fake GitHub (comment times). */
export class Clock {
  now = Date.parse('2026-03-02T09:00:00Z')
  readonly read = () => this.now
  tick(minutes = 1): void {
    this.now += minutes * 60_000
  }
}

export interface Scenario {
  app: TestApp
  github: GitHubFake
  clock: Clock
  /** Delivers and waits until every job (and retry) has finished. */
  send(name: Parameters<typeof deliver>[1], payload: object, id?: string): Promise<void>
  comment(login: string, body: string, extra?: Partial<FakeComment>, pull?: number): Promise<FakeComment>
  push(sha: string, tree: TreeFixture, files?: FileFixture[]): Promise<void>
  run(sha?: string): FakeCheckRun
}

let deliveries = 0

/** Repository `Codertocat/Hello-World` (GitHub's example payloads) with pull request #2 opened by `author`. */
export async function openScenario(options: { author?: string; head?: TreeFixture; files?: FileFixture[]; review?: ReviewChangeFn } = {}): Promise<Scenario> {
  const clock = new Clock()
  const github = new GitHubFake('Codertocat', 'Hello-World', { id: 1, slug: 'dba-review' }, clock.read)
  github.install()
  github.trees.set(BASE, baseTree)
  github.trees.set(HEAD, options.head ?? cleanHead)
  github.pulls.set(PR, { number: PR, author: { login: options.author ?? 'erin', type: 'User' }, state: 'open', merged: false, headSha: HEAD, baseSha: BASE, baseRef: 'master', files: options.files ?? cleanFiles })
  github.teams.set('Octocoders/dba', new Map([['dana', 'active'], ['erin', 'active'], ['pat', 'pending']]))
  for (const [login, permission] of [['dana', 'write'], ['erin', 'write'], ['pat', 'write'], ['mallory', 'write'], ['ann', 'write'], ['Codertocat', 'admin']] as const) github.permissions.set(login, permission)
  const app = await createTestApp({ reviewChange: options.review ?? realReview, clock: clock.read })
  const send = async (name: Parameters<typeof deliver>[1], payload: object, id = `delivery-${++deliveries}`) => {
    await deliver(app, name, payload, id)
    await app.queue.onIdle()
  }
  const scenario: Scenario = {
    app,
    github,
    clock,
    send,
    async comment(login, body, extra = {}, pull = PR) {
      clock.tick()
      const comment = github.addComment(pull, login, body, extra)
      await send('issue_comment', commentEvent('created', comment, pull))
      return comment
    },
    async push(sha, tree, files) {
      clock.tick()
      github.trees.set(sha, tree)
      const pull = github.pulls.get(PR)!
      pull.headSha = sha
      if (files) pull.files = files
      await send('pull_request', pullEvent('synchronize', sha))
    },
    run(sha) {
      const run = github.latestRun(sha ?? github.pulls.get(PR)!.headSha)
      if (!run) throw new Error('no check run')
      return run
    },
  }
  clock.tick()
  await send('pull_request', opened)
  return scenario
}

export function pullEvent(action: 'opened' | 'synchronize', headSha: string, pull = PR): object {
  const payload = examplePayload('pull_request', action) as unknown as { number: number; pull_request: { number: number; head: { sha: string } }; after?: string }
  payload.number = pull
  payload.pull_request.number = pull
  payload.pull_request.head.sha = headSha
  if (action === 'synchronize') payload.after = headSha
  return payload
}

/** GitHub's `issue_comment` example, moved onto the pull request (the example is on a plain issue). */
export function commentEvent(action: 'created' | 'edited', comment: FakeComment, pull = PR, sender = comment.login): object {
  const payload = examplePayload('issue_comment', action) as unknown as {
    issue: { number: number; pull_request?: object }
    comment: { id: number; body: string; created_at: string; updated_at: string; user: { login: string; type: string } }
    sender: { login: string; type: string }
    installation?: { id: number }
    changes?: { body?: { from: string } }
  }
  payload.issue.number = pull
  payload.issue.pull_request = { url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${pull}` }
  Object.assign(payload.comment, { id: comment.id, body: comment.body, created_at: comment.createdAt, updated_at: comment.updatedAt })
  Object.assign(payload.comment.user, { login: comment.login, type: comment.type })
  Object.assign(payload.sender, { login: sender, type: sender.endsWith('[bot]') ? 'Bot' : 'User' })
  payload.installation ??= { id: 1 }
  return payload
}

/** GitHub's `check_run.requested_action` example (from another repository and app), pointed at this run. */
export function buttonEvent(run: FakeCheckRun, sender: string, identifier: string, pull = PR): object {
  const payload = examplePayload('check_run', 'requested_action') as unknown as {
    check_run: Record<string, unknown> & { app: { id: number }; pull_requests: Array<{ number: number; base: { repo: { url: string } } }> }
    requested_action: { identifier: string }
    repository: object
    sender: { login: string; type: string }
    installation: { id: number }
  }
  const repository = examplePayload('pull_request', 'opened').repository
  Object.assign(payload.check_run, { id: run.id, name: run.name, head_sha: run.headSha, external_id: run.externalId })
  payload.check_run.app.id = 1
  payload.check_run.pull_requests = [{ ...payload.check_run.pull_requests[0]!, number: pull, base: { ...payload.check_run.pull_requests[0]!.base, repo: { ...payload.check_run.pull_requests[0]!.base.repo, url: repository.url } } }]
  payload.requested_action.identifier = identifier
  payload.repository = repository
  Object.assign(payload.sender, { login: sender, type: 'User' })
  payload.installation = { id: 1 }
  return payload
}

/** What went wrong on the GitHub side of a scenario, for `toEqual({ unmatched: [], invalid: [], failures: [] })`. */
export function scenarioProblems(s: Scenario): { unmatched: string[]; invalid: string[]; failures: unknown[] } {
  return { unmatched: [...traffic.unmatched], invalid: [...traffic.problems], failures: s.app.queue.failures.map((f) => String(f.error)) }
}

export function resetScenario(): void {
  nock.cleanAll()
  traffic.reset()
}
