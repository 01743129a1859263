import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNodeMiddleware } from 'probot'
import { allRules } from '../../rules/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ReviewThread } from '../../src/jobs/review-thread.js'
import { GitHubFake, type Write } from '../mocks/github-fake.js'
import { traffic } from '../mocks/github.js'
import { baseTree, journal } from '../mocks/fixture-repo.js'
import { createTestApp, examplePayload, isolateNetwork, WEBHOOK_SECRET, type TestApp } from '../mocks/probot.js'
import { BASE, Clock, HEAD, PR, commentEvent, pullEvent } from '../mocks/scenario.js'

/**
 * The app as GitHub drives it: signed deliveries over HTTP to the running app, the real review (lint and a
 * real replay on an embedded PostgreSQL 16) of a fixture repository that the GitHub fake serves through
 * the REST API, and exactly the check-run, comment and review writes a reviewer would see.
 */

const migration = 'ALTER TABLE "orders" ADD COLUMN "created_at" timestamp;\n'
const head = { ...baseTree, 'drizzle/0001_created_at.sql': migration, 'drizzle/meta/_journal.json': journal(['0000_init', '0001_created_at']) }
const files = [
  { path: 'drizzle/0001_created_at.sql', status: 'added' as const, content: migration },
  { path: 'drizzle/meta/_journal.json', status: 'modified' as const, patch: '@@ -1,1 +1,1 @@\n-{}\n+{}' },
]
const README_HEAD = '7777777777777777777777777777777777777777'
const CHANGED_HEAD = '8888888888888888888888888888888888888888'

let app: TestApp
let http: Server
let url: string
let github: GitHubFake
let reviews: ReviewThread
const clock = new Clock()
let deliveries = 0

/**
 * Writes with what changes from run to run (replay timings) masked, and each rule's safe-alternative text
 * (edited with the rule, covered by the rule's own tests) named instead of quoted; everything else is exact.
 */
function stable(writes: Write[]): unknown[] {
  let json = JSON.stringify(writes, null, 0)
  for (const rule of allRules) json = json.split(JSON.stringify(rule.meta.safeAlternative).slice(1, -1)).join(`<safe alternative of ${rule.meta.id}>`)
  return JSON.parse(json.replace(/\d+(\.\d+)? (ms|s)\b/g, '<t>').replace(/:(crit, )?\d+, \d+/g, ':$1<start>, <end>').replace(/PostgreSQL 16\.\d+/g, 'PostgreSQL 16.x'))
}

async function post(event: string, payload: object): Promise<number> {
  const body = JSON.stringify(payload)
  const response = await fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': `e2e-${++deliveries}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
    },
    body,
  })
  await response.text()
  return response.status
}

/** Sends a delivery, checks GitHub got its answer, and waits for the job. */
async function drive(event: string, payload: object): Promise<Write[]> {
  const before = github.writes.length
  expect(await post(event, payload)).toBe(200)
  await app.queue.onIdle()
  return github.writes.slice(before)
}

beforeAll(async () => {
  isolateNetwork()
  github = new GitHubFake('Codertocat', 'Hello-World', { id: 1, slug: 'dba-review' }, clock.read)
  github.install()
  github.trees.set(BASE, baseTree)
  github.trees.set(HEAD, head)
  github.pulls.set(PR, { number: PR, author: { login: 'erin', type: 'User' }, state: 'open', merged: false, headSha: HEAD, baseSha: BASE, baseRef: 'master', files })
  github.teams.set('Octocoders/dba', new Map([['dana', 'active']]))
  github.permissions.set('dana', 'write')
  reviews = new ReviewThread({ backend: 'embedded' })
  app = await createTestApp({ reviewChange: reviews.review, clock: clock.read })
  const middleware = await createNodeMiddleware(app.appFn, { probot: app.probot })
  http = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()))
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
}, 120_000)

afterAll(async () => {
  await new Promise((resolve) => http.close(resolve))
  await reviews.close()
})

