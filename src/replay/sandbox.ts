import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { type Credentials, openClient, type ReplayServer } from './server.js'
import { quoteIdent, quoteLiteral } from '../sql/quote.js'

/** Resource limits of one replay (from `config.replay`). */
export interface SandboxLimits {
  statementTimeoutMs: number
  deadlineMs: number
  tempFileLimitKb: number
  maxDatabaseBytes: number
}

/** Every role and database the engine creates starts with this, so leftovers are easy to find. */
export const ENGINE_PREFIX = 'dba_review_'

export function randomName(kind: string): string {
  return `${ENGINE_PREFIX}${kind}_${randomBytes(6).toString('hex')}`
}

/**
 * Creates (or re-arms) a login role with no privileges beyond what it will own: not superuser, cannot
 * create roles or databases, not a member of any role (so none of pg_execute_server_program,
 * pg_read_server_files, pg_write_server_files…). temp_file_limit is superuser-only, so the migration
 * cannot lift it; statement_timeout and idle_in_transaction_session_timeout set here are only a
 * backstop in case the engine dies mid-replay (the engine's own watchdog enforces the real limits).
 */
export async function armRole(server: ReplayServer, role: string, limits: SandboxLimits): Promise<Credentials> {
  const password = randomBytes(24).toString('base64url')
  const exists = (await server.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role])).rowCount === 1
  const attributes = `LOGIN PASSWORD ${quoteLiteral(password)} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 64`
  await server.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${quoteIdent(role)} ${exists ? 'WITH ' : ''}${attributes}`)
  const backstopMs = limits.deadlineMs + 5_000
  await server.query(`ALTER ROLE ${quoteIdent(role)} SET temp_file_limit = ${quoteLiteral(`${limits.tempFileLimitKb}kB`)}`)
  await server.query(`ALTER ROLE ${quoteIdent(role)} SET statement_timeout = ${backstopMs}`)
  await server.query(`ALTER ROLE ${quoteIdent(role)} SET idle_in_transaction_session_timeout = ${backstopMs}`)
  return { user: role, password }
}

/**
 * One replay database: a clone of a template owned by a fresh sandbox role. The migration's sessions
 * log in as that role; the engine keeps an admin session in the database for catalog reads and for
 * creating approved extensions. `dispose()` removes the database and the role on every path.
 */
export class Sandbox {
  private readonly clients = new Set<pg.Client>()
  private disposed = false

  private constructor(
    readonly server: ReplayServer,
    readonly database: string,
    readonly login: Credentials,
    /** Admin session in the sandbox database: engine SQL only, never the migration's. */
    readonly admin: pg.Client,
    readonly adminPid: number,
  ) {}

  /**
   * Clones `template` into a new database owned by a new sandbox role. Objects the template's owner
   * role created are handed to the sandbox role so that the migration may alter them.
   */
  static async open(server: ReplayServer, options: { template: string; templateOwner?: string; limits: SandboxLimits }): Promise<Sandbox> {
    const name = randomName('r')
    let login: Credentials | undefined
    let admin: pg.Client | undefined
    try {
      login = await armRole(server, name, options.limits)
      await server.createDatabase(name, { template: options.template, owner: name })
      admin = await openClient(server.connection(name))
      if (options.templateOwner) await admin.query(`REASSIGN OWNED BY ${quoteIdent(options.templateOwner)} TO ${quoteIdent(name)}`)
      return new Sandbox(server, name, login, admin, await backendPid(admin))
    } catch (error) {
      await admin?.end().catch(() => undefined)
      await server.dropDatabase(name).catch(() => undefined)
      if (login) await dropRole(server, name).catch(() => undefined)
      throw error
    }
  }

  /** A new session as the sandbox role; closed by `dispose()`. */
  async connect(): Promise<pg.Client> {
    const client = await openClient(this.server.connection(this.database, this.login))
    this.clients.add(client)
    return client
  }

  async close(client: pg.Client): Promise<void> {
    this.clients.delete(client)
    await endClient(client)
  }

  /** Removes every trace: sessions (forcibly, a runaway query included), the database, the role. */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    await this.server.dropDatabase(this.database)
    await Promise.all([...this.clients, this.admin].map(endClient))
    this.clients.clear()
    await dropRole(this.server, this.login.user)
  }
}

export async function backendPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid')
  return rows[0]?.pid as number
}

/** A session whose backend was terminated may never answer; don't wait for it. */
async function endClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([client.end().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)))])
  clearTimeout(timer)
}

export async function dropRole(server: ReplayServer, role: string): Promise<void> {
  await server.query('SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = $1', [role])
  await server.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`)
}
