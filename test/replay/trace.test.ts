import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import type { ReplayReport, StatementReport } from '../../src/replay/report.js'
import { replayChange } from '../../src/replay/replay.js'
import type { ReplayServer } from '../../src/replay/server.js'
import { startReplayServer } from '../../src/replay/start-server.js'
import { drizzleChange } from './helpers.js'

/** Two related tables with rows: a rewrite, scan or index build has something to do. */
const BASE = [
  [
    'CREATE TABLE "users" ("id" integer PRIMARY KEY, "email" varchar(10), "n" integer NOT NULL);',
    'CREATE TABLE "orders" ("id" integer PRIMARY KEY, "user_id" integer NOT NULL, "total" integer);',
    'INSERT INTO "users" SELECT g, \'u\' || g, g FROM generate_series(1, 5000) AS g;',
    'INSERT INTO "orders" SELECT g, 1 + g % 5000, g FROM generate_series(1, 5000) AS g;',
    'CREATE TABLE "events" ("id" integer NOT NULL, "at" date NOT NULL) PARTITION BY RANGE ("at");',
    'CREATE TABLE "events_2024" PARTITION OF "events" FOR VALUES FROM (\'2024-01-01\') TO (\'2025-01-01\');',
    'CREATE TABLE "events_2025" PARTITION OF "events" FOR VALUES FROM (\'2025-01-01\') TO (\'2026-01-01\');',
    'INSERT INTO "events" SELECT g, date \'2024-06-01\' + (g % 400) FROM generate_series(1, 2000) AS g;',
    // Big enough that a concurrent index build lasts many polls of the observing session.
    'CREATE TABLE "big" ("id" integer, "v" text);',
    'INSERT INTO "big" SELECT g, md5(g::text) FROM generate_series(1, 200000) AS g;',
  ].join('--> statement-breakpoint\n'),
]

const config = configSchema.parse({})

/** `relation MODE` for each lock a statement acquired. */
function locksOf(statement: StatementReport | undefined): string[] {
  return (statement?.locks ?? []).filter((l) => l.relationKind !== 'index').map((l) => `${l.relation} ${l.mode}`)
}

function effectsOf(statement: StatementReport | undefined): string[] {
  return (statement?.effects ?? []).map((e) => `${e.relation} ${e.kind}`)
}

