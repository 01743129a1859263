import { existsSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { replayChange } from '../../src/replay/replay.js'
import { Sandbox } from '../../src/replay/sandbox.js'
import { openClient, type ReplayServer } from '../../src/replay/server.js'
import { startReplayServer } from '../../src/replay/start-server.js'
import { drizzleChange, leftovers } from './helpers.js'

/**
 * Hostile migrations and what each must produce. Every one must end as a sandbox-violation (refused
 * before running, or stopped by a privilege or a limit) and leave nothing behind: the files they try to
 * create do not exist, and no database, role or session of the replay remains.
 */
const BASE = ['CREATE TABLE "t" ("id" integer PRIMARY KEY, "v" text);--> statement-breakpoint\nINSERT INTO "t" SELECT g, \'x\' FROM generate_series(1, 100) AS g;']

const LIMITS = { statementTimeoutMs: 1_500, deadlineMs: 20_000, tempFileLimitKb: 1_024, maxDatabaseBytes: 64 * 1024 * 1024, maxRows: 1_000_000 }

function marker(name: string): string {
  return `/tmp/dba-review-attack-${name}-${process.pid}`
}

interface Attack {
  name: string
  sql: string
  /** The sandbox-violation message id it must produce. */
  messageId: string
  /** Files the attack tries to create on the server host. */
  files?: string[]
  config?: ConfigInput
}

const ATTACKS: Attack[] = [
  { name: 'COPY TO PROGRAM', sql: `COPY "t" TO PROGRAM 'touch ${marker('copy-program')}';`, messageId: 'copy-program', files: [marker('copy-program')] },
  { name: 'COPY FROM PROGRAM', sql: `COPY "t" FROM PROGRAM 'id > ${marker('copy-from-program')}';`, messageId: 'copy-program', files: [marker('copy-from-program')] },
  { name: 'COPY FROM a server file', sql: "COPY \"t\" (\"v\") FROM '/etc/passwd';", messageId: 'server-file' },
  { name: 'COPY TO a server file', sql: `COPY (SELECT 1) TO '${marker('copy-file')}';`, messageId: 'server-file', files: [marker('copy-file')] },
  { name: 'pg_read_file', sql: "SELECT pg_read_file('/etc/passwd');", messageId: 'server-file' },
  { name: 'pg_ls_dir', sql: "SELECT * FROM pg_ls_dir('/');", messageId: 'server-file' },
  { name: 'lo_import', sql: "SELECT lo_import('/etc/passwd');", messageId: 'server-file' },
  { name: 'lo_export', sql: `SELECT lo_export(lo_from_bytea(0, 'x'), '${marker('lo-export')}');`, messageId: 'server-file', files: [marker('lo-export')] },
  { name: 'CREATE LANGUAGE', sql: 'CREATE LANGUAGE plperlu;', messageId: 'untrusted-language' },
  {
    name: 'untrusted function',
    sql: `CREATE FUNCTION "evil"() RETURNS void LANGUAGE plpython3u AS $$ import os; os.system('touch ${marker('plpython')}') $$;`,
    messageId: 'untrusted-language',
    files: [marker('plpython')],
  },
  { name: 'C function', sql: "CREATE FUNCTION \"evil\"() RETURNS int LANGUAGE c AS '/tmp/evil.so', 'evil';", messageId: 'untrusted-language' },
  { name: 'DO in an untrusted language', sql: `DO LANGUAGE plperlu $$ system("touch ${marker('plperl')}") $$;`, messageId: 'untrusted-language', files: [marker('plperl')] },
  { name: 'ALTER SYSTEM', sql: "ALTER SYSTEM SET shared_preload_libraries = 'evil';", messageId: 'alter-system' },
  { name: 'CREATE ROLE', sql: 'CREATE ROLE "evil" SUPERUSER LOGIN;', messageId: 'role-management' },
  { name: 'ALTER ROLE', sql: 'ALTER ROLE CURRENT_USER SUPERUSER;', messageId: 'role-management' },
  { name: 'GRANT a predefined role', sql: 'GRANT pg_execute_server_program TO CURRENT_USER;', messageId: 'role-management' },
  { name: 'SET ROLE', sql: 'SET ROLE postgres;', messageId: 'set-role' },
  { name: 'SET SESSION AUTHORIZATION', sql: 'SET SESSION AUTHORIZATION postgres;', messageId: 'set-role' },
  { name: 'set_config(role)', sql: "SELECT set_config('role', 'postgres', false);", messageId: 'set-role' },
  { name: 'function with SET role', sql: "CREATE FUNCTION \"f\"() RETURNS int LANGUAGE sql SET role = 'postgres' AS 'SELECT 1';", messageId: 'set-role' },
  { name: 'unapproved extension', sql: 'CREATE EXTENSION IF NOT EXISTS dblink;', messageId: 'extension-not-approved' },
  {
    name: 'CASCADE into an unapproved extension',
    sql: 'CREATE EXTENSION IF NOT EXISTS earthdistance CASCADE;',
    messageId: 'extension-not-approved',
    config: { extensions: { approved: ['earthdistance'] } },
  },
  { name: 'dblink to another database', sql: "SELECT dblink_connect('dbname=postgres');", messageId: 'other-database' },
  { name: 'psql \\connect', sql: '\\connect postgres', messageId: 'psql-meta-command' },
  { name: 'CREATE DATABASE', sql: 'CREATE DATABASE "evil";', messageId: 'other-database' },
  { name: 'ALTER DATABASE … SET', sql: 'ALTER DATABASE postgres SET search_path = evil;', messageId: 'other-database' },
  { name: 'CREATE SUBSCRIPTION', sql: "CREATE SUBSCRIPTION \"s\" CONNECTION 'dbname=postgres' PUBLICATION \"p\";", messageId: 'other-database' },
  { name: 'CREATE SERVER', sql: 'CREATE SERVER "s" FOREIGN DATA WRAPPER postgres_fdw;', messageId: 'other-database' },
  { name: 'LOAD a library', sql: "LOAD '/tmp/evil.so';", messageId: 'server-admin' },
  { name: 'terminate other sessions', sql: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity;', messageId: 'server-admin' },
  { name: 'PREPARE TRANSACTION', sql: "PREPARE TRANSACTION 'stuck';", messageId: 'server-admin' },
  { name: 'pg_sleep(1e6)', sql: 'SELECT pg_sleep(1e6);', messageId: 'runaway' },
  { name: 'huge generate_series', sql: 'INSERT INTO "t" SELECT g, \'x\' FROM generate_series(200, 1e12) AS g;', messageId: 'runaway' },
  { name: 'endless generate_series', sql: "SELECT count(*) FROM generate_series(now(), 'infinity', interval '1 second');", messageId: 'runaway' },
  { name: 'work_mem for a huge sort', sql: "SET work_mem = '64GB';", messageId: 'resource-setting' },
  // Past the static screen (dynamic SQL): stopped by missing privileges or by the watchdog's limits.
  {
    name: 'dynamic COPY TO PROGRAM',
    sql: `DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch ${marker('dynamic')}'''; END $$;`,
    messageId: 'permission-denied',
    files: [marker('dynamic')],
  },
  { name: 'dynamic pg_read_file', sql: "DO $$ BEGIN PERFORM pg_read_file('/etc/passwd'); END $$;", messageId: 'permission-denied' },
  { name: 'dynamic SET ROLE', sql: "DO $$ BEGIN EXECUTE 'SET ROLE postgres'; END $$;", messageId: 'permission-denied' },
  { name: 'reading pg_authid', sql: 'SELECT rolpassword FROM pg_authid;', messageId: 'permission-denied' },
  { name: 'sleep in a DO block', sql: 'DO $$ BEGIN PERFORM pg_sleep(1000); END $$;', messageId: 'statement-timeout' },
  { name: 'endless loop', sql: 'DO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$;', messageId: 'statement-timeout' },
  {
    name: 'huge sort spilling to disk',
    sql: 'SELECT count(*) FROM (SELECT md5(g::text) AS h FROM generate_series(1, 400000) AS g ORDER BY 1) AS s;',
    messageId: 'temp-file-limit',
  },
  {
    name: 'filling the disk',
    sql: "DO $$ BEGIN LOOP INSERT INTO \"t\" (\"id\", \"v\") SELECT nextval('s'), repeat(md5(random()::text), 40) FROM generate_series(1, 5000); END LOOP; END $$;",
    messageId: 'database-size',
    config: { replay: { ...LIMITS, statementTimeoutMs: 20_000, maxDatabaseBytes: 24 * 1024 * 1024 } },
  },
  {
    name: 'many slow statements past the deadline',
    sql: Array.from({ length: 6 }, () => 'DO $$ BEGIN PERFORM pg_sleep(1); END $$;').join('--> statement-breakpoint\n'),
    messageId: 'deadline',
    config: { replay: { ...LIMITS, deadlineMs: 2_500 } },
  },
]

describe('replay sandbox attack suite', () => {
  let server: ReplayServer

  beforeAll(async () => {
    server = await startReplayServer(configSchema.parse({}))
  })
  afterAll(async () => {
    await server?.stop()
    for (const attack of ATTACKS) for (const file of attack.files ?? []) rmSync(file, { force: true })
  })

  it('runs migrations as a role that owns its database and nothing else', async () => {
    await server.createDatabase('dba_review_test_other')
    const sandbox = await Sandbox.open(server, { template: 'template0', limits: LIMITS })
    try {
      const client = await sandbox.connect()
      const { rows } = await client.query(`
        SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
               (SELECT count(*)::int FROM pg_auth_members m WHERE m.member = r.oid) AS memberships,
               pg_has_role(current_user, 'pg_execute_server_program', 'USAGE') AS program,
               pg_has_role(current_user, 'pg_read_server_files', 'USAGE') AS read_files,
               pg_has_role(current_user, 'pg_write_server_files', 'USAGE') AS write_files,
               (SELECT array_agg(datname::text ORDER BY datname) FROM pg_database WHERE has_database_privilege(datname, 'CONNECT')) AS connectable,
               has_schema_privilege('public', 'CREATE') AS create_in_public,
               pg_get_userbyid((SELECT datdba FROM pg_database WHERE datname = current_database())) = current_user AS owns_database
          FROM pg_roles r WHERE r.rolname = current_user`)
      expect(rows[0]).toEqual({
        rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false, rolbypassrls: false, memberships: 0,
        program: false, read_files: false, write_files: false,
        connectable: [sandbox.database], create_in_public: true, owns_database: true,
      })
      await expect(openClient(server.connection('dba_review_test_other', sandbox.login))).rejects.toThrow(/permission denied for database/)
      await expect(openClient(server.connection('postgres', sandbox.login))).rejects.toThrow(/permission denied for database/)
    } finally {
      await sandbox.dispose()
      await server.dropDatabase('dba_review_test_other')
    }
    expect(await leftovers(server)).toEqual({ databases: [], roles: [], sessions: [] })
  })

  it('has at least 25 hostile migrations', () => {
    expect(ATTACKS.length).toBeGreaterThanOrEqual(25)
  })

  it.each(ATTACKS)('$name → sandbox-violation $messageId', async (attack) => {
    const config = configSchema.parse({ replay: LIMITS, ...attack.config })
    // The disk-filling attack needs a sequence for unique ids; creating it is harmless.
    const sql = attack.messageId === 'database-size' ? `CREATE SEQUENCE "s" START 1000;--> statement-breakpoint\n${attack.sql}` : attack.sql
    const report = await replayChange(drizzleChange(BASE, [sql]), config, { server })

    expect(report.status).toBe('refused')
    const violations = report.findings.filter((f) => f.ruleId === 'sandbox-violation')
    expect(violations.map((f) => f.messageId)).toEqual([attack.messageId])
    expect(violations[0]?.file).toBe('drizzle/0001_change.sql')
    for (const file of attack.files ?? []) expect(existsSync(file), `${file} was created`).toBe(false)
    expect(await leftovers(server)).toEqual({ databases: [], roles: [], sessions: [] })
  })

  it('screens the base migrations too: a hostile base stops the replay before the change', async () => {
    const report = await replayChange(drizzleChange([`COPY (SELECT 1) TO PROGRAM 'touch ${marker('base')}';`], ['CREATE TABLE "x" ("id" integer);']), configSchema.parse({ replay: LIMITS }), { server })
    expect(report.status).toBe('error')
    expect(report.findings).toMatchObject([{ ruleId: 'replay-error', messageId: 'base', file: 'drizzle/0000_base.sql', message: expect.stringContaining('COPY … PROGRAM runs a shell command') }])
    expect(existsSync(marker('base'))).toBe(false)
    expect(await leftovers(server)).toEqual({ databases: [], roles: [], sessions: [] })
  })

  it('creates an approved extension where the migration\'s search_path puts it', async () => {
    const base = [...BASE, 'CREATE SCHEMA "ext";']
    const sql = ['SET search_path = ext, public;', 'CREATE EXTENSION IF NOT EXISTS citext;', 'CREATE TABLE public."emails" ("address" ext.citext);'].join('--> statement-breakpoint\n')
    const report = await replayChange(drizzleChange(base, [sql]), configSchema.parse({ replay: LIMITS }), { server })
    expect(report.findings).toEqual([])
    expect(report.migrations[0]?.statements.map((s) => [s.status, s.executedBy])).toEqual([
      ['ok', 'sandbox'],
      ['ok', 'engine'],
      ['ok', 'sandbox'],
    ])
  })

  it('lets an ordinary migration through, creating approved extensions on its behalf', async () => {
    const sql = [
      'CREATE EXTENSION IF NOT EXISTS pgcrypto;',
      "SET lock_timeout = '2s';",
      'CREATE TABLE "tokens" ("id" bytea DEFAULT gen_random_bytes(16) NOT NULL, "t_id" integer REFERENCES "t" ("id"));',
      'CREATE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."v" := upper(NEW."v"); RETURN NEW; END $$;',
      'CREATE TRIGGER "t_touch" BEFORE UPDATE ON "t" FOR EACH ROW EXECUTE FUNCTION "touch"();',
      'DO $$ BEGIN UPDATE "t" SET "v" = \'y\' WHERE "id" < 10; END $$;',
      'INSERT INTO "tokens" ("t_id") SELECT "id" FROM "t";',
    ].join('--> statement-breakpoint\n')
    const report = await replayChange(drizzleChange(BASE, [sql]), configSchema.parse({ replay: LIMITS }), { server })
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(report.status).toBe('passed')
    const statements = report.migrations[0]?.statements ?? []
    expect(statements[0]?.executedBy).toBe('engine')
    expect(statements.at(-1)?.rows).toBe(100)
    expect(await leftovers(server)).toEqual({ databases: [], roles: [], sessions: [] })
  })
})
