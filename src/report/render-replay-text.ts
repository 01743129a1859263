import type { LockReport, ReplayReport } from '../replay/report.js'

/** How many locks the terminal summary lists (longest held first); JSON has them all. */
const MAX_LOCKS = 10

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`
}

/** One line: how the replay went and what it cost. */
function summary(replay: ReplayReport): string {
  const where = `PostgreSQL ${replay.server.version} (${replay.server.backend})`
  if (replay.status === 'error') return `Replay on ${where} could not run: ${replay.error ?? 'unknown error'}`
  const { totals } = replay
  const effects = [plural(totals.rewrites, 'rewrite'), plural(totals.scans, 'full scan')].join(', ')
  const lock = totals.maxDangerousLockMs > 0 ? `; longest dangerous lock ${ms(totals.maxDangerousLockMs)}` : '; no dangerous lock on an existing table'
  return `Replay on ${where}: ${replay.status} in ${ms(totals.ms)}, ${totals.executed}/${plural(totals.statements, 'statement')} ran, ${effects}${lock}`
}

/**
 * The replay for a terminal: the summary, then the locks that block traffic (SHARE or stronger) on existing
 * relations, longest held first; weaker locks are only counted.
 */
export function renderReplayText(replay: ReplayReport, paint: (style: 'red' | 'dim', text: string) => string): string[] {
  const lines = [summary(replay)]
  const dangerous = replay.locks.filter((l) => l.dangerous)
  const locks: LockReport[] = [...dangerous].sort((a, b) => b.heldMs - a.heldMs || a.acquiredAtMs - b.acquiredAtMs).slice(0, MAX_LOCKS)
  if (locks.length) {
    lines.push('  Locks that block reads or writes of existing relations (longest first):')
    const width = Math.max(...locks.map((l) => l.mode.length))
    for (const lock of locks) {
      lines.push(`    ${paint('red', lock.mode.padEnd(width))}  ${ms(lock.heldMs).padStart(7)}  ${lock.relation}  ${paint('dim', `(${lock.migration} statement ${lock.statement + 1})`)}`)
    }
    if (dangerous.length > locks.length) lines.push(`    …and ${plural(dangerous.length - locks.length, 'more')}`)
  }
  const weaker = replay.locks.length - dangerous.length
  if (weaker > 0) lines.push(paint('dim', `  ${plural(weaker, 'weaker lock')} (ACCESS SHARE to SHARE UPDATE EXCLUSIVE) not shown; --format json lists every lock`))
  return lines
}