describe('tracing locks, rewrites and scans on PostgreSQL 16', () => {
  let server: ReplayServer

  beforeAll(async () => {
    server = await startReplayServer(config)
  })
  afterAll(async () => {
    await server?.stop()
  })

  async function replay(...statements: string[]): Promise<ReplayReport> {
    const report = await replayChange(drizzleChange(BASE, [statements.join('--> statement-breakpoint\n')]), config, { server })
    expect(report.status, JSON.stringify(report.findings)).not.toBe('error')
    return report
  }

  function statement(report: ReplayReport, index: number): StatementReport | undefined {
    return report.migrations[0]?.statements[index]
  }

  it('ADD COLUMN with a constant default takes ACCESS EXCLUSIVE and does not rewrite', async () => {
    const report = await replay('ALTER TABLE "users" ADD COLUMN "flag" integer DEFAULT 0 NOT NULL;')
    expect(locksOf(statement(report, 0))).toEqual(['public.users ACCESS EXCLUSIVE'])
    expect(effectsOf(statement(report, 0))).toEqual([])
    expect(report.findings.filter((f) => f.ruleId === 'table-rewrite')).toEqual([])
  })

  it('ADD COLUMN with a volatile default rewrites the table', async () => {
    const report = await replay('ALTER TABLE "users" ADD COLUMN "r" double precision DEFAULT random();')
    expect(locksOf(statement(report, 0))).toContain('public.users ACCESS EXCLUSIVE')
    expect(effectsOf(statement(report, 0))).toEqual(['public.users rewrite'])
    expect(report.findings.map((f) => f.ruleId)).toContain('table-rewrite')
  })

  it('ALTER COLUMN TYPE integer → bigint rewrites the table', async () => {
    const report = await replay('ALTER TABLE "users" ALTER COLUMN "n" SET DATA TYPE bigint;')
    expect(locksOf(statement(report, 0))).toContain('public.users ACCESS EXCLUSIVE')
    expect(statement(report, 0)?.effects).toEqual([{ relation: 'public.users', relationKind: 'table', kind: 'rewrite', reasons: ['type of "n"'] }])
  })

  it('ALTER COLUMN TYPE varchar(10) → varchar(20) does not rewrite', async () => {
    const report = await replay('ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(20);')
    expect(locksOf(statement(report, 0))).toEqual(['public.users ACCESS EXCLUSIVE'])
    expect(effectsOf(statement(report, 0))).toEqual([])
  })

  it('ADD FOREIGN KEY locks both tables SHARE ROW EXCLUSIVE and scans the referencing one', async () => {
    const report = await replay('ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id");')
    const locks = locksOf(statement(report, 0))
    expect(locks).toContain('public.orders SHARE ROW EXCLUSIVE')
    expect(locks).toContain('public.users SHARE ROW EXCLUSIVE')
    expect(statement(report, 0)?.effects.find((e) => e.relation === 'public.orders')).toMatchObject({ kind: 'scan', reasons: ['validate "orders_user_fk"'] })
  })

  it('ADD FOREIGN KEY … NOT VALID takes the same locks without scanning', async () => {
    const report = await replay('ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id") NOT VALID;')
    expect(locksOf(statement(report, 0))).toEqual(expect.arrayContaining(['public.orders SHARE ROW EXCLUSIVE', 'public.users SHARE ROW EXCLUSIVE']))
    expect(effectsOf(statement(report, 0))).toEqual([])
  })

  it('CREATE INDEX takes SHARE and builds an index', async () => {
    const report = await replay('CREATE INDEX "users_email" ON "users" ("email");')
    expect(locksOf(statement(report, 0))).toEqual(['public.users SHARE'])
    expect(effectsOf(statement(report, 0))).toEqual(['public.users index-build'])
  })

  it('CREATE INDEX CONCURRENTLY (after COMMIT) takes SHARE UPDATE EXCLUSIVE, seen from a second session', async () => {
    const report = await replay('COMMIT;', 'CREATE INDEX CONCURRENTLY "big_v" ON "big" ("v");')
    const cic = statement(report, 1)
    expect(cic?.execution).toBe('concurrent')
    expect(locksOf(cic)).toEqual(['public.big SHARE UPDATE EXCLUSIVE'])
    expect(cic?.effects).toEqual([{ relation: 'public.big', relationKind: 'table', kind: 'index-build', reasons: [] }])
    expect(report.locks.filter((l) => l.dangerous)).toEqual([])
  })

  it('CREATE INDEX CONCURRENTLY inside drizzle\'s transaction fails as it would in production', async () => {
    const report = await replay('CREATE INDEX CONCURRENTLY "users_email" ON "users" ("email");')
    expect(report.status).toBe('failed')
    expect(statement(report, 0)?.error).toMatchObject({ sqlstate: '25001', class: 'error' })
    expect(report.findings.map((f) => [f.ruleId, f.range.start.line])).toEqual([['replay-error', 1]])
  })

  it('SET NOT NULL scans the table', async () => {
    const report = await replay('ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;')
    expect(locksOf(statement(report, 0))).toEqual(['public.users ACCESS EXCLUSIVE'])
    expect(statement(report, 0)?.effects).toEqual([{ relation: 'public.users', relationKind: 'table', kind: 'scan', reasons: ['SET NOT NULL "email"'] }])
  })

  it('SET NOT NULL does not scan when a validated CHECK proves it', async () => {
    const report = await replay(
      'ALTER TABLE "users" ADD CONSTRAINT "email_nn" CHECK ("email" IS NOT NULL) NOT VALID;',
      'COMMIT;',
      'ALTER TABLE "users" VALIDATE CONSTRAINT "email_nn";',
      'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;',
    )
    expect(locksOf(statement(report, 2))).toEqual(['public.users SHARE UPDATE EXCLUSIVE'])
    expect(effectsOf(statement(report, 2))).toEqual(['public.users scan'])
    expect(locksOf(statement(report, 3))).toEqual(['public.users ACCESS EXCLUSIVE'])
    expect(effectsOf(statement(report, 3))).toEqual([])
  })

  it('attributes locks after a RENAME to the table as it was named before the change', async () => {
    const report = await replay('ALTER TABLE "users" RENAME TO "people";', 'ALTER TABLE "orders" RENAME COLUMN "total" TO "amount";', 'CREATE INDEX "people_n" ON "people" ("n");', 'ALTER TABLE "people" ADD COLUMN "x" integer;')
    expect(locksOf(statement(report, 0))).toEqual(['public.users ACCESS EXCLUSIVE'])
    expect(locksOf(statement(report, 1))).toEqual(['public.orders ACCESS EXCLUSIVE'])
    // Under its new name the table is still the one captured before the change.
    expect(locksOf(statement(report, 2))).toEqual(['public.users SHARE'])
    expect(effectsOf(statement(report, 2))).toEqual(['public.users index-build'])
    expect(report.locks.map((l) => l.relation).filter((r) => r.includes('people'))).toEqual([])
  })

  it('sees the lock a new table\'s foreign key takes on an existing table, and none for a table on its own', async () => {
    const report = await replay('CREATE TABLE "notes" ("id" integer PRIMARY KEY);', 'CREATE TABLE "likes" ("user_id" integer REFERENCES "users" ("id"));', 'CREATE INDEX "notes_id" ON "notes" ("id");')
    expect(locksOf(statement(report, 0))).toEqual([])
    expect(locksOf(statement(report, 1)).sort()).toEqual(['public.users ACCESS SHARE', 'public.users SHARE ROW EXCLUSIVE'])
    expect(locksOf(statement(report, 2))).toEqual([])
    expect(report.locks.filter((l) => l.dangerous).map((l) => `${l.relation} ${l.mode} ${l.statement}`)).toEqual(['public.users SHARE ROW EXCLUSIVE 1'])
  })

  it('locks partitions along with their parent', async () => {
    const report = await replay('ALTER TABLE "events" ADD COLUMN "kind" text;')
    expect(locksOf(statement(report, 0))).toEqual(expect.arrayContaining(['public.events ACCESS EXCLUSIVE', 'public.events_2024 ACCESS EXCLUSIVE', 'public.events_2025 ACCESS EXCLUSIVE']))
  })

  it('holds each lock until the transaction commits, and records timeouts and rows', async () => {
    const report = await replay("SET lock_timeout = '3s';", 'ALTER TABLE "users" ADD COLUMN "a" integer;', 'UPDATE "orders" SET "total" = 0;', 'CREATE INDEX "orders_total" ON "orders" ("total");')
    const [set, add, update, index] = [0, 1, 2, 3].map((i) => statement(report, i))
    expect(set?.lockTimeout).toBe('0')
    expect(add?.lockTimeout).toBe('3s')
    expect(update?.rows).toBe(5000)
    expect(effectsOf(update)).toEqual(['public.orders scan'])
    const transaction = report.transactions[add?.transaction ?? -1]
    expect(transaction?.outcome).toBe('commit')
    const ael = report.locks.find((l) => l.relation === 'public.users' && l.mode === 'ACCESS EXCLUSIVE')
    const share = report.locks.find((l) => l.relation === 'public.orders' && l.mode === 'SHARE')
    expect(ael?.releasedAtMs).toBe(transaction?.endAtMs)
    expect(share?.releasedAtMs).toBe(transaction?.endAtMs)
    expect(ael?.acquiredAtMs).toBe(add?.startAtMs)
    expect(share?.acquiredAtMs).toBe(index?.startAtMs)
    expect(ael?.heldMs).toBeGreaterThan(share?.heldMs ?? Infinity)
    expect(report.totals.maxDangerousLockMs).toBe(ael?.heldMs)
  })

  it('reports a statement that PostgreSQL rejects, where it points', async () => {
    const report = await replay('ALTER TABLE "users" ADD COLUMN "a" integer;', 'ALTER TABLE "users" ADD COLUMN "b" no_such_type;')
    expect(report.status).toBe('failed')
    expect(statement(report, 0)?.status).toBe('ok')
    expect(statement(report, 1)?.error, JSON.stringify(statement(report, 1)?.error)).toMatchObject({ sqlstate: '42704', class: 'error', position: { line: 2, column: 36 } })
    expect(report.transactions.at(-1)?.outcome).toBe('rollback')
    expect(report.findings).toMatchObject([{ ruleId: 'replay-error', file: 'drizzle/0001_change.sql', range: { start: { line: 2, column: 36 } } }])
  })
})
