import type { Config } from '../config/schema.js'
import type { Finding, Severity } from '../lint/finding.js'
import { renderMessage } from '../lint/engine.js'
import type { SourceRange } from '../sql/source.js'

interface ReplayRule {
  severity: Severity
  /** The safe alternative, one line. */
  help: string
  messages: Record<string, string>
}

/** Every finding the replay raises: ids, default severities and message templates (`{{name}}` from data). */
export const REPLAY_RULES = {
  'replay-error': {
    severity: 'error',
    help: 'The migration fails on PostgreSQL: the deploy would stop here and roll back its transaction.',
    messages: {
      statement: 'PostgreSQL {{version}} rejected this statement: {{message}} (SQLSTATE {{sqlstate}}).',
      extension: 'Extension {{extension}} could not be created on the replay server: {{message}} (SQLSTATE {{sqlstate}}).',
      base: 'The base migrations could not be replayed ({{migration}}): {{message}} (SQLSTATE {{sqlstate}}); the change was not replayed.',
      engine: 'The replay could not run: {{message}}',
    },
  },
  'sandbox-violation': {
    severity: 'error',
    help: 'A migration manages its own database only; ask a DBA to run anything else by hand.',
    messages: {
      'psql-meta-command': '`{{command}}` is a psql meta-command, not SQL; the replay does not follow it.',
      'copy-program': 'COPY … PROGRAM runs a shell command on the database server; refused.',
      'server-file': '{{what}} reads or writes files on the database server; refused.',
      'untrusted-language': '{{what}} can run arbitrary code on the database server; only sql and plpgsql run in the replay.',
      'alter-system': '{{what}} changes the server configuration; refused.',
      'role-management': '{{what}} changes cluster-wide roles; the replay sandbox cannot.',
      'set-role': '{{setting}} switches to another role; refused.',
      'other-database': '{{what}} reaches beyond this database; refused.',
      'server-admin': '{{what}} acts on the server beyond this database; refused.',
      'extension-not-approved': 'Extension {{extension}} is not in the extension policy (extensions.approved / extensions.needsApproval); the replay does not create it.',
      runaway: '{{what}} would run past the replay limit ({{limit}}); refused.',
      'resource-setting': 'SET {{setting}} = {{value}} is above the replay cap of {{cap}}; refused.',
      'permission-denied': 'The sandbox role may not do this: {{message}} (SQLSTATE {{sqlstate}}).',
      'statement-timeout': 'Cancelled after {{ms}} ms, the replay statement limit (replay.statementTimeoutMs).',
      deadline: 'Cancelled: the replay deadline of {{ms}} ms (replay.deadlineMs) passed.',
      'database-size': 'Cancelled: the database grew to {{bytes}} bytes, above replay.maxDatabaseBytes ({{limit}}).',
      'temp-file-limit': 'Cancelled: temporary files exceeded replay.tempFileLimitKb ({{limit}} kB).',
      resources: 'The server ran out of resources: {{message}} (SQLSTATE {{sqlstate}}).',
    },
  },
  'data-dependent-failure': {
    severity: 'error',
    help: 'Clean or backfill the existing rows first (or add the constraint NOT VALID and validate after a cleanup).',
    messages: {
      failure: 'Fails on existing rows, not on an empty table: {{message}} (SQLSTATE {{sqlstate}}; {{rows}} synthetic rows in {{table}}).',
    },
  },
  'table-rewrite': {
    severity: 'warning',
    help: 'Avoid rewriting a table in use: add the column without a volatile default and backfill in batches, or build a new column and swap.',
    messages: {
      rewrite: 'Rewrites {{relation}} ({{reason}}) under {{mode}}: {{ms}} ms with {{rows}} rows.',
    },
  },
  'dangerous-lock': {
    severity: 'warning',
    help: 'Keep strong locks short: set lock_timeout, split the migration, or use CONCURRENTLY / NOT VALID forms.',
    messages: {
      held: '{{mode}} on {{relation}} is held for {{ms}} ms until commit ({{basis}}), above replay.dangerousLockMs ({{limit}} ms).',
    },
  },
  'slow-migration': {
    severity: 'warning',
    help: 'What is slow on the replay is slower in production: move long work to a background job or a post-deploy migration.',
    messages: {
      slow: 'The change takes {{ms}} ms ({{basis}}), above replay.slowMigrationMs ({{limit}} ms).',
    },
  },
  'blocked-traffic': {
    severity: 'warning',
    help: 'Set lock_timeout and retry, and avoid ACCESS EXCLUSIVE on busy tables during deploys.',
    messages: {
      probe: 'Application {{operation}} on {{relation}} were blocked for up to {{maxMs}} ms ({{totalMs}} ms in total) while the change ran.',
      queue: 'Behind one open transaction on {{relation}}, readers queued for {{ms}} ms waiting for this statement; lock_timeout = {{lockTimeout}} would have capped it ({{withTimeout}}).',
    },
  },
  'fk-without-index': {
    severity: 'warning',
    help: 'Index the referencing columns (CREATE INDEX CONCURRENTLY) so deletes and updates on the referenced table do not scan this one.',
    messages: {
      missing: 'Foreign key {{constraint}} on {{table}} ({{columns}}) has no index starting with those columns.',
    },
  },
  'snapshot-drift': {
    severity: 'warning',
    help: 'Regenerate the migration with drizzle-kit generate so the SQL and the snapshot agree.',
    messages: {
      drift: 'The replayed schema differs from {{snapshot}}: {{difference}}.',
    },
  },
} satisfies Record<string, ReplayRule>

export type ReplayRuleId = keyof typeof REPLAY_RULES

export function renderReplayMessage(ruleId: ReplayRuleId, messageId: string, data: Record<string, string | number>): string {
  const rule: ReplayRule = REPLAY_RULES[ruleId]
  return renderMessage(rule.messages[messageId] ?? messageId, data)
}

/** Builds replay findings, honouring `config.rules` severities (`off` drops them). */
export class FindingSink {
  readonly findings: Finding[] = []

  constructor(private readonly config: Config) {}

  add(ruleId: ReplayRuleId, messageId: string, data: Record<string, string | number>, place: { file: string; range: SourceRange; migration?: string }): void {
    const rule: ReplayRule = REPLAY_RULES[ruleId]
    const setting = this.config.rules[ruleId]
    const severity = (typeof setting === 'string' ? setting : setting?.severity) ?? rule.severity
    if (severity === 'off') return
    this.findings.push({ ruleId, messageId, severity, message: renderReplayMessage(ruleId, messageId, data), help: rule.help, file: place.file, range: place.range, migration: place.migration, source: 'replay' })
  }
}
