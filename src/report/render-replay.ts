import type { LockMode, LockReport, ReplayReport } from '../replay/report.js'
import { cell, code, plural } from './markdown.js'

/** 1234 → `1.23 s`, 45 → `45 ms`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

function rows(count: number): string {
  return count.toLocaleString('en-US')
}

const statusWord: Record<ReplayReport['status'], string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  refused: '❌ refused by the sandbox',
  error: '❌ could not run',
}

/** Whether the replay shows the change would not deploy (a failing statement, a refused one, or no replay at all). */
export function replayFailed(replay: ReplayReport): boolean {
  return replay.status !== 'passed'
}

/** The replay in one line: outcome, server, time and what it did to existing tables. */
export function renderReplayTotals(replay: ReplayReport): string {
  const t = replay.totals
  const where = `PostgreSQL ${replay.server.version} (${replay.server.backend})`
  if (replay.status === 'error') return `**Replay** on ${where}: ${statusWord.error}: ${replay.error ?? 'unknown error'}`
  const effects = [plural(t.statements, 'statement'), plural(t.rewrites, 'table rewrite'), plural(t.scans, 'full scan'), `longest dangerous lock ${duration(t.maxDangerousLockMs)}`]
  return `**Replay** on ${where}: ${statusWord[replay.status]} in ${duration(t.ms)} · ${effects.join(' · ')}`
}

/** Where the replay stopped, with PostgreSQL's own message. */
export function renderReplayFailure(replay: ReplayReport): string {
  for (const migration of replay.migrations) {
    for (const statement of migration.statements) {
      if (!statement.error) continue
      const at = `${migration.path}:${statement.error.position?.line ?? statement.range.start.line}`
      return `${code(at)}: ${cell(statement.error.message)} (SQLSTATE ${statement.error.sqlstate})${statement.error.hint ? ` — ${cell(statement.error.hint)}` : ''}`
    }
  }
  return replay.error ?? ''
}

/** Per migration: status, time, and the locks it took on existing relations (dangerous ones in bold). */
export function renderMigrationTable(replay: ReplayReport): string {
  const lines = ['| Migration | Status | Time | Locks on existing relations |', '|---|---|---:|---|']
  for (const m of replay.migrations) {
    const locks = replay.locks.filter((l) => l.migration === m.id)
    const described = locks.length === 0 ? '—' : locks.map((l) => (l.dangerous ? `**${l.mode}** ${code(l.relation)} ${duration(l.heldMs)}` : `${l.mode} ${code(l.relation)}`)).join('<br>')
    lines.push(`| ${code(m.id)} | ${m.status} | ${m.status === 'applied' || m.status === 'failed' ? duration(m.ms) : '—'} | ${described} |`)
  }
  return lines.join('\n')
}

/** The locks on existing relations, strongest first: for the check run. */
export function renderLockTable(replay: ReplayReport): string {
  if (replay.locks.length === 0) return 'No locks on existing relations.'
  const sorted = [...replay.locks].sort((a, b) => Number(b.dangerous) - Number(a.dangerous) || b.heldMs - a.heldMs)
  const lines = ['| Relation | Mode | Held | Blocks | Taken by |', '|---|---|---:|---|---|']
  for (const l of sorted) {
    lines.push(`| ${code(l.relation)} | ${l.mode} | ${duration(l.heldMs)} | ${blocks(l.mode)} | ${code(`${l.migration}`)} statement ${l.statement + 1} |`)
  }
  return lines.join('\n')
}

function blocks(mode: LockMode): string {
  if (mode === 'ACCESS EXCLUSIVE') return 'reads and writes'
  if (mode === 'EXCLUSIVE' || mode === 'SHARE ROW EXCLUSIVE' || mode === 'SHARE') return 'writes'
  return 'neither reads nor writes'
}

