import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, deliver, examplePayload, isolateNetwork } from '../mocks/probot.js'
import { traffic } from '../mocks/github.js'
import { addIndexSql, headTree, indexFinding, journal, baseTree } from '../mocks/fixture-repo.js'
import { recordingReview } from '../mocks/review.js'
import { HEAD, PR, commentEvent, openScenario, resetScenario, scenarioProblems, type Scenario } from '../mocks/scenario.js'

let s: Scenario
beforeAll(isolateNetwork)
beforeEach(resetScenario)
afterEach(() => expect(scenarioProblems(s)).toEqual({ unmatched: [], invalid: [], failures: [] }))

const indexFiles = [
  { path: 'drizzle/0001_orders_index.sql', status: 'added' as const, content: addIndexSql },
  { path: 'drizzle/meta/_journal.json', status: 'modified' as const, patch: '@@ -1,1 +1,1 @@\n-{}\n+{}' },
]

describe('commands', () => {
  it('/dba-help answers with the commands and this pull request\'s approvers', async () => {
    s = await openScenario()
    const c = await s.comment('mallory', '/dba-help')
    expect(s.github.replies(PR)).toEqual([expect.stringContaining('`/dba-approve [note]`: approve the reviewed migrations')])
    expect(s.github.replies(PR)[0]).toContain('Approvers for this pull request: @Octocoders/dba.')
    expect(s.github.reactions).toEqual([{ commentId: c.id, content: '+1' }])
  })

  it('/dba-recheck by the author lints again into a new check run', async () => {
    const review = recordingReview([])
    s = await openScenario({ review: review.fn })
    const runs = s.github.checkRuns.length
    const c = await s.comment('erin', '/dba-recheck')
    expect(review.calls).toHaveLength(2)
    expect(s.github.checkRuns.length).toBe(runs + 1)
    expect(s.github.reactions).toEqual([{ commentId: c.id, content: 'rocket' }])
  })

  it('/dba-recheck by someone without write access is refused', async () => {
    const review = recordingReview([])
    s = await openScenario({ review: review.fn })
    s.github.permissions.set('visitor', 'read')
    await s.comment('visitor', '/dba-recheck')
    expect(review.calls).toHaveLength(1)
    expect(s.github.replies(PR)).toEqual(['@visitor `/dba-recheck` was not accepted: only the author and people with write access can start a new review.'])
  })

  it('an approval GitHub does not list yet is looked at again shortly, then acknowledged', async () => {
    s = await openScenario()
    s.clock.tick()
    const approval = { id: s.github.id(), login: 'dana', type: 'User', body: '/dba-approve', createdAt: s.github.now(), updatedAt: s.github.now() }
    // The webhook arrives before the comment shows in GitHub's list; it appears a moment later.
    setTimeout(() => s.github.comments.set(PR, [...(s.github.comments.get(PR) ?? []), approval]), 300)
    await s.send('issue_comment', commentEvent('created', approval))
    expect(s.app.logs.filter((l) => l.msg === 'job hit a retryable error; re-queued')).toHaveLength(1)
    expect(s.run().conclusion).toBe('success')
    expect(s.github.reactions).toEqual([{ commentId: approval.id, content: '+1' }])
  })

  it('an ordinary comment costs no API call at all', async () => {
    s = await openScenario()
    const writes = s.github.writes.length
    await s.comment('mallory', 'Looks good to me!')
    expect(s.github.writes.length).toBe(writes)
  })
})

describe('check_run', () => {
  it('Re-run on a fork push (no pull request in the payload) finds the pull request and reviews again', async () => {
    const review = recordingReview([])
    s = await openScenario({ review: review.fn })
    const payload = examplePayload('check_run', 'rerequested') as unknown as { check_run: Record<string, unknown> & { app: { id: number } }; repository: object; installation: { id: number } }
    Object.assign(payload.check_run, { id: s.run().id, name: 'dba-review', head_sha: HEAD, pull_requests: [] })
    payload.check_run.app.id = 1
    payload.repository = examplePayload('pull_request', 'opened').repository
    payload.installation = { id: 1 }
    // A restarted app knows nothing about the head SHA: GitHub is asked which pull request it heads.
    const restarted = await createTestApp({ reviewChange: review.fn })
    await deliver(restarted, 'check_run', payload, 'd-rerun')
    await restarted.queue.onIdle()
    expect(restarted.queue.failures).toEqual([])
    expect(traffic.requests.some((r) => r.method === 'GET' && r.path === `/repos/Codertocat/Hello-World/commits/${HEAD}/pulls`)).toBe(true)
    expect(review.calls).toHaveLength(2)
    expect(s.github.latestRun(HEAD)?.conclusion).toBe('action_required')
  })
})

describe('inline comments across pushes', () => {
  it('are posted once; a push that keeps the finding posts nothing new; fixing it marks the comment resolved', async () => {
    const findings = [indexFinding('warning')]
    const review = recordingReview(findings)
    s = await openScenario({ head: headTree, files: indexFiles, review: review.fn })
    expect(s.github.reviewComments.get(PR)).toHaveLength(1)
    // A README push: same fingerprint, nothing reviewed or posted again.
    await s.push('2222222222222222222222222222222222222222', { ...headTree, 'README.md': '# Hello\n' }, [...indexFiles, { path: 'README.md', status: 'modified', patch: '@@ -1 +1 @@\n+# Hello' }])
    expect(review.calls).toHaveLength(1)
    expect(s.github.reviewComments.get(PR)).toHaveLength(1)
    // A push that changes the migration but keeps the flagged statement: reviewed again, same comment kept.
    const more = `${addIndexSql}--> statement-breakpoint\nSELECT 1;\n`
    await s.push('3333333333333333333333333333333333333333', { ...headTree, 'drizzle/0001_orders_index.sql': more }, [{ ...indexFiles[0]!, content: more }, indexFiles[1]!])
    expect(review.calls).toHaveLength(2)
    expect(s.github.reviewComments.get(PR)).toHaveLength(1)
    // The fix: the finding is gone, the earlier comment says so.
    findings.length = 0
    const fixed = 'CREATE INDEX CONCURRENTLY "orders_user_id_idx" ON "orders" ("user_id");\n'
    await s.push('4444444444444444444444444444444444444444', { ...headTree, 'drizzle/0001_orders_index.sql': fixed }, [{ ...indexFiles[0]!, content: fixed }, indexFiles[1]!])
    const [comment] = s.github.reviewComments.get(PR)!
    expect(comment!.body).toContain('✅ Resolved: no longer reported.')
    expect(s.github.reviewComments.get(PR)).toHaveLength(1)
  })
})

describe('the sticky comment', () => {
  it('is one comment, edited in place, and a pull request that drops its migrations gets the no-changes text', async () => {
    s = await openScenario()
    const sticky = s.github.stickyComment(PR)!
    await s.push('5555555555555555555555555555555555555555', { ...baseTree, 'drizzle/meta/_journal.json': journal(['0000_init']), 'README.md': 'x\n' }, [{ path: 'README.md', status: 'modified', patch: '@@ -1 +1 @@\n+x' }])
    const comments = s.github.comments.get(PR)!.filter((c) => c.body.startsWith('<!-- dba-review:sticky -->'))
    expect(comments.map((c) => c.id)).toEqual([sticky.id])
    expect(comments[0]!.body).toContain('no schema or migration changes')
    expect(s.run().conclusion).toBe('success')
  })
})
