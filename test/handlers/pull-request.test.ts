import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { mock, sent, traffic } from '../mocks/github.js'
import { examplePayload, createTestApp, deliver, gitHubProblems, isolateNetwork, resetGitHub } from '../mocks/probot.js'
import { recordingReview } from '../mocks/review.js'
import { baseTree, changedFiles, headTree, indexFinding } from '../mocks/fixture-repo.js'

const payload = examplePayload('pull_request', 'opened')
const PR = payload.pull_request
const base = PR.base.sha
const head = PR.head.sha

beforeAll(isolateNetwork)
beforeEach(resetGitHub)
afterEach(() => expect(gitHubProblems()).toEqual({ pending: [], unmatched: [], invalid: [] }))

describe('pull_request.opened', () => {
  it('reviews the change, then writes the check run, the sticky comment and the inline review', async () => {
    const review = recordingReview([indexFinding('warning')])
    const app = await createTestApp({ reviewChange: review.fn })
    mock.app()
    mock.installationToken()
    mock.pull({ number: PR.number, headSha: head, baseSha: base })
    mock.tree(base, baseTree)
    mock.pullFiles(PR.number, changedFiles)
    mock.tree(head, headTree)
    mock.createCheckRun(7)
    mock.comments(PR.number, [])
    mock.reviews(PR.number)
    mock.codeownersErrors(base)
    mock.updateCheckRun(7)
    mock.createComment(PR.number)
    mock.reviewComments(PR.number)
    mock.createReview(PR.number)

    await deliver(app, 'pull_request', payload, 'delivery-1')
    await app.queue.onIdle()

    expect(app.queue.failures).toEqual([])
    expect(review.calls).toEqual([{ base: `master (${base.slice(0, 7)})`, head: `head (${head.slice(0, 7)})`, changedFiles: ['drizzle/0001_orders_index.sql', 'drizzle/meta/_journal.json'] }])
    expect(traffic.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toMatchInlineSnapshot(`
      [
        "GET /app",
        "POST /app/installations/1/access_tokens",
        "GET /repos/Codertocat/Hello-World/pulls/2",
        "GET /repos/Codertocat/Hello-World/git/trees/f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
        "GET /repos/Codertocat/Hello-World/git/blobs/f2f8e950b2294b9fbdbdf45cc0da610f6e466ebd",
        "GET /repos/Codertocat/Hello-World/pulls/2/files",
        "GET /repos/Codertocat/Hello-World/git/trees/ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        "POST /repos/Codertocat/Hello-World/check-runs",
        "GET /repos/Codertocat/Hello-World/git/blobs/0cfea7bb905a4350a5f98849dc58d0282a3b2789",
        "GET /repos/Codertocat/Hello-World/git/blobs/4a59501f5b0dc5942e23d4a5f9aeb1a96636619c",
        "GET /repos/Codertocat/Hello-World/codeowners/errors",
        "GET /repos/Codertocat/Hello-World/issues/2/comments",
        "GET /repos/Codertocat/Hello-World/pulls/2/reviews",
        "PATCH /repos/Codertocat/Hello-World/check-runs/7",
        "POST /repos/Codertocat/Hello-World/issues/2/comments",
        "GET /repos/Codertocat/Hello-World/pulls/2/comments",
        "POST /repos/Codertocat/Hello-World/pulls/2/reviews",
      ]
    `)
    expect(sent('PATCH', '/repos/Codertocat/Hello-World/check-runs/7').map((r) => r.body)).toMatchInlineSnapshot(`
      [
        {
          "actions": [
            {
              "description": "Approve this content (DBA owners only)",
              "identifier": "dba-approve",
              "label": "Approve as DBA",
            },
            {
              "description": "Lint and replay this commit again",
              "identifier": "rerun",
              "label": "Re-run review",
            },
          ],
          "conclusion": "action_required",
          "external_id": "b2deb455c692223f051ec3fd32b943fcb3ccef4a740c1fcd86e710c6df0c3f26",
          "output": {
            "annotations": [
              {
                "annotation_level": "warning",
                "end_column": 59,
                "end_line": 1,
                "message": "Index orders_user_id_idx on existing table orders is built without CONCURRENTLY: writes to orders are blocked for the whole build.",
                "path": "drizzle/0001_orders_index.sql",
                "start_column": 1,
                "start_line": 1,
                "title": "require-concurrent-index-creation (lint)",
              },
            ],
            "summary": "## ⏳ Waiting for DBA approval · 1 warning

      **Findings:** 0 errors · 1 warning · 0 notices

      Reviewed \`0001_orders_index\` (added) in \`drizzle/\` (drizzle layout, transaction mode \`all-pending\`).

      ### Findings
      | | Rule | Where | Finding |
      |---|---|---|---|
      | ⚠️ | [require-concurrent-index-creation](https://github.com/acme/dba-review/blob/HEAD/docs/rules/require-concurrent-index-creation.md) | \`drizzle/0001_orders_index.sql:1\` | Index orders_user_id_idx on existing table orders is built without CONCURRENTLY: writes to orders are blocked for the whole build. |

      ### Approval
      Waiting for DBA approval from @Octocoders/dba.
      - \`drizzle/0001_orders_index.sql\`, \`drizzle/meta/_journal.json\`: @Octocoders/dba

      ### Next step
      A DBA (@Octocoders/dba) reviews the change and comments \`/dba-approve\`.

      <sub>Commit \`ec26c3e\` · content fingerprint \`b2deb455c692\`</sub>",
            "title": "Waiting for DBA approval · 1 warning",
          },
          "status": "completed",
        },
      ]
    `)
  })
})
