import type pg from 'pg'
import type { ProbeStats, TrafficReport } from './report.js'

/** The probe covers this many tables at most (two sessions each). */
export const MAX_PROBED_TABLES = 16

export interface ProbedTable {
  /** `schema.name` for the report. */
  relation: string
  /** Quoted, schema-qualified, for SQL. */
  sql: string
}

function emptyStats(): ProbeStats {
  return { queries: 0, blocked: 0, maxBlockedMs: 0, totalBlockedMs: 0 }
}

function add(into: ProbeStats, from: ProbeStats): void {
  into.queries += from.queries
  into.blocked += from.blocked
  into.totalBlockedMs += from.totalBlockedMs
  into.maxBlockedMs = Math.max(into.maxBlockedMs, from.maxBlockedMs)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * One stream of application traffic on one table: every interval, the table lock its statement kind
 * takes (reads: ACCESS SHARE, like SELECT; writes: ROW EXCLUSIVE, like INSERT/UPDATE/DELETE), so that
 * exactly what the change's locks would block is measured, without touching data or firing triggers.
 * NOWAIT tells a blocked request apart; it is then repeated waiting, and the wait is timed.
 */
async function stream(client: pg.Client, table: ProbedTable, mode: 'ACCESS SHARE' | 'ROW EXCLUSIVE', intervalMs: number, running: () => boolean): Promise<ProbeStats> {
  const stats = emptyStats()
  const lock = (wait: boolean) => `BEGIN; LOCK TABLE ${table.sql} IN ${mode} MODE${wait ? '' : ' NOWAIT'}; COMMIT`
  while (running()) {
    const tick = performance.now()
    stats.queries++
    try {
      await client.query(lock(false))
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      // Anything but "lock not available" (the table was dropped or renamed by the change): the stream ends.
      if ((error as { code?: string }).code !== '55P03') break
      const since = performance.now()
      const waited = await client.query(lock(true)).then(
        () => true,
        () => false,
      )
      const blockedMs = performance.now() - since
      stats.blocked++
      stats.totalBlockedMs += blockedMs
      stats.maxBlockedMs = Math.max(stats.maxBlockedMs, blockedMs)
      if (!waited) {
        await client.query('ROLLBACK').catch(() => undefined)
        break
      }
    }
    await sleep(Math.max(0, intervalMs - (performance.now() - tick)))
  }
  return stats
}

/**
 * Starts a read and a write stream per table (each in its own sandbox session) and returns a stop
 * function that ends them and reports how long traffic was blocked.
 */
export async function startTrafficProbe(connect: () => Promise<pg.Client>, tables: ProbedTable[], unprobed: string[]): Promise<{ stop: () => Promise<TrafficReport> }> {
  const sessions = tables.length * 2
  const intervalMs = Math.max(20, Math.ceil(sessions * 2.5))
  const clients = await Promise.all(Array.from({ length: sessions }, connect))
  let running = true
  const streams = tables.flatMap((table, i) => [
    stream(clients[2 * i] as pg.Client, table, 'ACCESS SHARE', intervalMs, () => running),
    stream(clients[2 * i + 1] as pg.Client, table, 'ROW EXCLUSIVE', intervalMs, () => running),
  ])
  return {
    async stop() {
      running = false
      const results = await Promise.all(streams)
      const report: TrafficReport = { intervalMs, tables: [], reads: emptyStats(), writes: emptyStats(), unprobed }
      tables.forEach((table, i) => {
        const reads = results[2 * i] as ProbeStats
        const writes = results[2 * i + 1] as ProbeStats
        report.tables.push({ relation: table.relation, reads, writes })
        add(report.reads, reads)
        add(report.writes, writes)
      })
      return report
    },
  }
}
