import { describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { buildCheckVerdict } from '../../src/gate/check-verdict.js'
import type { GateVerdict } from '../../src/gate/evaluate-gate.js'
import { lintChange } from '../../src/lint/engine.js'
import type { Finding } from '../../src/lint/finding.js'
import { batchAnnotations, renderCheckRun, renderNoChangesCheck, renderSetupFailureCheck } from '../../src/report/render-check-run.js'
import { buildCommentableLines, buildInlineComments, buildSuggestion, planInlineComments } from '../../src/report/render-inline-comments.js'
import { renderHelpReply, renderRejectionReply } from '../../src/report/render-replies.js'
import { COMMENT_LIMIT, renderStickyComment } from '../../src/report/render-sticky-comment.js'
import { allRules } from '../../rules/index.js'
import { changeOf } from '../helpers/lint-sql.js'
import { findings, migrationText, outcomeOf, reportOf, waitingGate } from './outcome-fixtures.js'
import { replayFixture } from './replay-fixture.js'

const CHECK_URL = 'https://github.com/acme/shop/runs/4'
const approvedGate: GateVerdict = {
  ...waitingGate,
  state: 'approved',
  summary: 'Approved by @dana.',
  approvedBy: [{ login: 'dana', via: 'comment', at: '2026-03-01T10:05:00Z', ref: 12, note: 'index is small' }],
}
const newFilePatch = `@@ -0,0 +1,3 @@\n${migrationText.trimEnd().split('\n').map((l) => `+${l}`).join('\n')}`
const patches = new Map([['drizzle/0007_orders_index.sql', newFilePatch]])
const files = new Map([['drizzle/0007_orders_index.sql', migrationText]])

describe('renderCheckRun', () => {
  it('waiting for approval: action_required with both buttons, one annotation per finding', () => {
    const warningsOnly = reportOf(findings.filter((f) => f.severity !== 'error'))
    const render = renderCheckRun(outcomeOf(warningsOnly, waitingGate, buildCheckVerdict(warningsOnly, waitingGate, '/dba-approve')))
    expect(render.conclusion).toBe('action_required')
    expect(render.actions.map((a) => a.identifier)).toEqual(['dba-approve', 'rerun'])
    expect(render.annotations).toMatchInlineSnapshot(`
      [
        {
          "annotation_level": "warning",
          "end_column": 52,
          "end_line": 2,
          "message": "Column orders.note is varchar(20) | a length limit that needs a table rewrite to raise.",
          "path": "drizzle/0007_orders_index.sql",
          "start_column": 1,
          "start_line": 2,
          "title": "prefer-text-field (lint)",
        },
        {
          "annotation_level": "notice",
          "end_column": 30,
          "end_line": 3,
          "message": "Table legacy_sessions is dropped.",
          "path": "drizzle/0007_orders_index.sql",
          "start_column": 1,
          "start_line": 3,
          "title": "ban-drop-table (lint)",
        },
      ]
    `)
    expect(render.summary).toMatchInlineSnapshot(`
      "## ⏳ Waiting for DBA approval · 1 warning

      **Findings:** 0 errors · 1 warning · 1 notice

      Reviewed \`0007_orders_index\` (added) in \`drizzle/\` (drizzle layout, transaction mode \`all-pending\`).

      ### Findings
      | | Rule | Where | Finding |
      |---|---|---|---|
      | ⚠️ | [prefer-text-field](https://github.com/acme/dba-review/blob/HEAD/docs/rules/prefer-text-field.md) | \`drizzle/0007_orders_index.sql:2\` | Column orders.note is varchar(20) \\| a length limit that needs a table rewrite to raise. |
      | ℹ️ | [ban-drop-table](https://github.com/acme/dba-review/blob/HEAD/docs/rules/ban-drop-table.md) | \`drizzle/0007_orders_index.sql:3\` | Table legacy_sessions is dropped. |

      ### Approval
      Waiting for DBA approval from @acme/dba.
      - \`drizzle/0007_orders_index.sql\`, \`drizzle/meta/_journal.json\`: @acme/dba
      - ✖️ not counted: @mallory (comment, 2026-03-01 10:02 UTC): @mallory is not an approver for the changed schema and migration files (approvers: @acme/dba)

      ### Next step
      A DBA (@acme/dba) reviews the change and comments \`/dba-approve\`.

      <sub>Commit \`ec26c3e\` · content fingerprint \`3f2a9c0d5e6b\`</sub>"
    `)
  })

  it('error finding: failure, no approve button', () => {
    const report = reportOf(findings)
    const render = renderCheckRun(outcomeOf(report, approvedGate, buildCheckVerdict(report, approvedGate, '/dba-approve')))
    expect(render.conclusion).toBe('failure')
    expect(render.title).toBe('1 error, 1 warning')
    expect(render.actions.map((a) => a.identifier)).toEqual(['rerun'])
  })

  it('no changes and setup failures', () => {
    expect(renderNoChangesCheck()).toMatchInlineSnapshot(`
      {
        "actions": [],
        "annotations": [],
        "conclusion": "success",
        "summary": "This pull request changes no schema, migration, CODEOWNERS or dba-review config file, so there is nothing to review or approve.",
        "title": "No schema or migration changes",
      }
    `)
    expect(renderSetupFailureCheck('Invalid .github/dba-review.yml', ['rules.ban-drop-column: expected one of "error"|"warning"|"notice"|"off"'], 'Fix the file on main.').summary).toMatchInlineSnapshot(`
      "## ❌ Invalid .github/dba-review.yml

      - rules.ban-drop-column: expected one of "error"|"warning"|"notice"|"off"

      ### Next step
      Fix the file on main."
    `)
  })

  it('batches annotations 50 per request', () => {
    expect(batchAnnotations(Array.from({ length: 120 }, (_, i) => i)).map((b) => b.length)).toEqual([50, 50, 20])
    expect(batchAnnotations([])).toEqual([])
  })

  it('keeps the summary within 65,535 characters for thousands of findings', () => {
    const many: Finding[] = Array.from({ length: 3000 }, (_, i) => ({ ...(findings[1] as Finding), message: `finding ${i} `.padEnd(200, 'x') }))
    const report = reportOf(many)
    const render = renderCheckRun(outcomeOf(report, waitingGate, buildCheckVerdict(report, waitingGate, '/dba-approve')))
    expect(render.summary.length).toBeLessThanOrEqual(65_535)
    expect(render.summary).toContain('more findings: see the annotations')
    expect(render.annotations).toHaveLength(3000)
  })
})

describe('renderStickyComment', () => {
  it('findings: verdict line, table with rule links, approval, next step, folded details', () => {
    const report = reportOf(findings)
    expect(renderStickyComment(outcomeOf(report, waitingGate, buildCheckVerdict(report, waitingGate, '/dba-approve')), CHECK_URL)).toMatchInlineSnapshot(`
      "<!-- dba-review:sticky -->

      ### ❌ dba-review: 1 error, 1 warning

      **Findings:** 1 error · 1 warning · 1 notice

      | | Rule | Where | Finding |
      |---|---|---|---|
      | 🛑 | [require-concurrent-index-creation](https://github.com/acme/dba-review/blob/HEAD/docs/rules/require-concurrent-index-creation.md) | \`drizzle/0007_orders_index.sql:1\` | Index orders_user_id_idx on existing table orders is built without CONCURRENTLY: writes to orders are blocked for the whole build. — Use \`CREATE INDEX CONCURRENTLY\` in a migration that runs outside a transaction block. |
      | ⚠️ | [prefer-text-field](https://github.com/acme/dba-review/blob/HEAD/docs/rules/prefer-text-field.md) | \`drizzle/0007_orders_index.sql:2\` | Column orders.note is varchar(20) \\| a length limit that needs a table rewrite to raise. |
      | ℹ️ | [ban-drop-table](https://github.com/acme/dba-review/blob/HEAD/docs/rules/ban-drop-table.md) | \`drizzle/0007_orders_index.sql:3\` | Table legacy_sessions is dropped. |

      **Approval:** Waiting for DBA approval from @acme/dba.

      **Next step:** Fix the errors (see the annotations and suggestions), then push; approval cannot override them.

      <details><summary>Details</summary>

      **Reviewed:** \`drizzle/0007_orders_index.sql\` (added)

      **Approval**

      Waiting for DBA approval from @acme/dba.
      - \`drizzle/0007_orders_index.sql\`, \`drizzle/meta/_journal.json\`: @acme/dba
      - ✖️ not counted: @mallory (comment, 2026-03-01 10:02 UTC): @mallory is not an approver for the changed schema and migration files (approvers: @acme/dba)

      **Commands:** \`/dba-approve [note]\` approve (DBA owners) · \`/dba-revoke\` withdraw approval · \`/dba-recheck\` review again · \`/dba-help\` help

      </details>

      <sub>Commit \`ec26c3e\` · content fingerprint \`3f2a9c0d5e6b\` · [check run](https://github.com/acme/shop/runs/4)</sub>"
    `)
  })

  it('clean change: a short comment', () => {
    const report = reportOf([])
    expect(renderStickyComment(outcomeOf(report, approvedGate, buildCheckVerdict(report, approvedGate, '/dba-approve')), CHECK_URL)).toMatchInlineSnapshot(`
      "<!-- dba-review:sticky -->

      ### ✅ dba-review: Approved by @dana

      No findings in 1 migration. Approved by @dana.

      **Next step:** Nothing: the change may be merged.

      <sub>Commit \`ec26c3e\` · content fingerprint \`3f2a9c0d5e6b\` · [check run](https://github.com/acme/shop/runs/4)</sub>"
    `)
  })

  it('says when the content changed since an approval', () => {
    const report = reportOf([])
    const gate: GateVerdict = { ...waitingGate, rejected: [{ login: 'dana', via: 'comment', at: '2026-03-01T10:05:00Z', ref: 12, reason: 'given for earlier content', stale: true }] }
    expect(renderStickyComment(outcomeOf(report, gate, buildCheckVerdict(report, gate, '/dba-approve')), CHECK_URL)).toContain('changed since @dana approved')
  })

  it('stays under 65,536 characters and points to the check run when cut', () => {
    const many: Finding[] = Array.from({ length: 5000 }, (_, i) => ({ ...(findings[1] as Finding), message: `finding ${i} `.padEnd(300, 'y') }))
    const report = reportOf(many)
    const body = renderStickyComment(outcomeOf(report, waitingGate, buildCheckVerdict(report, waitingGate, '/dba-approve')), CHECK_URL)
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT)
    expect(body).toContain(`more findings: see the [check run](${CHECK_URL})`)
    expect(body).toContain('**Next step:**')
  })
})

