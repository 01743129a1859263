import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isolateNetwork } from '../mocks/probot.js'
import { CODEOWNERS, journal } from '../mocks/fixture-repo.js'
import { BASE, HEAD, PR, buttonEvent, cleanFiles, cleanHead, commentEvent, openScenario, pullEvent, resetScenario, scenarioProblems, type Scenario } from '../mocks/scenario.js'

/**
 * Attempts to get the `dba-review` check to pass without a valid DBA approval. Every test ends on the
 * current head with `action_required` and checks that no `success` was ever written where none was due.
 * PR #2 is opened by erin, an active member of @Octocoders/dba (who own /drizzle/ on the base branch).
 */

const NEW_HEAD = '1111111111111111111111111111111111111111'
const changedSql = `CREATE TABLE "invoices" (\n\t"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY NOT NULL,\n\t"order_id" bigint NOT NULL,\n\t"total_cents" bigint NOT NULL,\n\t"note" text\n);\n`

let s: Scenario
beforeAll(isolateNetwork)
beforeEach(resetScenario)
afterEach(() => {
  expect(scenarioProblems(s)).toEqual({ unmatched: [], invalid: [], failures: [] })
  // neutral and skipped would pass a required check: never written.
  expect(s.github.conclusions().filter((c) => !['success', 'failure', 'action_required'].includes(c))).toEqual([])
})

function expectBlocked(sha = s.github.pulls.get(PR)!.headSha): void {
  expect(s.run(sha).conclusion).toBe('action_required')
}

