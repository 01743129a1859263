import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { compareMigrationSets } from '../../src/migrations/compare-migrations.js'
import type { FileSource } from '../../src/migrations/file-source.js'
import { findMigrationSet } from '../../src/migrations/find-migration-set.js'
import { FsSource } from '../../src/migrations/fs-source.js'
import { canonicalDefault, canonicalType } from '../../src/replay/drift.js'
import { replayChange } from '../../src/replay/replay.js'
import type { ReplayServer } from '../../src/replay/server.js'
import { startReplayServer } from '../../src/replay/start-server.js'
import { drizzleChange } from './helpers.js'

const corpus = process.env.DBA_REVIEW_CORPUS ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus')

/** A head tree holding one snapshot file. */
function snapshotSource(snapshotPath: string, snapshot: unknown): FileSource {
  return { label: 'test', list: async () => [snapshotPath], read: async (p) => (p === snapshotPath ? Buffer.from(JSON.stringify(snapshot, null, 2)) : null) }
}

describe('canonical types and defaults', () => {
  it.each([
    ['varchar(256)', 'character varying(256)'],
    ['timestamp (3) with time zone', 'timestamp(3) with time zone'],
    ['timestamp', 'timestamp without time zone'],
    ['serial', 'integer'],
    ['bigserial', 'bigint'],
    ['numeric(10, 2)', 'numeric(10,2)'],
    ['text[]', 'text[]'],
    ['"public"."status"', 'status'],
    ['double precision', 'float8'],
  ])('%s is %s', (snapshot, database) => {
    expect(canonicalType(snapshot)).toBe(canonicalType(database))
  })

  it('tells different types apart', () => {
    expect(canonicalType('varchar(255)')).not.toBe(canonicalType('character varying(256)'))
    expect(canonicalType('integer[]')).not.toBe(canonicalType('integer'))
  })

  it.each([
    ["'active'", "'active'::text"],
    ["'{}'::jsonb", "'{}'::jsonb"],
    ['now()', 'now()'],
    [false, 'false'],
    [0, '0'],
    ["'a'", "('a'::character varying)"],
  ])('default %s is %s', (snapshot, database) => {
    expect(canonicalDefault(snapshot)).toBe(canonicalDefault(database))
  })
})

describe('after the change: snapshot drift and unindexed foreign keys', () => {
  let server: ReplayServer
  const config = configSchema.parse({ migrations: { dir: '' } })

  beforeAll(async () => {
    server = await startReplayServer(config)
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('finds exactly the genuine drift of a real history against its last snapshot', async () => {
    const dir = path.join(corpus, 'Dokploy__dokploy')
    const source = new FsSource(dir)
    const head = await findMigrationSet(source, config)
    const base = { ...head, migrations: head.migrations.slice(0, -1) }
    const report = await replayChange(compareMigrationSets(base, head, [], config), config, { server, files: source })
    expect(report.status).toBe('passed')
    expect(report.migrations.map((m) => m.id)).toEqual([head.migrations.at(-1)?.id])
    expect(report.drift?.snapshot).toBe('meta/0185_snapshot.json')
    // Dokploy's 0066 is hand-written SQL the schema never caught up with, and 0033 appends enum values
    // that the snapshot lists in another order. Everything else (≈60 tables) agrees.
    expect(report.drift?.differences.map((d) => `${d.object} ${d.name} ${d.kind}`)).toEqual([
      ...['certificate', 'destination', 'git_provider', 'notification', 'project', 'registry', 'server', 'sshkey'].map((t) => `index idx_${t}_organization unexpected`),
      'column public.user.two_factor_enabled different',
      'column public.user.two_factor_enabled different',
      'column public.user.enableLogRotation unexpected',
      'enum public.sourceType different',
      'enum public.sourceTypeCompose different',
    ])
    expect(report.findings.filter((f) => f.ruleId === 'snapshot-drift')).toHaveLength(13)
  }, 120_000)

  it('reports where the replayed schema and the snapshot disagree', async () => {
    const change = drizzleChange(
      ['CREATE TYPE "status" AS ENUM (\'new\', \'done\');--> statement-breakpoint\nCREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" varchar(255) NOT NULL, "status" "status" DEFAULT \'new\');'],
      ['ALTER TABLE "users" ADD COLUMN "extra" text;--> statement-breakpoint\nALTER TABLE "users" ALTER COLUMN "email" DROP NOT NULL;--> statement-breakpoint\nALTER TYPE "status" ADD VALUE \'lost\';'],
    )
    change.head.snapshots = [{ path: 'drizzle/meta/0001_snapshot.json' }]
    const snapshot = {
      version: '7',
      dialect: 'postgresql',
      tables: {
        'public.users': {
          name: 'users',
          schema: '',
          columns: {
            id: { name: 'id', type: 'serial', primaryKey: true, notNull: true },
            email: { name: 'email', type: 'varchar(255)', primaryKey: false, notNull: true },
            status: { name: 'status', type: 'status', typeSchema: 'public', primaryKey: false, notNull: false, default: "'new'" },
          },
          indexes: { users_email_idx: { name: 'users_email_idx', columns: [{ expression: 'email', isExpression: false, asc: true, nulls: 'last' }], isUnique: true } },
          foreignKeys: {},
          compositePrimaryKeys: {},
          uniqueConstraints: {},
        },
      },
      enums: { 'public.status': { name: 'status', schema: 'public', values: ['new', 'done'] } },
    }
    const report = await replayChange(change, config, { server, files: snapshotSource('drizzle/meta/0001_snapshot.json', snapshot) })
    expect(report.drift?.differences).toEqual([
      { object: 'column', name: 'public.users.email', kind: 'different', snapshot: 'NOT NULL', database: 'nullable' },
      { object: 'column', name: 'public.users.extra', kind: 'unexpected', database: 'text' },
      { object: 'index', name: 'users_email_idx', kind: 'missing', snapshot: 'email' },
      { object: 'enum', name: 'public.status', kind: 'different', snapshot: 'new, done', database: 'new, done, lost' },
    ])
    const drift = report.findings.filter((f) => f.ruleId === 'snapshot-drift')
    expect(drift).toHaveLength(4)
    expect(drift[0]).toMatchObject({ file: 'drizzle/meta/0001_snapshot.json', severity: 'warning' })
    expect(drift.map((f) => f.range.start.line)).toContain(5)
  })

  it('lists foreign keys the change adds without a supporting index', async () => {
    const base = ['CREATE TABLE "users" ("id" integer PRIMARY KEY);--> statement-breakpoint\nCREATE TABLE "old" ("user_id" integer REFERENCES "users" ("id"));']
    const report = await replayChange(
      drizzleChange(base, [
        [
          'CREATE TABLE "posts" ("id" integer PRIMARY KEY, "author_id" integer NOT NULL, "editor_id" integer);',
          'ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "users" ("id");',
          'ALTER TABLE "posts" ADD CONSTRAINT "posts_editor_fk" FOREIGN KEY ("editor_id") REFERENCES "users" ("id");',
          'CREATE INDEX "posts_editor_idx" ON "posts" ("editor_id", "id");',
        ].join('--> statement-breakpoint\n'),
      ]),
      config,
      { server },
    )
    expect(report.unindexedForeignKeys).toEqual([{ constraint: 'posts_author_fk', table: 'public.posts', columns: ['author_id'], references: 'public.users' }])
    expect(report.findings.map((f) => [f.ruleId, f.range.start.line])).toEqual([['fk-without-index', 2]])
  })
})
