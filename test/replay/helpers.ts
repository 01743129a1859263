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
