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

/** The replay for a terminal: the summary, then the locks held on existing relations, longest first. */
export function renderReplayText(replay: ReplayReport, paint: (style: 'red' | 'dim', text: string) => string): string[] {
  const lines = [summary(replay)]
  const locks: LockReport[] = [...replay.locks].sort((a, b) => b.heldMs - a.heldMs || a.acquiredAtMs - b.acquiredAtMs).slice(0, MAX_LOCKS)
  if (!locks.length) return lines
  lines.push('  Locks on existing relations (longest first):')
  const width = Math.max(...locks.map((l) => l.mode.length))
  for (const lock of locks) {
    const mode = lock.mode.padEnd(width)
    lines.push(`    ${lock.dangerous ? paint('red', mode) : mode}  ${ms(lock.heldMs).padStart(7)}  ${lock.relation}  ${paint('dim', `(${lock.migration} statement ${lock.statement + 1})`)}`)
  }
  const rest = replay.locks.length - locks.length
  if (rest > 0) lines.push(`    …and ${plural(rest, 'more lock')} (--format json lists all)`)
  return lines
}