describe('inline comments', () => {
  it('commentable lines are the added and context lines of each hunk', () => {
    const patch = '@@ -1,3 +1,4 @@\n a\n-b\n+c\n+d\n e\n@@ -10,2 +11,2 @@\n x\n+y\n\\ No newline at end of file'
    expect([...buildCommentableLines(patch)]).toEqual([[1, 0], [2, 0], [3, 0], [4, 0], [11, 1], [12, 1]])
  })

  it('a fix becomes a suggestion replacing whole lines', () => {
    expect(buildSuggestion(migrationText, findings[0]!.fix!)).toEqual({
      startLine: 1,
      endLine: 1,
      replacement: 'CREATE INDEX CONCURRENTLY "orders_user_id_idx" ON "orders" ("user_id");--> statement-breakpoint',
    })
  })

  it('the suggestion equals the real lint fix applied to the file', () => {
    const testCase = { sql: 'CREATE UNIQUE INDEX orders_user_id_idx\n  ON orders (user_id);', base: 'CREATE TABLE orders (id bigint, user_id bigint);' }
    const change = changeOf(testCase)
    const real = lintChange({ change, config: configSchema.parse({}), transactionMode: 'none', rules: allRules }).find((f) => f.fix)
    expect(real).toBeDefined()
    const suggestion = buildSuggestion(testCase.sql, real!.fix!)
    expect(suggestion?.replacement).toBe('CREATE UNIQUE INDEX CONCURRENTLY orders_user_id_idx')
  })

  it('comments on errors and warnings in the diff, with a suggestion where a fix exists', () => {
    const comments = buildInlineComments(findings, files, patches, 'https://docs.test/rules')
    expect(comments.map((c) => [c.path, c.line, c.startLine])).toEqual([
      ['drizzle/0007_orders_index.sql', 1, undefined],
      ['drizzle/0007_orders_index.sql', 2, undefined],
    ])
    expect(comments[0]!.body).toMatchInlineSnapshot(`
      "<!-- dba-review:finding fb7b1df09788b0d5 -->
      🛑 **[require-concurrent-index-creation](https://docs.test/rules/require-concurrent-index-creation.md)**: Index orders_user_id_idx on existing table orders is built without CONCURRENTLY: writes to orders are blocked for the whole build.

      Use \`CREATE INDEX CONCURRENTLY\` in a migration that runs outside a transaction block.

      Build the index with CONCURRENTLY:
      \`\`\`suggestion
      CREATE INDEX CONCURRENTLY "orders_user_id_idx" ON "orders" ("user_id");--> statement-breakpoint
      \`\`\`"
    `)
  })

  it('skips findings outside the diff', () => {
    const onlyLine3 = new Map([['drizzle/0007_orders_index.sql', '@@ -2,0 +3,1 @@\n+DROP TABLE "legacy_sessions";']])
    expect(buildInlineComments(findings, files, onlyLine3, 'https://docs.test/rules')).toEqual([])
  })

  it('a second run on the same findings writes nothing; a gone finding is marked resolved', () => {
    const desired = buildInlineComments(findings, files, patches, 'https://docs.test/rules')
    const existing = desired.map((c, i) => ({ id: 100 + i, body: c.body }))
    expect(planInlineComments(desired, existing)).toEqual({ create: [], update: [] })
    const plan = planInlineComments(desired.slice(1), existing)
    expect(plan.create).toEqual([])
    expect(plan.update).toHaveLength(1)
    expect(plan.update[0]!.id).toBe(100)
    expect(plan.update[0]!.body).toContain('resolved -->')
    // Once resolved, it stays put.
    expect(planInlineComments(desired.slice(1), [{ id: 100, body: plan.update[0]!.body }, existing[1]!])).toEqual({ create: [], update: [] })
  })

  it('keys do not depend on the line: a finding that moved is not posted again', () => {
    const shifted = `-- a comment added above\n${migrationText}`
    const moved = findings.map((f) => ({
      ...f,
      range: {
        start: { ...f.range.start, line: f.range.start.line + 1, offset: f.range.start.offset + 25 },
        end: { ...f.range.end, line: f.range.end.line + 1, offset: f.range.end.offset + 25 },
      },
      ...(f.fix ? { fix: { ...f.fix, edits: f.fix.edits.map((e) => ({ ...e, start: e.start + 25, end: e.end + 25 })) } } : {}),
    }))
    const before = buildInlineComments(findings, files, patches, 'u')
    const after = buildInlineComments(moved, new Map([['drizzle/0007_orders_index.sql', shifted]]), new Map([['drizzle/0007_orders_index.sql', `@@ -0,0 +1,4 @@\n${shifted.trimEnd().split('\n').map((l) => `+${l}`).join('\n')}`]]), 'u')
    expect(after.map((c) => c.key)).toEqual(before.map((c) => c.key))
  })
})