describe('approval bypass attempts (zero may succeed)', () => {
  it('control: an active DBA other than the author approves → success', async () => {
    s = await openScenario()
    expectBlocked()
    const c = await s.comment('dana', '/dba-approve reviewed the invoices table')
    expect(s.run().conclusion).toBe('success')
    expect(s.github.reactions).toEqual([{ commentId: c.id, content: '+1' }])
  })

  it('1. self-approval by the author, even though she is a DBA', async () => {
    s = await openScenario()
    await s.comment('erin', '/dba-approve')
    expectBlocked()
    expect(s.github.conclusions()).not.toContain('success')
    expect(s.github.replies(PR)).toEqual(['@erin `/dba-approve` was not accepted: the pull request author cannot approve their own change.'])
  })

  it('2. a DBA\'s comment edited into an approval by someone else', async () => {
    s = await openScenario()
    s.clock.tick()
    const original = s.github.addComment(PR, 'dana', 'I will look at this tomorrow')
    s.clock.tick()
    Object.assign(original, { body: '/dba-approve', updatedAt: s.github.now() })
    await s.send('issue_comment', { ...commentEvent('edited', original, PR, 'erin'), changes: { body: { from: 'I will look at this tomorrow' } } })
    expectBlocked()
    expect(s.github.conclusions()).not.toContain('success')
    expect(s.run().summary).toContain('the comment was edited after it was posted')
    expect(s.app.logs.some((l) => l.msg === 'a command comment was edited; edited comments never count' && l.editor === 'erin')).toBe(true)
  })

  it('3. a bot comments the command', async () => {
    s = await openScenario()
    const writes = s.github.writes.length
    await s.comment('renovate[bot]', '/dba-approve')
    expectBlocked()
    // Bot comments are not even parsed: no job, no write.
    expect(s.github.writes.length).toBe(writes)
  })

  it('4. a pending member of the DBA team', async () => {
    s = await openScenario()
    await s.comment('pat', '/dba-approve')
    expectBlocked()
    expect(s.github.replies(PR)[0]).toContain('membership of @Octocoders/dba is pending')
  })

  it('5. a non-owner with write access', async () => {
    s = await openScenario()
    await s.comment('mallory', '/dba-approve')
    expectBlocked()
    expect(s.github.replies(PR)[0]).toContain('@mallory is not an approver')
  })

  it('6. an owner of other paths only', async () => {
    s = await openScenario()
    await s.comment('ann', '/dba-approve')
    expectBlocked()
    expect(s.github.replies(PR)[0]).toContain('@ann is not an approver')
  })

  it('7. approval on a closed pull request', async () => {
    s = await openScenario()
    s.github.pulls.get(PR)!.state = 'closed'
    await s.comment('dana', '/dba-approve')
    expect(s.github.conclusions()).not.toContain('success')
    expect(s.github.replies(PR)[0]).toContain('nothing to approve')
  })

  it('8. stale fingerprint: a push that changes the migration after approval', async () => {
    s = await openScenario()
    await s.comment('dana', '/dba-approve')
    expect(s.run().conclusion).toBe('success')
    await s.push(NEW_HEAD, { ...cleanHead, 'drizzle/0001_invoices.sql': changedSql }, [{ path: 'drizzle/0001_invoices.sql', status: 'added', content: changedSql }, cleanFiles[1]!])
    expectBlocked(NEW_HEAD)
    expect(s.github.stickyComment(PR)?.body).toContain('changed since @dana approved')
  })

  it('9. a forged "Approve as DBA" click by a non-owner', async () => {
    s = await openScenario()
    await s.send('check_run', buttonEvent(s.run(), 'mallory', 'dba-approve'))
    expectBlocked()
    expect(s.github.replies(PR)[0]).toContain('`Approve as DBA` was not accepted: @mallory is not an approver')
  })

  it('9b. a click on the button of an older run (older content) by a DBA', async () => {
    s = await openScenario()
    const old = s.run()
    await s.push(NEW_HEAD, { ...cleanHead, 'drizzle/0001_invoices.sql': changedSql }, [{ path: 'drizzle/0001_invoices.sql', status: 'added', content: changedSql }, cleanFiles[1]!])
    await s.send('check_run', buttonEvent(old, 'dana', 'dba-approve'))
    expectBlocked(NEW_HEAD)
    expect(s.github.replies(PR)[0]).toContain('given for earlier content')
  })

  it('10. a pull request that edits CODEOWNERS to make its author (and a friend) owners', async () => {
    const ownersAdded = `${CODEOWNERS}/drizzle/ @mallory @erin\n`
    s = await openScenario({ head: { ...cleanHead, '.github/CODEOWNERS': ownersAdded }, files: [...cleanFiles, { path: '.github/CODEOWNERS', status: 'modified', patch: '@@ -1,0 +1,1 @@\n+/drizzle/ @mallory @erin' }] })
    await s.comment('mallory', '/dba-approve')
    await s.comment('erin', '/dba-approve')
    expectBlocked()
    expect(s.github.replies(PR)).toEqual([
      expect.stringContaining('@mallory is not an approver'),
      expect.stringContaining('the pull request author cannot approve'),
    ])
  })

  it('11. a pull request that edits dba-review.yml (and nothing else) to name its own approver', async () => {
    const config = 'approval:\n  useCodeowners: false\n  users: [mallory]\n'
    s = await openScenario({ head: { ...cleanHead, '.github/dba-review.yml': config }, files: [{ path: '.github/dba-review.yml', status: 'modified', patch: '@@ -1,0 +1,3 @@\n+approval:' }] })
    expectBlocked()
    expect(s.run().summary).toContain('Only files that control the gate changed')
    await s.comment('mallory', '/dba-approve')
    expectBlocked()
    expect(s.github.replies(PR)[0]).toContain('@mallory is not an approver')
  })

  it('12. a duplicate delivery of an approval replayed after a push', async () => {
    s = await openScenario()
    s.clock.tick()
    const approval = s.github.addComment(PR, 'dana', '/dba-approve')
    await s.send('issue_comment', commentEvent('created', approval), 'approval-delivery')
    expect(s.run().conclusion).toBe('success')
    await s.push(NEW_HEAD, { ...cleanHead, 'drizzle/0001_invoices.sql': changedSql }, [{ path: 'drizzle/0001_invoices.sql', status: 'added', content: changedSql }, cleanFiles[1]!])
    const writes = s.github.writes.length
    await s.send('issue_comment', commentEvent('created', approval), 'approval-delivery')
    expect(s.github.writes.length).toBe(writes)
    expectBlocked(NEW_HEAD)
  })

  it('13. out-of-order events: an approval given before a push, delivered after it', async () => {
    s = await openScenario()
    s.clock.tick()
    const approval = s.github.addComment(PR, 'dana', '/dba-approve')
    // The push happens after the comment, and GitHub delivers the synchronize event first.
    await s.push(NEW_HEAD, { ...cleanHead, 'drizzle/0001_invoices.sql': changedSql }, [{ path: 'drizzle/0001_invoices.sql', status: 'added', content: changedSql }, cleanFiles[1]!])
    await s.send('issue_comment', commentEvent('created', approval))
    expectBlocked(NEW_HEAD)
    expect(s.github.conclusions()).not.toContain('success')
  })

  it('13b. out-of-order events: the comment event arrives before the synchronize event of an earlier push', async () => {
    s = await openScenario()
    s.clock.tick()
    const approval = s.github.addComment(PR, 'dana', '/dba-approve')
    s.clock.tick()
    // The push already happened on GitHub, but its webhook has not arrived yet.
    s.github.trees.set(NEW_HEAD, { ...cleanHead, 'drizzle/0001_invoices.sql': changedSql })
    Object.assign(s.github.pulls.get(PR)!, { headSha: NEW_HEAD })
    await s.send('issue_comment', commentEvent('created', approval))
    await s.send('pull_request', pullEvent('synchronize', NEW_HEAD))
    expectBlocked(NEW_HEAD)
    expect(s.github.conclusions()).not.toContain('success')
  })

  it('14. an approval comment on another pull request', async () => {
    s = await openScenario()
    const other = '3333333333333333333333333333333333333333'
    s.github.trees.set(other, cleanHead)
    s.github.pulls.set(3, { ...s.github.pulls.get(PR)!, number: 3, headSha: other })
    await s.comment('dana', '/dba-approve', {}, 3)
    expect(s.github.latestRun(other)!.conclusion).toBe('success')
    expectBlocked(HEAD)
    expect(s.github.latestRun(HEAD)!.conclusion).toBe('action_required')
  })

  it('15. an approving review of an old head whose migration has changed since', async () => {
    s = await openScenario()
    await s.push(NEW_HEAD, { ...cleanHead, 'drizzle/0001_invoices.sql': changedSql }, [{ path: 'drizzle/0001_invoices.sql', status: 'added', content: changedSql }, cleanFiles[1]!])
    s.clock.tick()
    s.github.reviews.set(PR, [{ id: 501, login: 'dana', state: 'APPROVED', commitId: HEAD, submittedAt: s.github.now() }])
    const review = (await import('../mocks/probot.js')).examplePayload('pull_request_review', 'submitted') as unknown as { review: Record<string, unknown> & { user: { login: string } }; pull_request: { number: number } }
    Object.assign(review.review, { id: 501, state: 'approved', commit_id: HEAD })
    review.review.user.login = 'dana'
    review.pull_request.number = PR
    await s.send('pull_request_review', review)
    expectBlocked(NEW_HEAD)
    expect(s.run().summary).toContain('given for earlier content')
  })

  it('16. a revoked approval', async () => {
    s = await openScenario()
    await s.comment('dana', '/dba-approve')
    expect(s.run().conclusion).toBe('success')
    await s.comment('dana', '/dba-revoke')
    expectBlocked()
  })

  it('17. a quoted command and a command mid-sentence from a DBA', async () => {
    s = await openScenario()
    await s.comment('dana', '> /dba-approve\n\nWhy did you write this?')
    await s.comment('dana', 'I would /dba-approve once the index is concurrent')
    expectBlocked()
  })

  it('18. a DBA team member without write access', async () => {
    s = await openScenario()
    s.github.permissions.set('dana', 'read')
    await s.comment('dana', '/dba-approve')
    expectBlocked()
    expect(s.github.replies(PR)[0]).toContain('has read access')
  })

  it('19. a comment forged with the app\'s own login', async () => {
    s = await openScenario()
    const writes = s.github.writes.length
    await s.comment('dba-review[bot]', '/dba-approve')
    expectBlocked()
    expect(s.github.writes.length).toBe(writes)
  })

  it('20. a CODEOWNERS file GitHub reports errors for fails closed, even with a DBA approval', async () => {
    s = await openScenario()
    s.github.codeownersErrors = [{ line: 2, message: 'Unknown owner on line 2' }]
    await s.comment('dana', '/dba-approve')
    expect(s.run().conclusion).toBe('failure')
    expect(s.github.conclusions()).not.toContain('success')
    expect(s.github.replies(PR)[0]).toContain('fails closed until this is fixed: .github/CODEOWNERS on the base branch has errors')
  })
})