describe('end to end: opened → approved → README push → migration push', () => {
  it('pull_request.opened: lint and replay, then the check run, the sticky comment and the inline review', async () => {
    clock.tick()
    const writes = await drive('pull_request', examplePayload('pull_request', 'opened'))
    expect(app.queue.failures).toEqual([])
    expect(traffic.problems).toEqual([])
    expect(traffic.unmatched).toEqual([])
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      'POST /repos/Codertocat/Hello-World/check-runs',
      `PATCH /repos/Codertocat/Hello-World/check-runs/${github.checkRuns[0]!.id}`,
      'POST /repos/Codertocat/Hello-World/issues/2/comments',
      'POST /repos/Codertocat/Hello-World/pulls/2/reviews',
    ])
    expect(stable(writes)).toMatchSnapshot()
    const run = github.latestRun(HEAD)!
    expect(run.conclusion).toBe('action_required')
    expect(run.summary).toMatch(/\*\*Replay\*\* on PostgreSQL 16\.\d+ \(embedded\): ✅ passed/)
    expect(run.summary).toContain('| `public.orders` | ACCESS EXCLUSIVE |')
    expect(github.stickyComment(PR)!.body).toContain('```mermaid\ngantt')
    expect(github.reviewComments.get(PR)!.map((c) => c.body.match(/```suggestion\n([^`]*)\n```/)?.[1])).toEqual([
      'SET LOCAL lock_timeout = \'5s\';\nALTER TABLE "orders" ADD COLUMN "created_at" timestamp;',
      'ALTER TABLE "orders" ADD COLUMN "created_at" timestamp with time zone;',
    ])
  })

  it('/dba-approve by a DBA: the check passes, the comment is acknowledged', async () => {
    clock.tick()
    const approval = github.addComment(PR, 'dana', '/dba-approve replay shows a 1 ms ACCESS EXCLUSIVE on an empty table')
    const writes = await drive('issue_comment', commentEvent('created', approval))
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      `PATCH /repos/Codertocat/Hello-World/check-runs/${github.latestRun(HEAD)!.id}`,
      `PATCH /repos/Codertocat/Hello-World/issues/comments/${github.stickyComment(PR)!.id}`,
      `POST /repos/Codertocat/Hello-World/issues/comments/${approval.id}/reactions`,
    ])
    expect(github.latestRun(HEAD)).toMatchObject({ conclusion: 'success', title: 'Approved by @dana · 2 warnings' })
    expect(github.reactions).toEqual([{ commentId: approval.id, content: '+1' }])
  })

  it('a push that changes only the README keeps the approval (same content fingerprint)', async () => {
    clock.tick()
    github.trees.set(README_HEAD, { ...head, 'README.md': '# Hello-World\n\nInvoices soon.\n' })
    Object.assign(github.pulls.get(PR)!, { headSha: README_HEAD, files: [...files, { path: 'README.md', status: 'modified', patch: '@@ -1 +1,3 @@\n # Hello-World\n+\n+Invoices soon.' }] })
    const writes = await drive('pull_request', pullEvent('synchronize', README_HEAD))
    // No new lint or replay: a completed run for the new commit, with the annotations, and the comment's commit line.
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual(['POST /repos/Codertocat/Hello-World/check-runs', `PATCH /repos/Codertocat/Hello-World/issues/comments/${github.stickyComment(PR)!.id}`])
    expect(github.latestRun(README_HEAD)).toMatchObject({ conclusion: 'success', title: 'Approved by @dana · 2 warnings' })
    expect(github.latestRun(README_HEAD)!.annotations).toHaveLength(2)
  })

  it('a push that changes the migration needs a new approval', async () => {
    clock.tick()
    const changed = `SET lock_timeout = '2s';--> statement-breakpoint\n${migration}`
    github.trees.set(CHANGED_HEAD, { ...head, 'drizzle/0001_created_at.sql': changed })
    Object.assign(github.pulls.get(PR)!, { headSha: CHANGED_HEAD, files: [{ ...files[0]!, content: changed }, files[1]!] })
    const writes = await drive('pull_request', pullEvent('synchronize', CHANGED_HEAD))
    expect(app.queue.failures).toEqual([])
    const run = github.latestRun(CHANGED_HEAD)!
    expect(run).toMatchObject({ conclusion: 'action_required', title: 'Waiting for DBA approval · 1 warning' })
    expect(github.stickyComment(PR)!.body).toContain('changed since @dana approved')
    // The lock_timeout finding is gone: its inline comment is marked resolved, not re-posted; the other stays as it was.
    expect(writes.map((w) => `${w.method} ${w.path.replace(/\d+$/, 'N')}`)).toEqual([
      'POST /repos/Codertocat/Hello-World/check-runs',
      'PATCH /repos/Codertocat/Hello-World/check-runs/N',
      'PATCH /repos/Codertocat/Hello-World/issues/comments/N',
      'PATCH /repos/Codertocat/Hello-World/pulls/comments/N',
    ])
    expect(github.reviewComments.get(PR)!.map((c) => c.body.includes('✅ Resolved'))).toEqual([true, false])
    expect(traffic.problems).toEqual([])
    expect(traffic.unmatched).toEqual([])
  })
})