describe('replies', () => {
  it('rejection and help', () => {
    expect(renderRejectionReply('mallory', '/dba-approve', 'the pull request author cannot approve their own change')).toMatchInlineSnapshot(`"@mallory \`/dba-approve\` was not accepted: the pull request author cannot approve their own change."`)
    expect(renderHelpReply('/dba-approve', waitingGate)).toMatchInlineSnapshot(`
      "**dba-review commands** (comment them on their own line, in a new comment):
      - \`/dba-approve [note]\`: approve the reviewed migrations (DBA owners of the changed paths; not the author)
      - \`/dba-revoke\`: withdraw approval
      - \`/dba-recheck\`: lint and replay the current head again
      - \`/dba-help\`: this help

      An approval is bound to the reviewed content: a push that changes a migration, the schema or the config needs a new one.

      Approvers for this pull request: @acme/dba."
    `)
  })
})

describe('with a replay', () => {
  const withReplay = (report: ReturnType<typeof reportOf>, replay = replayFixture) => ({ ...report, replay })

  it('the sticky comment shows totals, per-migration locks and the lock gantt, and folds traffic, estimates and drift', () => {
    const report = withReplay(reportOf(findings.slice(1)))
    expect(renderStickyComment(outcomeOf(report, waitingGate, buildCheckVerdict(report, waitingGate, '/dba-approve')), CHECK_URL)).toMatchSnapshot()
  })

  it('the check run shows the replay totals and the lock table', () => {
    const report = withReplay(reportOf([]))
    const render = renderCheckRun(outcomeOf(report, waitingGate, buildCheckVerdict(report, waitingGate, '/dba-approve')))
    expect(render.summary).toContain('**Replay** on PostgreSQL 16.4 (embedded): ✅ passed in 45 ms')
    expect(render.summary).toContain('| `public.orders` | ACCESS EXCLUSIVE | 15 ms | reads and writes |')
  })

  it('a failed replay fails the check even with an approval', () => {
    const report = withReplay(reportOf([]), { ...replayFixture, status: 'failed' })
    const verdict = buildCheckVerdict(report, approvedGate, '/dba-approve')
    expect(verdict).toMatchObject({ conclusion: 'failure', title: 'Replay failed: the change would not deploy' })
    expect(buildCheckVerdict(withReplay(reportOf([]), { ...replayFixture, status: 'error', error: 'x' }), approvedGate, '/dba-approve').conclusion).toBe('failure')
  })

  it('a clean change with a replay still gets the short comment, with the replay line', () => {
    const report = withReplay(reportOf([]))
    const body = renderStickyComment(outcomeOf(report, approvedGate, buildCheckVerdict(report, approvedGate, '/dba-approve')), CHECK_URL)
    expect(body.split('\n\n')).toHaveLength(6)
    expect(body).toContain('**Replay** on PostgreSQL 16.4')
  })
})

describe('inline comment limit', () => {
  it('posts errors first and at most 25 comments', () => {
    const text = Array.from({ length: 40 }, (_, i) => `ALTER TABLE "t${i}" ADD COLUMN "c" text;`).join('\n') + '\n'
    const line = (i: number, severity: 'error' | 'warning'): Finding => ({
      ...(findings[1] as Finding),
      severity,
      message: `finding on line ${i + 1}`,
      file: 'drizzle/0008_many.sql',
      range: { start: { line: i + 1, column: 1, offset: text.indexOf(`"t${i}"`) }, end: { line: i + 1, column: 10, offset: text.indexOf(`"t${i}"`) + 5 } },
    })
    const many = Array.from({ length: 40 }, (_, i) => line(i, i >= 35 ? 'error' : 'warning'))
    const comments = buildInlineComments(many, new Map([['drizzle/0008_many.sql', text]]), new Map([['drizzle/0008_many.sql', `@@ -0,0 +1,40 @@\n${text.trimEnd().split('\n').map((l) => `+${l}`).join('\n')}`]]), 'u')
    expect(comments).toHaveLength(25)
    expect(comments.slice(0, 5).map((c) => c.line)).toEqual([36, 37, 38, 39, 40])
  })
})
