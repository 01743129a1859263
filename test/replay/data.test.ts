import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { limitsOf, replayChange } from '../../src/replay/replay.js'
import { backendPid, Sandbox } from '../../src/replay/sandbox.js'
import { seedTables } from '../../src/replay/seed.js'
import type { ReplayServer } from '../../src/replay/server.js'
import { startReplayServer } from '../../src/replay/start-server.js'
import { Watchdog } from '../../src/replay/watchdog.js'
import { drizzleChange, leftovers } from './helpers.js'

const BASE = [
  [
    'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" varchar(40) NOT NULL UNIQUE, "nickname" text, "score" integer);',
    'CREATE TABLE "orders" ("id" serial PRIMARY KEY, "user_id" integer NOT NULL REFERENCES "users" ("id"), "total" integer NOT NULL, "flag" boolean);',
  ].join('--> statement-breakpoint\n'),
]

describe('synthetic data, traffic and estimates', () => {
  let server: ReplayServer
  const config = configSchema.parse({ replay: { lockTimeoutMs: 200, blockedTrafficMs: 100 } })

  beforeAll(async () => {
    server = await startReplayServer(config)
  })
  afterAll(async () => {
    await server?.stop()
  })

  describe('seeding', () => {
    let sandbox: Sandbox
    let client: pg.Client

    beforeAll(async () => {
      sandbox = await Sandbox.open(server, { template: 'template0', limits: limitsOf(config) })
      client = await sandbox.connect()
      await client.query(`
        CREATE TYPE "status" AS ENUM ('new', 'paid', 'shipped');
        CREATE TABLE "users" ("id" uuid PRIMARY KEY DEFAULT md5(random()::text)::uuid, "email" varchar(12) NOT NULL UNIQUE, "bio" text,
          "born" date, "meta" jsonb, "tags" text[], "price" numeric(6, 2) CHECK ("price" >= 0), "manager" uuid REFERENCES "users" ("id"));
        CREATE TABLE "orders" ("id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "user_id" uuid NOT NULL REFERENCES "users" ("id"),
          "status" "status" NOT NULL, "rating" integer CHECK ("rating" BETWEEN 1 AND 5), "at" timestamptz NOT NULL DEFAULT now());
        CREATE TABLE "counters" ("id" serial PRIMARY KEY, "created" timestamp DEFAULT now());
        CREATE TABLE "codes" ("code" text NOT NULL CHECK ("code" ~ '^[A-Z]{3}$'));
        CREATE TABLE "places" ("at" point NOT NULL);
        CREATE TABLE "events" ("id" int NOT NULL, "day" date NOT NULL) PARTITION BY RANGE ("day");
        CREATE TABLE "events_all" PARTITION OF "events" FOR VALUES FROM ('2000-01-01') TO ('2100-01-01');
      `)
    })
    afterAll(async () => {
      await sandbox?.dispose()
    })

    it('fills tables in SQL respecting types, NOT NULL, UNIQUE, CHECK, foreign keys and a share of NULLs', async () => {
      const data = await seedTables(client, {
        rowsFor: () => 300,
        exclude: [],
        watchdog: new Watchdog(server, sandbox.database, limitsOf(config)),
        pid: await backendPid(client),
      })
      expect(Object.fromEntries(data.tables.map((t) => [t.relation, t.error ?? t.rows]))).toEqual({
        'public.users': 300,
        'public.orders': 300,
        'public.counters': 300,
        'public.codes': expect.stringMatching(/violates check constraint "codes_code_check"/),
        'public.places': 'no generator for type point of "at"',
        'public.events': 300,
      })
      const { rows } = await client.query(`
        SELECT (SELECT count(*) FILTER (WHERE bio IS NULL)::int FROM users) AS null_bios,
               (SELECT count(DISTINCT email)::int FROM users) AS emails,
               (SELECT max(length(email))::int FROM users) AS longest_email,
               (SELECT count(*) FILTER (WHERE manager IS NULL)::int FROM users) AS no_manager,
               (SELECT count(DISTINCT status)::int FROM orders) AS statuses,
               (SELECT count(*) FILTER (WHERE rating IS NULL)::int FROM orders) AS no_rating,
               (SELECT count(DISTINCT user_id)::int FROM orders) AS buyers`)
      expect(rows[0]).toEqual({ null_bios: 60, emails: 300, longest_email: 4, no_manager: 300, statuses: 3, no_rating: 300, buyers: 300 })
    })
  })

  it('reports a statement that fails only because of existing rows as a data-dependent failure', async () => {
    const change = drizzleChange(BASE, ['ALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL;'])
    const seeded = await replayChange(change, config, { server, rows: 200 })
    expect(seeded.status).toBe('failed')
    expect(seeded.findings.map((f) => [f.ruleId, f.message])).toEqual([
      ['data-dependent-failure', expect.stringMatching(/column "nickname" of relation "users" contains null values \(SQLSTATE 23502; 200 synthetic rows in public.users\)/)],
    ])
    expect(seeded.migrations[0]?.statements[0]?.error?.class).toBe('data')
    const empty = await replayChange(change, config, { server })
    expect(empty.status).toBe('passed')
    expect(await leftovers(server)).toEqual({ databases: [], roles: [], sessions: [] })
  })

  it('keeps a failure that happens on empty tables too a replay error', async () => {
    const report = await replayChange(drizzleChange(BASE, ['INSERT INTO "orders" ("user_id", "total") VALUES (-1, 1);']), config, { server, rows: 50 })
    expect(report.findings.map((f) => [f.ruleId, f.message])).toEqual([['replay-error', expect.stringContaining('violates foreign key constraint')]])
  })

  it('measures blocked traffic during an ACCESS EXCLUSIVE rewrite of a seeded table', async () => {
    const report = await replayChange(drizzleChange(BASE, ['ALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE bigint;']), config, { server, rows: 100_000, probe: true })
    expect(report.status).toBe('passed')
    const orders = report.traffic?.tables.find((t) => t.relation === 'public.orders')
    expect(orders?.reads.blocked).toBeGreaterThan(0)
    expect(orders?.reads.maxBlockedMs).toBeGreaterThan(0)
    expect(orders?.writes.blocked).toBeGreaterThan(0)
    expect(report.traffic?.tables.map((t) => t.relation)).toEqual(['public.orders'])
  })

  it('measures no blocked traffic during CREATE INDEX CONCURRENTLY', async () => {
    const report = await replayChange(drizzleChange(BASE, ['COMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "orders_total" ON "orders" ("total");']), config, { server, rows: 100_000, probe: true })
    expect(report.status).toBe('passed')
    expect(report.traffic?.reads.queries).toBeGreaterThan(0)
    expect(report.traffic?.reads.blocked).toBe(0)
    expect(report.traffic?.writes.blocked).toBe(0)
    expect(report.lockQueue).toBeUndefined()
    expect(report.findings.filter((f) => f.ruleId === 'blocked-traffic')).toEqual([])
  })

  it('reproduces the lock queue: readers wait behind a blocked ACCESS EXCLUSIVE request unless lock_timeout ends it', async () => {
    const report = await replayChange(drizzleChange(BASE, ['ALTER TABLE "users" ADD COLUMN "age" integer;']), config, { server, probe: true })
    expect(report.lockQueue).toMatchObject({
      relation: 'public.users',
      migration: '0001_change',
      statement: 0,
      mode: 'ACCESS EXCLUSIVE',
      withoutLockTimeout: { outcome: 'completed' },
      withLockTimeout: { outcome: 'lock-timeout', lockTimeoutMs: 200 },
    })
    expect(report.findings.find((f) => f.ruleId === 'blocked-traffic' && f.messageId === 'queue')?.range.start.line).toBe(1)
    expect(await leftovers(server)).toEqual({ databases: [], roles: [], sessions: [] })
  })

  it('estimates production time from two seeded sizes: rewrites grow with rows, catalog-only changes stay flat', async () => {
    const change = drizzleChange(BASE, ['ALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE bigint;--> statement-breakpoint\nALTER TABLE "orders" ADD COLUMN "note" text;'])
    const stats = new Map([['public.users', 1_000], ['public.orders', 5_000_000]])
    const report = await replayChange(change, config, { server, tableStats: stats, estimateSizes: [1_000, 30_000] })
    const estimates = report.estimates
    expect(estimates).toMatchObject({ estimated: true, sizes: [1_000, 30_000], productionRows: { 'public.orders': 5_000_000 } })
    const [rewrite, addColumn] = estimates?.statements ?? []
    expect(rewrite).toMatchObject({ relation: 'public.orders', rows: 5_000_000, model: 'linear', measured: [{ rows: 1_000 }, { rows: 30_000 }] })
    expect(rewrite?.estimatedMs).toBeGreaterThan(rewrite?.measured[1]?.ms ?? Infinity)
    expect(addColumn).toMatchObject({ model: 'flat' })
    expect(estimates?.locks.find((l) => l.relation === 'public.orders' && l.mode === 'ACCESS EXCLUSIVE')?.estimatedHeldMs).toBeGreaterThanOrEqual(rewrite?.estimatedMs ?? Infinity)
    expect(report.findings.some((f) => f.ruleId === 'dangerous-lock' && f.message.includes('estimated for production sizes from runs at 1000 and 30000 rows'))).toBe(true)
  })
})
