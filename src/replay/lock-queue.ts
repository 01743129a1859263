import type { Config } from '../config/schema.js'
import type { LockQueueReport, LockQueueRun, LockReport } from './report.js'
import type { RunPlan, RunResult } from './run.js'
import type { Sandbox } from './sandbox.js'
import { quoteIdent } from '../sql/quote.js'

/** Runs `body` in a fresh sandbox where `run()` applies the change with `plan` on top of the replay's. */
export type LockQueueAttempt = (plan: Partial<RunPlan>, body: (env: { sandbox: Sandbox; pid: number; run: () => Promise<RunResult> }) => Promise<LockQueueRun>) => Promise<LockQueueRun>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function sqlName(relation: string): string {
  const dot = relation.indexOf('.')
  return `${quoteIdent(relation.slice(0, dot))}.${quoteIdent(relation.slice(dot + 1))}`
}

/**
 * One run of the lock-queue hazard (reference.md §2): a session holds ACCESS SHARE on the table in an
 * idle transaction for `holdMs`; the change runs up to the statement that needs a conflicting lock and
 * queues; a plain read issued then queues behind it. Measures how long each waited.
 */
async function queueRun(env: { sandbox: Sandbox; pid: number; run: () => Promise<RunResult> }, target: LockReport, holdMs: number): Promise<LockQueueRun> {
  const table = sqlName(target.relation)
  const [holder, reader] = [await env.sandbox.connect(), await env.sandbox.connect()]
  await holder.query(`BEGIN; LOCK TABLE ${table} IN ACCESS SHARE MODE`)
  const held = performance.now()
  // Settles either way: if the run fails the sandbox goes, and the holder with it.
  const released = sleep(holdMs).then(() => holder.query('COMMIT').catch(() => undefined))
  let settled = false
  const running = env.run().finally(() => (settled = true))
  try {
    while (!settled && performance.now() - held < holdMs) {
      const { rows } = await env.sandbox.admin.query<{ wait: string | null }>('SELECT wait_event_type AS wait FROM pg_catalog.pg_stat_activity WHERE pid = $1', [env.pid])
      if (rows[0]?.wait === 'Lock') break
      await sleep(5)
    }
    const readStart = performance.now()
    const read = reader.query(`SELECT 1 FROM ${table} LIMIT 1`).then(
      () => performance.now() - readStart,
      () => performance.now() - readStart,
    )
    const run = await running
    const readersQueuedMs = await read
    const statement = run.migrations.find((m) => m.id === target.migration)?.statements[target.statement]
    const outcome = run.stop?.error?.sqlstate === '55P03' ? 'lock-timeout' : run.stop ? 'failed' : 'completed'
    return { outcome, migrationWaitMs: statement?.ms ?? 0, readersQueuedMs }
  } finally {
    await Promise.allSettled([running, released])
  }
}

/**
 * The lock-queue experiment for the change's first lock that blocks readers: once as written, once with
 * `SET lock_timeout` (replay.lockTimeoutMs) before it. Each run stops after that statement.
 */
export async function runLockQueue(target: LockReport, config: Config, within: LockQueueAttempt): Promise<LockQueueReport> {
  const lockTimeoutMs = config.replay.lockTimeoutMs
  const holdMs = lockTimeoutMs + 1_000
  const stopAfter = { migration: target.migration, statement: target.statement }
  const without = await within({ stopAfter }, (env) => queueRun(env, target, holdMs))
  const withTimeout = await within({ stopAfter, prelude: [`SET lock_timeout = '${lockTimeoutMs}ms'`] }, (env) => queueRun(env, target, holdMs))
  return {
    relation: target.relation,
    migration: target.migration,
    statement: target.statement,
    mode: target.mode,
    holdMs,
    withoutLockTimeout: without,
    withLockTimeout: { ...withTimeout, lockTimeoutMs },
  }
}
