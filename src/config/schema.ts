import * as z from 'zod/mini'

/**
 * The one schema for `.github/dba-review.yml`. Types, defaults, the generated `schema.json` and the
 * configuration reference all come from here. Every field has a default that serves a Drizzle +
 * PostgreSQL 16 team with no config at all.
 *
 * zod/mini (functional API), imported as `* as z`, so that the CLI bundle keeps only the parts used: classic
 * zod, or `import { z }` (a namespace object the bundler keeps whole), adds ~700 KB and ~40 ms to every run.
 */

const severitySettingSchema = z.enum(['error', 'warning', 'notice', 'off'])

const ruleSettingSchema = z.union([
  severitySettingSchema,
  z.strictObject({
    severity: z.optional(severitySettingSchema).check(z.describe('Overrides the rule\'s default severity.')),
    options: z.optional(z.record(z.string(), z.unknown())).check(z.describe('Rule-specific options (see the rule\'s page).')),
  }),
])

const nonEmptyString = z.string().check(z.minLength(1))
const positiveInt = z.number().check(z.int(), z.positive())

export const configSchema = z
  .strictObject({
    paths: z
      .prefault(
        z.strictObject({
          schema: z._default(z.array(nonEmptyString), ['src/db/schema/**']).check(z.describe('Globs of ORM schema files; a change here without a new migration is reported.')),
          migrations: z._default(z.array(nonEmptyString), ['drizzle/**']).check(z.describe('Globs of migration files; a pull request touching them is reviewed.')),
        }),
        {},
      )
      .check(z.describe('Which paths dba-review watches.')),
    migrations: z
      .prefault(
        z.strictObject({
          dir: z._default(z.string(), 'drizzle').check(z.describe('The migrations folder, relative to the repository root.')),
          layout: z._default(z.enum(['auto', 'drizzle', 'drizzle-v1', 'plain', 'prisma']), 'auto').check(z.describe('Folder layout; `auto` detects it from the files.')),
          transaction: z
            ._default(z.enum(['auto', 'all-pending', 'per-file', 'none']), 'auto')
            .check(z.describe('How the runner wraps statements: `auto` follows the layout (drizzle: one transaction for all pending migrations; prisma: one per file; plain: none).')),
          table: z._default(z.string(), 'drizzle.__drizzle_migrations').check(z.describe('The drizzle bookkeeping table (`migrationsSchema.migrationsTable`).')),
        }),
        {},
      )
      .check(z.describe('Where the migrations are and how the runner applies them.')),
    postgres: z
      .prefault(
        z.strictObject({
          version: z._default(z.number().check(z.int(), z.minimum(11), z.maximum(18)), 16).check(z.describe('Major version of the production server.')),
        }),
        {},
      )
      .check(z.describe('The production PostgreSQL server.')),
    lint: z
      .prefault(
        z.strictObject({
          assumeLockTimeout: z._default(z.boolean(), false).check(z.describe('The runner sets lock_timeout itself (e.g. a wrapper script), so migrations need not.')),
          assumeStatementTimeout: z._default(z.boolean(), false).check(z.describe('The runner sets statement_timeout itself.')),
          tableStats: z._default(z.string(), '.github/dba-review/table-stats.json').check(z.describe('Production row counts (`dba-review stats export`), read from the base branch.')),
          largeTableRows: z._default(positiveInt, 1_000_000).check(z.describe('Row count from which a locking or rewriting statement needs a `-- dba-review-plan:`.')),
        }),
        {},
      )
      .check(z.describe('How statements are linted.')),
    rules: z._default(z.record(z.string(), ruleSettingSchema), {}).check(z.describe('Per-rule severity (`off` disables) or `{ severity, options }`.')),
    extensions: z
      .prefault(
        z.strictObject({
          approved: z._default(z.array(z.string()), ['pgcrypto', 'pg_trgm', 'uuid-ossp', 'citext', 'pg_stat_statements']).check(z.describe('Extensions any migration may create.')),
          needsApproval: z._default(z.array(z.string()), ['postgis', 'vector', 'pg_partman', 'timescaledb']).check(z.describe('Extensions that need a DBA\'s approval; any extension in neither list is an error.')),
        }),
        {},
      )
      .check(z.describe('Extension policy: approved ones pass, needsApproval ones need a DBA, others are errors.')),
    approval: z
      .prefault(
        z.strictObject({
          command: z._default(z.string(), '/dba-approve').check(z.describe('The pull-request comment with which an approver approves the current head.')),
          teams: z._default(z.array(z.string().check(z.regex(/^[\w.-]+\/[\w.-]+$/, 'expected org/team-slug'))), []).check(z.describe('Teams whose active members may approve; narrows or replaces CODEOWNERS.')),
          users: z._default(z.array(z.string()), []).check(z.describe('Users who may approve.')),
          useCodeowners: z._default(z.boolean(), true).check(z.describe('Take approvers from CODEOWNERS (base branch) for the changed paths.')),
          reviews: z._default(z.boolean(), true).check(z.describe('An approving pull-request review by an approver counts like the command.')),
          allowAuthor: z._default(z.boolean(), false).check(z.describe('Whether the pull request author may approve their own change.')),
        }),
        {},
      )
      .check(z.describe('Who may approve a change that needs a DBA (the approval gate).')),
    replay: z
      .prefault(
        z.strictObject({
          enabled: z._default(z.boolean(), true).check(z.describe('Replay the change on a throw-away PostgreSQL to measure locks, rewrites and duration.')),
          backend: z._default(z.enum(['embedded', 'docker', 'url']), 'embedded').check(z.describe('Where replays run: bundled PostgreSQL binaries, a Docker container, or the server at `databaseUrl`.')),
          databaseUrl: z.optional(z.string()).check(z.describe('For the `url` backend: a server where each replay gets its own database.')),
          rows: z._default(z.number().check(z.int(), z.minimum(0)), 0).check(z.describe('Synthetic rows per existing table (0 = empty tables, fastest).')),
          probe: z._default(z.boolean(), false).check(z.describe('Run the traffic probe (reads and writes during the migration).')),
          statementTimeoutMs: z._default(positiveInt, 60_000).check(z.describe('statement_timeout for each replayed statement.')),
          deadlineMs: z._default(positiveInt, 300_000).check(z.describe('Overall limit for one replay.')),
          tempFileLimitKb: z._default(positiveInt, 1_048_576).check(z.describe('temp_file_limit of the replay role (kB).')),
          maxDatabaseBytes: z._default(positiveInt, 2_147_483_648).check(z.describe('A replay database growing beyond this is stopped.')),
          dangerousLockMs: z._default(positiveInt, 1_000).check(z.describe('A dangerous lock held longer than this is a finding.')),
          slowMigrationMs: z._default(positiveInt, 30_000).check(z.describe('A change whose replay takes longer than this is a finding.')),
          maxRows: z._default(positiveInt, 10_000_000).check(z.describe('Cap on synthetic rows per table and on rows one set-returning call in a migration may produce.')),
          blockedTrafficMs: z._default(positiveInt, 1_000).check(z.describe('Probe reads or writes blocked longer than this are a finding.')),
          lockTimeoutMs: z._default(positiveInt, 1_000).check(z.describe('The lock_timeout the lock-queue experiment tries (what the runner should set).')),
        }),
        {},
      )
      .check(z.describe('Replaying the change on a throw-away PostgreSQL 16.')),
  })
  .check(z.describe('dba-review configuration (.github/dba-review.yml)'))

export type Config = z.output<typeof configSchema>
export type ConfigInput = z.input<typeof configSchema>
export type RuleSetting = z.output<typeof ruleSettingSchema>

export const defaultConfig: Config = configSchema.parse({})