describe('approvals that must keep working', () => {
  it('a README-only push keeps the approval', async () => {
    s = await openScenario()
    await s.comment('dana', '/dba-approve')
    await s.push(NEW_HEAD, { ...cleanHead, 'README.md': '# Hello-World\n\nNow with invoices.\n' }, [...cleanFiles, { path: 'README.md', status: 'modified', patch: '@@ -1,1 +1,3 @@\n # Hello-World\n+\n+Now with invoices.' }])
    expect(s.run(NEW_HEAD).conclusion).toBe('success')
  })

  it('"Approve as DBA" by a DBA counts like the comment', async () => {
    s = await openScenario()
    await s.send('check_run', buttonEvent(s.run(), 'dana', 'dba-approve'))
    expect(s.run().conclusion).toBe('success')
    expect(s.github.replies(PR)).toEqual([])
  })

  it('an approving review by a DBA on the current head counts', async () => {
    s = await openScenario()
    s.clock.tick()
    s.github.reviews.set(PR, [{ id: 502, login: 'dana', state: 'APPROVED', commitId: HEAD, submittedAt: s.github.now() }])
    const review = (await import('../mocks/probot.js')).examplePayload('pull_request_review', 'submitted') as unknown as { review: Record<string, unknown> & { user: { login: string } }; pull_request: { number: number } }
    Object.assign(review.review, { id: 502, state: 'approved', commit_id: HEAD })
    review.review.user.login = 'dana'
    review.pull_request.number = PR
    await s.send('pull_request_review', review)
    expect(s.run().conclusion).toBe('success')
  })
})
