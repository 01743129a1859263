import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import nock from 'nock'
import { API, mock, repoMock, sent, traffic } from '../mocks/github.js'
import { createTestApp, deliver, examplePayload, gitHubProblems, isolateNetwork, resetGitHub, type TestApp } from '../mocks/probot.js'
import { recordingReview } from '../mocks/review.js'
import { baseTree, changedFiles, headTree, indexFinding } from '../mocks/fixture-repo.js'

const opened = examplePayload('pull_request', 'opened')
const PR = opened.pull_request.number
const BASE = opened.pull_request.base.sha
const HEAD = opened.pull_request.head.sha

let app: TestApp
beforeAll(isolateNetwork)
beforeEach(async () => {
  resetGitHub()
  app = await createTestApp({ reviewChange: recordingReview([indexFinding('warning')]).fn })
})
afterEach(() => {
  expect(app.queue.failures.map((f) => String(f.error))).toEqual([])
  expect(gitHubProblems()).toEqual({ pending: [], unmatched: [], invalid: [] })
})

/** The reads every evaluation starts with: the pull request and the base tree (config). */
function mockPullAndBase(tree = baseTree): void {
  mock.app()
  mock.installationToken()
  mock.pull({ number: PR, headSha: HEAD, baseSha: BASE })
  mock.tree(BASE, tree)
}

/** …and, once the config is valid, the changed files. */
function mockStart(files: Parameters<typeof mock.pullFiles>[1], tree = baseTree): void {
  mockPullAndBase(tree)
  mock.pullFiles(PR, files)
}

/** The check runs the app created in Hello-World, oldest first. */
const createdCheckRuns = () => sent('POST', '/repos/Codertocat/Hello-World/check-runs').map((r) => r.body as { conclusion: string; output: { title: string; summary: string } })