/** Mermaid task names may not contain `:`, `;` or `#`. */
function taskName(text: string): string {
  return text.replace(/[:;#]/g, ' ').replace(/\s+/g, ' ').trim()
}

/**
 * A Mermaid gantt (rendered by GitHub) of which relation was locked in which mode when: one section per
 * relation, one bar per lock, dangerous locks marked critical. Times are milliseconds since the change began.
 */
export function renderLockGantt(replay: ReplayReport, maxBars = 60): string {
  if (replay.locks.length === 0) return ''
  // A readable chart: the dangerous and longest-held locks, drawn in the order they were taken.
  const drawn = [...replay.locks]
    .sort((a, b) => Number(b.dangerous) - Number(a.dangerous) || b.heldMs - a.heldMs)
    .slice(0, maxBars)
    .sort((a, b) => a.acquiredAtMs - b.acquiredAtMs)
  const byRelation = new Map<string, LockReport[]>()
  for (const lock of drawn) byRelation.set(lock.relation, [...(byRelation.get(lock.relation) ?? []), lock])
  const lines = ['```mermaid', 'gantt', '  title Locks on existing relations during the change', '  dateFormat x', '  axisFormat %S.%L s']
  for (const [relation, locks] of byRelation) {
    lines.push(`  section ${taskName(relation)}`)
    for (const l of locks) {
      const start = Math.round(l.acquiredAtMs)
      const end = Math.max(start + 1, Math.round(l.releasedAtMs))
      lines.push(`  ${taskName(`${l.mode} (${l.migration} statement ${l.statement + 1})`)} :${l.dangerous ? 'crit, ' : ''}${start}, ${end}`)
    }
  }
  lines.push('```')
  const left = replay.locks.length - drawn.length
  return left > 0 ? `${lines.join('\n')}\n\n${plural(left, 'shorter non-dangerous lock')} not drawn (see the check run).` : lines.join('\n')
}

/** How long application reads and writes waited while the change ran (the traffic probe). */
export function renderTraffic(replay: ReplayReport): string {
  const traffic = replay.traffic
  if (!traffic) return ''
  const lines = ['| Table | Reads blocked (longest) | Writes blocked (longest) |', '|---|---:|---:|']
  for (const t of traffic.tables) {
    lines.push(`| ${code(t.relation)} | ${t.reads.blocked}/${t.reads.queries} (${duration(t.reads.maxBlockedMs)}) | ${t.writes.blocked}/${t.writes.queries} (${duration(t.writes.maxBlockedMs)}) |`)
  }
  if (traffic.unprobed.length > 0) lines.push('', `Not probed: ${traffic.unprobed.map(code).join(', ')}.`)
  const queue = replay.lockQueue
  if (queue) {
    lines.push(
      '',
      `**Lock queue** on ${code(queue.relation)} behind a ${duration(queue.holdMs)} transaction: without lock_timeout reads queued ${duration(queue.withoutLockTimeout.readersQueuedMs)}; with lock_timeout ${queue.withLockTimeout.lockTimeoutMs} ms reads queued ${duration(queue.withLockTimeout.readersQueuedMs)} (${queue.withLockTimeout.outcome}).`,
    )
  }
  return lines.join('\n')
}

/** Production-size extrapolations, with the row counts they assume. */
export function renderEstimates(replay: ReplayReport): string {
  const estimates = replay.estimates
  if (!estimates) return ''
  const lines = [`Estimated from measurements at ${estimates.sizes.map(rows).join(' and ')} rows per table (extrapolated, not measured):`, '', '| Statement | Table | Production rows | Estimated time |', '|---|---|---:|---:|']
  for (const s of estimates.statements) {
    lines.push(`| ${code(s.migration)} statement ${s.statement + 1} | ${s.relation ? code(s.relation) : '—'} | ${s.rows === undefined ? '—' : rows(s.rows)} | ${duration(s.estimatedMs)}${s.model === 'flat' ? ' (size-independent)' : ''} |`)
  }
  for (const l of estimates.locks) lines.push('', `- ${l.mode} on ${code(l.relation)} would be held about ${duration(l.estimatedHeldMs)}.`)
  lines.push('', `Estimated total: ${duration(estimates.estimatedTotalMs)}.`)
  return lines.join('\n')
}

/** Differences between the schema after the change and the newest Drizzle snapshot; foreign keys without an index. */
export function renderDrift(replay: ReplayReport): string {
  const parts: string[] = []
  if (replay.drift && replay.drift.differences.length > 0) {
    parts.push(`Schema after the change vs ${code(replay.drift.snapshot)}:`)
    for (const d of replay.drift.differences) {
      const detail = d.kind === 'different' ? `: snapshot ${code(d.snapshot ?? '')}, database ${code(d.database ?? '')}` : d.kind === 'missing' ? ' (in the snapshot, not in the database)' : ' (in the database, not in the snapshot)'
      parts.push(`- ${d.object} ${code(d.name)} ${d.kind}${detail}`)
    }
  }
  for (const fk of replay.unindexedForeignKeys) parts.push(`- foreign key ${code(fk.constraint)} on ${code(`${fk.table} (${fk.columns.join(', ')})`)} → ${code(fk.references)} has no supporting index`)
  return parts.join('\n')
}
