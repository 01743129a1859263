import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mock, traffic } from '../mocks/github.js'
import { TestOctokit, gitHubProblems, isolateNetwork, resetGitHub } from '../mocks/probot.js'

const octokit = new TestOctokit({ auth: 'ghs_test' })

beforeAll(isolateNetwork)
afterEach(resetGitHub)

describe('the GitHub test boundary itself', () => {
  it('answers a request GitHub would reject with 422 and records why', async () => {
    mock.createCheckRun(1)
    await expect(octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'Codertocat', repo: 'Hello-World', name: 'dba-review', head_sha: 'a', conclusion: 'passed' as never })).rejects.toMatchObject({ status: 422 })
    expect(gitHubProblems().invalid.join('\n')).toContain('/conclusion must be equal to one of the allowed values')
  })

  it('records requests no builder expected', async () => {
    await expect(octokit.rest.pulls.get({ owner: 'Codertocat', repo: 'Hello-World', pull_number: 9 })).rejects.toThrow()
    expect(gitHubProblems().unmatched).toEqual(['GET api.github.com/repos/Codertocat/Hello-World/pulls/9'])
  })

  it('keeps what was sent, for assertions on request bodies', async () => {
    mock.createComment(2, 5)
    await octokit.rest.issues.createComment({ owner: 'Codertocat', repo: 'Hello-World', issue_number: 2, body: 'hello' })
    expect(traffic.requests).toEqual([{ method: 'POST', path: '/repos/Codertocat/Hello-World/issues/2/comments', body: { body: 'hello' } }])
  })
})
