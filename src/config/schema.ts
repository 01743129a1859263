import { z } from 'zod'

/**
 * The one schema for `.github/dba-review.yml`. Types, defaults, the generated `schema.json` and the
 * configuration reference all come from here. Every field has a default that serves a Drizzle +
 * PostgreSQL 16 team with no config at all.
 */

export const severitySettingSchema = z.enum(['error', 'warning', 'notice', 'off'])

const ruleSettingSchema = z.union([
  severitySettingSchema,
  z.strictObject({
    severity: severitySettingSchema.optional().describe('Overrides the rule\'s default severity.'),
    options: z.record(z.string(), z.unknown()).optional().describe('Rule-specific options (see the rule\'s page).'),
  }),
])

export const configSchema = z
  .strictObject({
    paths: z
      .strictObject({
        schema: z.array(z.string().min(1)).default(['src/db/schema/**']).describe('Globs of ORM schema files; a change here without a new migration is reported.'),
        migrations: z.array(z.string().min(1)).default(['drizzle/**']).describe('Globs of migration files; a pull request touching them is reviewed.'),
      })
      .prefault({})
      .describe('Which paths dba-review watches.'),
    migrations: z
      .strictObject({
        dir: z.string().default('drizzle').describe('The migrations folder, relative to the repository root.'),
        layout: z.enum(['auto', 'drizzle', 'drizzle-v1', 'plain', 'prisma']).default('auto').describe('Folder layout; `auto` detects it from the files.'),
        transaction: z
          .enum(['auto', 'all-pending', 'per-file', 'none'])
          .default('auto')
          .describe('How the runner wraps statements: `auto` follows the layout (drizzle: one transaction for all pending migrations; prisma: one per file; plain: none).'),
        table: z.string().default('drizzle.__drizzle_migrations').describe('The drizzle bookkeeping table (`migrationsSchema.migrationsTable`).'),
      })
      .prefault({})
      .describe('Where the migrations are and how the runner applies them.'),
    postgres: z
      .strictObject({
        version: z.number().int().min(11).max(18).default(16).describe('Major version of the production server.'),
      })
      .prefault({})
      .describe('The production PostgreSQL server.'),
    lint: z
      .strictObject({
        assumeLockTimeout: z.boolean().default(false).describe('The runner sets lock_timeout itself (e.g. a wrapper script), so migrations need not.'),
        assumeStatementTimeout: z.boolean().default(false).describe('The runner sets statement_timeout itself.'),
        tableStats: z.string().default('.github/dba-review/table-stats.json').describe('Production row counts (`dba-review stats export`), read from the base branch.'),
        largeTableRows: z.number().int().positive().default(1_000_000).describe('Row count from which a locking or rewriting statement needs a `-- dba-review-plan:`.'),
      })
      .prefault({})
      .describe('How statements are linted.'),
    rules: z.record(z.string(), ruleSettingSchema).default({}).describe('Per-rule severity (`off` disables) or `{ severity, options }`.'),
    extensions: z
      .strictObject({
        approved: z.array(z.string()).default(['pgcrypto', 'pg_trgm', 'uuid-ossp', 'citext', 'pg_stat_statements']).describe('Extensions any migration may create.'),
        needsApproval: z.array(z.string()).default(['postgis', 'vector', 'pg_partman', 'timescaledb']).describe('Extensions that need a DBA\'s approval; any extension in neither list is an error.'),
      })
      .prefault({})
      .describe('Extension policy: approved ones pass, needsApproval ones need a DBA, others are errors.'),
    approval: z
      .strictObject({
        command: z.string().default('/dba-approve').describe('The pull-request comment with which an approver approves the current head.'),
        teams: z.array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected org/team-slug')).default([]).describe('Teams whose active members may approve; narrows or replaces CODEOWNERS.'),
        users: z.array(z.string()).default([]).describe('Users who may approve.'),
        useCodeowners: z.boolean().default(true).describe('Take approvers from CODEOWNERS (base branch) for the changed paths.'),
        reviews: z.boolean().default(true).describe('An approving pull-request review by an approver counts like the command.'),
        allowAuthor: z.boolean().default(false).describe('Whether the pull request author may approve their own change.'),
      })
      .prefault({})
      .describe('Who may approve a change that needs a DBA (the approval gate).'),
    replay: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Replay the change on a throw-away PostgreSQL to measure locks, rewrites and duration.'),
        backend: z.enum(['embedded', 'docker', 'url']).default('embedded').describe('Where replays run: bundled PostgreSQL binaries, a Docker container, or the server at `databaseUrl`.'),
        databaseUrl: z.string().optional().describe('For the `url` backend: a server where each replay gets its own database.'),
        rows: z.number().int().min(0).default(0).describe('Synthetic rows per existing table (0 = empty tables, fastest).'),
        probe: z.boolean().default(false).describe('Run the traffic probe (reads and writes during the migration).'),
        statementTimeoutMs: z.number().int().positive().default(60_000).describe('statement_timeout for each replayed statement.'),
        deadlineMs: z.number().int().positive().default(300_000).describe('Overall limit for one replay.'),
        tempFileLimitKb: z.number().int().positive().default(1_048_576).describe('temp_file_limit of the replay role (kB).'),
        maxDatabaseBytes: z.number().int().positive().default(2_147_483_648).describe('A replay database growing beyond this is stopped.'),
        dangerousLockMs: z.number().int().positive().default(1_000).describe('A dangerous lock held longer than this is a finding.'),
        slowMigrationMs: z.number().int().positive().default(30_000).describe('A change whose replay takes longer than this is a finding.'),
        maxRows: z.number().int().positive().default(10_000_000).describe('Cap on synthetic rows per table and on rows one set-returning call in a migration may produce.'),
        blockedTrafficMs: z.number().int().positive().default(1_000).describe('Probe reads or writes blocked longer than this are a finding.'),
        lockTimeoutMs: z.number().int().positive().default(1_000).describe('The lock_timeout the lock-queue experiment tries (what the runner should set).'),
      })
      .prefault({})
      .describe('Replaying the change on a throw-away PostgreSQL 16.'),
  })
  .describe('dba-review configuration (.github/dba-review.yml)')

export type Config = z.output<typeof configSchema>
export type ConfigInput = z.input<typeof configSchema>
export type RuleSetting = z.output<typeof ruleSettingSchema>

export const defaultConfig: Config = configSchema.parse({})
