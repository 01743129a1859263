import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { findMigrationSet } from '../../src/migrations/find-migration-set.js'
import { FsSource } from '../../src/migrations/fs-source.js'
import type { MigrationSet } from '../../src/migrations/types.js'
import { type CatalogSchema, readCatalog } from '../../src/replay/catalog.js'
import { limitsOf, policyOf } from '../../src/replay/replay.js'
import { Sandbox } from '../../src/replay/sandbox.js'
import { openClient, type ReplayServer } from '../../src/replay/server.js'
import { startReplayServer } from '../../src/replay/start-server.js'
import { type BaseSpec, ensureTemplate, type Template } from '../../src/replay/template.js'
import { leftovers } from './helpers.js'

const corpus = process.env.DBA_REVIEW_CORPUS ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus')
const config = configSchema.parse({ migrations: { dir: '' } })
const DRIZZLE = { schema: 'drizzle', table: '__drizzle_migrations' }

interface Applied {
  catalog: CatalogSchema
  rows: Array<{ id: number; hash: string; created_at: string }>
}

async function readApplied(client: import('pg').Client): Promise<Applied> {
  const { rows } = await client.query<Applied['rows'][number]>('SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id')
  return { catalog: await readCatalog(client), rows }
}

/** A tiny drizzle folder written to disk, so both appliers read the same files. */
function writeFolder(files: Array<{ tag: string; sql: string }>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drizzle-folder-'))
  mkdirSync(path.join(dir, 'meta'))
  const entries = files.map((f, idx) => ({ idx, version: '7', when: 1_700_000_000_000 + idx * 1000, tag: f.tag, breakpoints: true }))
  writeFileSync(path.join(dir, 'meta/_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2))
  for (const f of files) writeFileSync(path.join(dir, `${f.tag}.sql`), f.sql)
  return dir
}

describe('applying a base the way drizzle-orm does', () => {
  let server: ReplayServer
  const folders: string[] = []

  beforeAll(async () => {
    server = await startReplayServer(configSchema.parse({}))
  })
  afterAll(async () => {
    await server?.stop()
    for (const dir of folders) rmSync(dir, { recursive: true, force: true })
  })

  function spec(set: MigrationSet): BaseSpec {
    return { migrations: set.migrations, mode: 'all-pending', drizzle: DRIZZLE, policy: policyOf(config), limits: limitsOf(config) }
  }

  async function ours(set: MigrationSet): Promise<{ applied: Applied; template: Template }> {
    const result = await ensureTemplate(server, spec(set))
    if (!result.ok) throw new Error(`base failed: ${JSON.stringify(result.run.stop)}`)
    const sandbox = await Sandbox.open(server, { template: result.template.database, templateOwner: result.template.owner, limits: limitsOf(config) })
    try {
      return { applied: await readApplied(sandbox.admin), template: result.template }
    } finally {
      await sandbox.dispose()
    }
  }

  async function theirs(dir: string, database: string): Promise<Applied> {
    await server.createDatabase(database)
    const client = await openClient(server.connection(database))
    try {
      await migrate(drizzle(client), { migrationsFolder: dir })
      return await readApplied(client)
    } finally {
      await client.end()
      await server.dropDatabase(database)
    }
  }

  it('matches drizzle-orm\'s migrator on a real history: same schema, same __drizzle_migrations rows', async () => {
    const dir = path.join(corpus, 'Dokploy__dokploy')
    const set = await findMigrationSet(new FsSource(dir), config)
    const [{ applied, template }, reference] = [await ours(set), await theirs(dir, 'dba_review_test_dokploy')]
    expect(template.built).toBe(true)
    expect(Object.keys(applied.catalog.tables).length).toBeGreaterThan(30)
    expect(applied.catalog).toEqual(reference.catalog)
    expect(applied.rows).toHaveLength(186)
    expect(applied.rows).toEqual(reference.rows)
    expect(await leftovers(server)).toEqual({ databases: [], roles: [], sessions: [] })
  }, 120_000)

  it('matches it where a file COMMITs and runs CREATE INDEX CONCURRENTLY, and an enum value is added then used', async () => {
    const dir = writeFolder([
      { tag: '0000_init', sql: 'CREATE TYPE "status" AS ENUM (\'a\');--> statement-breakpoint\nCREATE TABLE "t" ("id" serial PRIMARY KEY, "s" "status");' },
      {
        tag: '0001_concurrently',
        sql: 'COMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "t_s" ON "t" ("s");--> statement-breakpoint\nALTER TYPE "status" ADD VALUE \'b\';\nCREATE TABLE "u" ("id" int);',
      },
      { tag: '0002_use', sql: 'INSERT INTO "t" ("s") VALUES (\'b\');--> statement-breakpoint\nALTER TABLE "u" ADD COLUMN "x" text;' },
    ])
    folders.push(dir)
    const set = await findMigrationSet(new FsSource(dir), config)
    const { applied } = await ours(set)
    const reference = await theirs(dir, 'dba_review_test_commit')
    expect(applied.catalog).toEqual(reference.catalog)
    expect(applied.catalog.tables['public.t']?.indexes).toHaveProperty('t_s')
    expect(applied.rows).toEqual(reference.rows)
  })

  it('reuses the template for the same base and builds another for a different one', async () => {
    const dir = writeFolder([{ tag: '0000_a', sql: 'CREATE TABLE "a" ("id" int);' }])
    folders.push(dir)
    const set = await findMigrationSet(new FsSource(dir), config)
    const built = async (s: MigrationSet) => {
      const result = await ensureTemplate(server, spec(s))
      return result.ok ? { built: result.template.built, database: result.template.database } : undefined
    }
    const first = await built(set)
    expect(first?.built).toBe(true)
    expect(await built(set)).toEqual({ built: false, database: first?.database })
    const edited = { ...set, migrations: set.migrations.map((m) => ({ ...m, hash: `${m.hash}0` })) }
    const other = await built(edited)
    expect(other?.built).toBe(true)
    expect(other?.database).not.toBe(first?.database)
  })

  it('reports the base statement that does not apply, and keeps no template for it', async () => {
    const dir = writeFolder([{ tag: '0000_broken', sql: 'CREATE TABLE "a" ("id" int);--> statement-breakpoint\nALTER TABLE "missing" ADD COLUMN "x" int;' }])
    folders.push(dir)
    const set = await findMigrationSet(new FsSource(dir), config)
    const result = await ensureTemplate(server, spec(set))
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.run.stop).toMatchObject({ migration: 0, statement: 1, error: { sqlstate: '42P01', message: 'relation "missing" does not exist' } })
    expect(await server.databaseExists(`dba_review_t_${result.key.slice(0, 24)}`)).toBe(false)
    expect(await leftovers(server)).toEqual({ databases: [], roles: [], sessions: [] })
  })
})
