import { createHash } from 'node:crypto'
import type { Migration, MigrationChange, MigrationSet } from '../../src/migrations/types.js'
import type { ReplayServer } from '../../src/replay/server.js'

/** The admin connection of a running server as a postgres:// URL (for the url backend). */
export function adminUrl(server: ReplayServer): string {
  const c = server.connection('postgres')
  return `postgres://${encodeURIComponent(String(c.user))}:${encodeURIComponent(String(c.password))}@${c.host}:${c.port}/postgres`
}

/** Replay databases, roles and sessions still on the server (templates and their owner roles are meant to stay). */
export async function leftovers(server: ReplayServer): Promise<{ databases: string[]; roles: string[]; sessions: string[] }> {
  const databases = await server.query<{ name: string }>("SELECT datname AS name FROM pg_database WHERE datname LIKE 'dba\\_review\\_%' AND datname NOT LIKE 'dba\\_review\\_t\\_%' ORDER BY 1")
  const roles = await server.query<{ name: string }>("SELECT rolname AS name FROM pg_roles WHERE rolname LIKE 'dba\\_review\\_%' AND rolname NOT LIKE 'dba\\_review\\_o\\_%' ORDER BY 1")
  const sessions = await server.query<{ name: string }>("SELECT usename AS name FROM pg_stat_activity WHERE usename LIKE 'dba\\_review\\_%'")
  return { databases: databases.rows.map((r) => r.name), roles: roles.rows.map((r) => r.name), sessions: sessions.rows.map((r) => r.name) }
}

/** A drizzle-style migration (`drizzle/<id>.sql`), the n-th of its folder. */
export function migration(id: string, text: string, order: number): Migration {
  return {
    id,
    path: `drizzle/${id}.sql`,
    text,
    hash: createHash('sha256').update(text).digest('hex'),
    order,
    breakpoints: true,
    when: 1_700_000_000_000 + order * 1_000,
    idx: order,
  }
}

function drizzleSet(migrations: Migration[]): MigrationSet {
  return { layout: 'drizzle', dir: 'drizzle', migrations, ignoredFiles: [], snapshots: [], problems: [] }
}

/** A drizzle change: `base` files on the base branch, `added` after them in head. */
export function drizzleChange(base: string[], added: string[]): MigrationChange {
  const baseMigrations = base.map((text, i) => migration(`${String(i).padStart(4, '0')}_base`, text, i))
  const addedMigrations = added.map((text, i) => migration(`${String(base.length + i).padStart(4, '0')}_change`, text, base.length + i))
  return {
    base: drizzleSet(baseMigrations),
    head: drizzleSet([...baseMigrations, ...addedMigrations]),
    added: addedMigrations,
    edited: [],
    removed: [],
    changedSchemaFiles: [],
    changedFiles: addedMigrations.map((m) => m.path),
  }
}