describe('pull_request', () => {
  it('a pull request touching no schema or migration file gets a successful check, so the check can be required', async () => {
    mockStart([{ path: 'README.md', status: 'modified', patch: '@@ -1 +1 @@\n-# Hello\n+# Hello-World' }])
    mock.checkRunsForRef(HEAD)
    mock.createCheckRun(40)
    mock.comments(PR, [])
    await deliver(app, 'pull_request', opened, 'd-readme')
    await app.queue.onIdle()
    expect(sent('POST', '/repos/Codertocat/Hello-World/check-runs').map((r) => r.body)).toEqual([
      {
        name: 'dba-review',
        head_sha: HEAD,
        status: 'completed',
        conclusion: 'success',
        external_id: 'no-changes',
        output: { title: 'No schema or migration changes', summary: expect.stringContaining('nothing to review or approve') },
        actions: [],
      },
    ])
  })

  it('an edit of the title or body does nothing; closing forgets the pull request', async () => {
    await deliver(app, 'pull_request', { ...examplePayload('pull_request', 'opened'), action: 'edited', changes: { title: { from: 'Old' } } }, 'd-edit')
    await deliver(app, 'pull_request', examplePayload('pull_request', 'closed'), 'd-close')
    await app.queue.onIdle()
    expect(traffic.requests).toEqual([])
  })

  it('an invalid config on the base branch fails the check and names the file, line and key', async () => {
    mockPullAndBase({ ...baseTree, '.github/dba-review.yml': 'rules:\n  ban-drop-table: fatal\n' })
    mock.checkRunsForRef(HEAD)
    mock.createCheckRun(41)
    await deliver(app, 'pull_request', opened, 'd-config')
    await app.queue.onIdle()
    const [run] = createdCheckRuns()
    expect(run?.conclusion).toBe('failure')
    expect(run?.output.title).toBe('Invalid config: .github/dba-review.yml at f95f852')
    expect(run?.output.summary).toContain('.github/dba-review.yml:2:')
    expect(run?.output.summary).toContain('rules.ban-drop-table')
  })

  it('invalid rule options in the owner\'s shared config fail the check and name the file and key', async () => {
    const { '.github/dba-review.yml': _local, ...withoutConfig } = baseTree
    mockPullAndBase(withoutConfig)
    mock.orgConfig('rules:\n  naming-convention:\n    options: { pattern: "([" }\n')
    mock.checkRunsForRef(HEAD)
    mock.createCheckRun(41)
    await deliver(app, 'pull_request', opened, 'd-org-config')
    await app.queue.onIdle()
    const [run] = createdCheckRuns()
    expect(run?.conclusion).toBe('failure')
    expect(run?.output.summary).toContain('Codertocat/.github:.github/dba-review.yml: rules.naming-convention.options.pattern: not a valid regular expression')
  })

  it('3,000 changed files or more fail closed (GitHub lists no more)', async () => {
    mockStart(Array.from({ length: 3000 }, (_, i) => ({ path: `src/file${i}.ts`, status: 'added' as const, patch: '@@ -0,0 +1 @@\n+x' })))
    mock.checkRunsForRef(HEAD)
    mock.createCheckRun(42)
    await deliver(app, 'pull_request', opened, 'd-many')
    await app.queue.onIdle()
    const [run] = createdCheckRuns()
    expect(run).toMatchObject({ conclusion: 'failure', output: { title: 'Too many changed files to review' } })
    expect(sent('GET', '/repos/Codertocat/Hello-World/pulls/2/files')).toHaveLength(30)
  })

  it('a redelivery (same X-GitHub-Delivery) is dropped', async () => {
    mockStart([{ path: 'README.md', status: 'modified', patch: '@@ -1 +1 @@\n+x' }])
    mock.checkRunsForRef(HEAD)
    mock.createCheckRun(43)
    mock.comments(PR, [])
    await deliver(app, 'pull_request', opened, 'd-same')
    await app.queue.onIdle()
    const requests = traffic.requests.length
    await deliver(app, 'pull_request', opened, 'd-same')
    await app.queue.onIdle()
    expect(traffic.requests.length).toBe(requests)
  })

  it('a secondary rate limit re-queues the job, which then finishes without repeating finished writes', async () => {
    mockStart(changedFiles)
    mock.tree(HEAD, headTree)
    mock.createCheckRun(44)
    mock.comments(PR, [])
    mock.reviews(PR)
    mock.codeownersErrors(BASE)
    mock.updateCheckRun(44)
    nock(API).post('/repos/Codertocat/Hello-World/issues/2/comments').reply(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': '1' })
    // The retry: reads again (trees and blobs are cached), the check run is already up to date.
    mock.pull({ number: PR, headSha: HEAD, baseSha: BASE })
    mock.pullFiles(PR, changedFiles)
    mock.comments(PR, [])
    mock.reviews(PR)
    mock.codeownersErrors(BASE)
    mock.createComment(PR)
    mock.reviewComments(PR)
    mock.createReview(PR)
    await deliver(app, 'pull_request', opened, 'd-limited')
    await app.queue.onIdle()
    expect(app.logs.filter((l) => l.msg === 'job hit a retryable error; re-queued')).toHaveLength(1)
    expect(sent('PATCH', '/repos/Codertocat/Hello-World/check-runs/44')).toHaveLength(1)
    expect(sent('POST', '/repos/Codertocat/Hello-World/pulls/2/reviews')).toHaveLength(1)
  })

  it('every log line of a job carries the delivery id, repository, pull request and job', async () => {
    mockStart([{ path: 'README.md', status: 'modified', patch: '@@ -1 +1 @@\n+x' }])
    mock.checkRunsForRef(HEAD)
    mock.createCheckRun(45)
    mock.comments(PR, [])
    await deliver(app, 'pull_request', opened, 'd-logs')
    await app.queue.onIdle()
    const jobLines = app.logs.filter((l) => ['delivery acknowledged', 'job done'].includes(l.msg as string))
    expect(jobLines).toHaveLength(2)
    for (const line of jobLines) expect(line).toMatchObject({ deliveryId: 'd-logs', repo: 'Codertocat/Hello-World', pr: PR, job: 'review' })
  })
})

describe('review outcomes', () => {
  it('more than 50 findings: annotations go 50 per request, the first with the completion, the rest appended', async () => {
    const many = Array.from({ length: 120 }, () => indexFinding('warning'))
    app = await createTestApp({ reviewChange: recordingReview(many).fn })
    mockStart(changedFiles)
    mock.tree(HEAD, headTree)
    mock.createCheckRun(47)
    mock.comments(PR, [])
    mock.reviews(PR)
    mock.codeownersErrors(BASE)
    mock.updateCheckRun(47, 3)
    mock.createComment(PR)
    mock.reviewComments(PR)
    mock.createReview(PR)
    await deliver(app, 'pull_request', opened, 'd-many-findings')
    await app.queue.onIdle()
    const updates = sent('PATCH', '/repos/Codertocat/Hello-World/check-runs/47').map((r) => r.body as { conclusion: string; output: { annotations?: unknown[] } })
    expect(updates.map((u) => [u.conclusion, u.output.annotations?.length])).toEqual([
      ['action_required', 50],
      ['action_required', 50],
      ['action_required', 20],
    ])
  })

  it('a review that cannot run completes the check as failure instead of leaving it in progress', async () => {
    app = await createTestApp({
      reviewChange: async () => {
        throw new Error('the replay server did not start: port in use')
      },
    })
    mockStart(changedFiles)
    mock.tree(HEAD, headTree)
    mock.createCheckRun(48)
    mock.updateCheckRun(48)
    await deliver(app, 'pull_request', opened, 'd-broken')
    await app.queue.onIdle()
    const [update] = sent('PATCH', '/repos/Codertocat/Hello-World/check-runs/48').map((r) => r.body as { conclusion: string; output: { title: string; summary: string } })
    expect(update).toMatchObject({ conclusion: 'failure', output: { title: 'The review could not run' } })
    expect(update?.output.summary).toContain('the replay server did not start: port in use')
  })
})

describe('merge_group', () => {
  it('checks_requested: the merge group commit passes (its pull requests passed the gate before entering the queue)', async () => {
    const payload = examplePayload('merge_group', 'checks_requested')
    mock.app()
    mock.installationToken(payload.installation!.id)
    repoMock('octo-org', 'octo-repo').createCheckRun(46)
    await deliver(app, 'merge_group', payload, 'd-merge')
    await app.queue.onIdle()
    expect(sent('POST', '/repos/octo-org/octo-repo/check-runs').map((r) => r.body)).toMatchInlineSnapshot(`
      [
        {
          "conclusion": "success",
          "external_id": "merge-group:2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d",
          "head_sha": "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d",
          "name": "dba-review",
          "output": {
            "summary": "The pull requests in this merge group passed dba-review, DBA approval included, before they entered the queue.",
            "title": "Gated on the pull request",
          },
          "status": "completed",
        },
      ]
    `)
  })
})
