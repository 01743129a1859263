import type { SandboxLimits } from './sandbox.js'
import type { ReplayServer } from './server.js'

/** A limit that stopped a statement: the sandbox-violation message id and its data. */
export interface Trip {
  messageId: 'statement-timeout' | 'deadline' | 'database-size'
  data: Record<string, string | number>
}

const SIZE_POLL_MS = 250
/** A statement that ran at least this long may have grown the database enough to check between statements. */
const SIZE_CHECK_AFTER_MS = 20
/** After a cancel request, how long a statement may take to notice before its session is terminated. */
const TERMINATE_AFTER_MS = 2_000

/**
 * Enforces a replay's limits from an admin session, whatever the migration does to its own settings:
 * a per-statement time limit, the overall deadline and the database size cap (polled while a statement
 * runs and checked between statements). A tripped limit cancels the statement (pg_cancel_backend),
 * then terminates its session if it does not stop.
 */
export class Watchdog {
  private readonly deadlineAt: number

  constructor(
    private readonly server: ReplayServer,
    private readonly database: string,
    private readonly limits: SandboxLimits,
    startedAt = performance.now(),
  ) {
    this.deadlineAt = startedAt + limits.deadlineMs
  }

  remainingMs(): number {
    return Math.max(0, this.deadlineAt - performance.now())
  }

  /** The deadline passed (checked before starting more work). */
  expiredTrip(): Trip | undefined {
    return this.remainingMs() <= 0 ? { messageId: 'deadline', data: { ms: this.limits.deadlineMs } } : undefined
  }

  async databaseBytes(): Promise<number> {
    const { rows } = await this.server.query<{ bytes: string }>('SELECT pg_catalog.pg_database_size($1) AS bytes', [this.database])
    return Number(rows[0]?.bytes ?? 0)
  }

  /** Between statements: a statement that ran long enough to write much is followed by a size check. */
  async sizeTripAfter(statementMs: number): Promise<Trip | undefined> {
    if (statementMs < SIZE_CHECK_AFTER_MS) return undefined
    return this.sizeTrip()
  }

  private async sizeTrip(): Promise<Trip | undefined> {
    const bytes = await this.databaseBytes()
    return bytes > this.limits.maxDatabaseBytes ? { messageId: 'database-size', data: { bytes, limit: this.limits.maxDatabaseBytes } } : undefined
  }

  /**
   * Runs `work`, a statement on the session with backend `pid`, under the limits. Resolves with its
   * outcome and, when a limit cancelled it, which one.
   */
  async guard<T>(pid: number, work: Promise<T>): Promise<{ ok: true; value: T; trip?: undefined } | { ok: false; error: unknown; trip?: Trip }> {
    let trip: Trip | undefined
    let settled = false
    const timers: NodeJS.Timeout[] = []
    const stop = (found: Trip): void => {
      if (trip || settled) return
      trip = found
      void this.server.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]).catch(() => undefined)
      timers.push(setTimeout(() => void this.server.query('SELECT pg_catalog.pg_terminate_backend($1)', [pid]).catch(() => undefined), TERMINATE_AFTER_MS))
    }
    const remaining = this.remainingMs()
    const statementLimited = this.limits.statementTimeoutMs < remaining
    timers.push(
      setTimeout(
        () => stop(statementLimited ? { messageId: 'statement-timeout', data: { ms: this.limits.statementTimeoutMs } } : { messageId: 'deadline', data: { ms: this.limits.deadlineMs } }),
        Math.min(this.limits.statementTimeoutMs, remaining),
      ),
    )
    const poll = setInterval(() => {
      void this.sizeTrip()
        .then((found) => found && stop(found))
        .catch(() => undefined)
    }, SIZE_POLL_MS)
    timers.push(poll)
    try {
      const value = await work
      return trip ? { ok: false, error: new Error('cancelled'), trip } : { ok: true, value }
    } catch (error) {
      return { ok: false, error, trip }
    } finally {
      settled = true
      for (const timer of timers) clearTimeout(timer)
    }
  }
}
