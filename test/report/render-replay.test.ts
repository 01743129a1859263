import { describe, expect, it } from 'vitest'
import {
  duration,
  renderDrift,
  renderEstimates,
  renderLockGantt,
  renderLockTable,
  renderMigrationTable,
  renderReplayFailure,
  renderReplayTotals,
  renderTraffic,
  replayFailed,
} from '../../src/report/render-replay.js'
import type { ReplayReport } from '../../src/replay/report.js'
import { replayFixture } from './replay-fixture.js'

describe('replay renderers', () => {
  it('durations', () => expect([duration(12.4), duration(1234), duration(125_000)]).toEqual(['12 ms', '1.23 s', '2 min 5 s']))

  it('totals, migration table and lock table', () => {
    expect(renderReplayTotals(replayFixture)).toMatchInlineSnapshot(`"**Replay** on PostgreSQL 16.4 (embedded): ✅ passed in 45 ms · 2 statements · 0 table rewrites · 1 full scan · longest dangerous lock 44 ms"`)
    expect(renderMigrationTable(replayFixture)).toMatchInlineSnapshot(`
      "| Migration | Status | Time | Locks on existing relations |
      |---|---|---:|---|
      | \`0001_orders_index\` | applied | 42 ms | **SHARE** \`public.orders\` 44 ms<br>**ACCESS EXCLUSIVE** \`public.orders\` 15 ms<br>ACCESS SHARE \`public.users\` |"
    `)
    expect(renderLockTable(replayFixture)).toMatchInlineSnapshot(`
      "| Relation | Mode | Held | Blocks | Taken by |
      |---|---|---:|---|---|
      | \`public.orders\` | SHARE | 44 ms | writes | \`0001_orders_index\` statement 1 |
      | \`public.orders\` | ACCESS EXCLUSIVE | 15 ms | reads and writes | \`0001_orders_index\` statement 2 |
      | \`public.users\` | ACCESS SHARE | 0 ms | neither reads nor writes | \`0001_orders_index\` statement 2 |"
    `)
  })

  it('a Mermaid gantt with one section per relation and dangerous locks critical', () => {
    expect(renderLockGantt(replayFixture)).toMatchInlineSnapshot(`
      "\`\`\`mermaid
      gantt
        title Locks on existing relations during the change
        dateFormat x
        axisFormat %S.%L s
        section public.orders
        SHARE (0001_orders_index statement 1) :crit, 1, 45
        ACCESS EXCLUSIVE (0001_orders_index statement 2) :crit, 30, 45
        section public.users
        ACCESS SHARE (0001_orders_index statement 2) :31, 32
      \`\`\`"
    `)
  })

  it('traffic, estimates with row counts, drift', () => {
    expect(renderTraffic(replayFixture)).toMatchInlineSnapshot(`
      "| Table | Reads blocked (longest) | Writes blocked (longest) |
      |---|---:|---:|
      | \`public.orders\` | 3/9 (15 ms) | 9/9 (44 ms) |"
    `)
    expect(renderEstimates(replayFixture)).toMatchInlineSnapshot(`
      "Estimated from measurements at 1,000 and 10,000 rows per table (extrapolated, not measured):

      | Statement | Table | Production rows | Estimated time |
      |---|---|---:|---:|
      | \`0001_orders_index\` statement 1 | \`public.orders\` | 12,000,000 | 36.00 s |

      - SHARE on \`public.orders\` would be held about 36.10 s.

      Estimated total: 36.20 s."
    `)
    expect(renderDrift(replayFixture)).toMatchInlineSnapshot(`
      "Schema after the change vs \`drizzle/meta/0001_snapshot.json\`:
      - index \`orders_user_id_idx\` missing (in the snapshot, not in the database)"
    `)
  })

  it('a failed replay says where and why', () => {
    const failed: ReplayReport = {
      ...replayFixture,
      status: 'failed',
      migrations: [
        {
          ...replayFixture.migrations[0]!,
          status: 'failed',
          statements: [
            {
              index: 0,
              range: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 40, offset: 39 } },
              kind: 'AlterTableStmt',
              text: 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL',
              status: 'error',
              executedBy: 'sandbox',
              execution: 'transaction',
              locks: [],
              effects: [],
              error: { sqlstate: '23502', message: 'column "note" of relation "orders" contains null values', class: 'data' },
            },
          ],
        },
      ],
    }
    expect(replayFailed(failed)).toBe(true)
    expect(replayFailed(replayFixture)).toBe(false)
    expect(renderReplayFailure(failed)).toBe('`drizzle/0001_orders_index.sql:1`: column "note" of relation "orders" contains null values (SQLSTATE 23502)')
    expect(renderReplayTotals({ ...replayFixture, status: 'error', error: 'the base migrations failed' })).toContain('could not run: the base migrations failed')
  })

  it('nothing to draw without locks', () => {
    expect(renderLockGantt({ ...replayFixture, locks: [] })).toBe('')
    expect(renderLockTable({ ...replayFixture, locks: [] })).toBe('No locks on existing relations.')
  })
})

describe('replay in the check run and the sticky comment', () => {
  it('the gantt keeps the dangerous and longest locks when there are too many', () => {
    const many = { ...replayFixture, locks: Array.from({ length: 80 }, (_, i) => ({ ...replayFixture.locks[2]!, relation: `public.t${i}`, acquiredAtMs: i, releasedAtMs: i + 1, heldMs: 1 })).concat(replayFixture.locks[0]!) }
    const gantt = renderLockGantt(many)
    expect(gantt).toContain(':crit, 1, 45')
    expect(gantt.match(/^ {2}section /gm)).toHaveLength(60)
    expect(gantt).toContain('21 shorter non-dangerous locks not drawn')
  })
})
