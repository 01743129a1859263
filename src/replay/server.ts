import { quoteIdent } from '../sql/quote.js'
import pg from 'pg'
import type { Config } from '../config/schema.js'

export type BackendKind = Config['replay']['backend']

/** A login for a role on the replay server. */
export interface Credentials {
  user: string
  password: string
}

/**
 * What a backend provides: where the server is and how to stop it. Backends stay this thin so that
 * everything else (version check, databases, roles, sandbox) is shared and tested once.
 */
export interface ServerEndpoint {
  readonly backend: BackendKind
  /** Connection settings for `database`, as the backend's admin role or as `login`. */
  connection(database: string, login?: Credentials): pg.ClientConfig
  /** A database the admin role can always connect to (e.g. `postgres`). */
  readonly maintenanceDatabase: string
  /** Whether the engine owns the whole cluster (embedded, docker) or shares it with others (url). */
  readonly ownsCluster: boolean
  stop(): Promise<void>
}

/**
 * Server settings for a cluster the engine owns: durability off (nothing in it must survive a crash)
 * and no background work (autovacuum) that would take locks during a measurement.
 */
export const THROWAWAY_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'autovacuum=off', 'jit=off', 'max_connections=200']

export class ReplayServerError extends Error {
  override name = 'ReplayServerError'
}

/** Opens a client whose unexpected termination (a cancelled or dropped session) is recorded, not thrown. */
export async function openClient(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({ ...config, application_name: 'dba-review' })
  client.on('error', () => undefined)
  await client.connect()
  return client
}

/**
 * A running PostgreSQL server for replays, whatever the backend. Holds one admin session on the
 * maintenance database for database and role management; never runs migration SQL as admin.
 */
export class ReplayServer {
  private constructor(
    private readonly endpoint: ServerEndpoint,
    private readonly admin: pg.Client,
    /** Major version the server reports (e.g. 16). */
    readonly majorVersion: number,
    /** `server_version` as the server reports it (e.g. `16.4`). */
    readonly version: string,
    /** The admin role's name. */
    readonly adminRole: string,
  ) {}

  /** Connects to a started endpoint and checks that its major version is the configured one; stops it otherwise. */
  static async connect(endpoint: ServerEndpoint, expectedMajor: number): Promise<ReplayServer> {
    let admin: pg.Client | undefined
    try {
      admin = await openClient(endpoint.connection(endpoint.maintenanceDatabase))
      const { rows } = await admin.query<{ num: string; version: string; role: string }>(
        "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version, current_user AS role",
      )
      const row = rows[0] as { num: string; version: string; role: string }
      const major = Math.floor(Number(row.num) / 10_000)
      if (major !== expectedMajor) {
        throw new ReplayServerError(
          `The ${endpoint.backend} replay server runs PostgreSQL ${row.version}, but postgres.version is ${expectedMajor}: replay results would not match production. ` +
            (endpoint.backend === 'embedded'
              ? `The embedded backend ships PostgreSQL ${major}; use replay.backend 'docker' or 'url' for PostgreSQL ${expectedMajor}.`
              : `Point replay at a PostgreSQL ${expectedMajor} server or correct postgres.version.`),
        )
      }
      // Sandbox passwords are random: PBKDF2 rounds add nothing but start-up time to every replay session.
      if (major >= 16) await admin.query('SET scram_iterations = 256')
      return new ReplayServer(endpoint, admin, major, row.version, row.role)
    } catch (error) {
      await admin?.end().catch(() => undefined)
      await endpoint.stop()
      throw error
    }
  }

  get backend(): BackendKind {
    return this.endpoint.backend
  }

  get ownsCluster(): boolean {
    return this.endpoint.ownsCluster
  }

  get maintenanceDatabase(): string {
    return this.endpoint.maintenanceDatabase
  }

  connection(database: string, login?: Credentials): pg.ClientConfig {
    return this.endpoint.connection(database, login)
  }

  /** Runs management SQL (roles, databases, catalogs) as admin on the maintenance database. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.admin.query<R>(text, values)
  }

  async databaseExists(name: string): Promise<boolean> {
    const { rowCount } = await this.admin.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [name])
    return rowCount === 1
  }

  /**
   * Creates a database nobody but its owner may connect to. FILE_COPY clones a small template in one
   * directory copy, which is faster than WAL_LOG's page-by-page copy on the databases replays use.
   */
  async createDatabase(name: string, options: { template?: string; owner?: string } = {}): Promise<void> {
    const template = quoteIdent(options.template ?? 'template0')
    const owner = options.owner ? ` OWNER ${quoteIdent(options.owner)}` : ''
    const encoding = options.template ? '' : " ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
    await this.admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${template}${owner}${encoding} STRATEGY FILE_COPY`)
    await this.admin.query(`REVOKE ALL ON DATABASE ${quoteIdent(name)} FROM PUBLIC`)
  }

  /**
   * Drops a database, ending its sessions first; a missing database is not an error. The sessions are
   * terminated and awaited here because DROP DATABASE … WITH (FORCE) waits in 100 ms steps for them.
   */
  async dropDatabase(name: string): Promise<void> {
    await this.admin.query('SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()', [name])
    const until = performance.now() + 2_000
    while (performance.now() < until) {
      const { rows } = await this.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE datname = $1', [name])
      if (!rows[0]?.n) break
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await this.admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
  }

  async stop(): Promise<void> {
    await this.admin.end().catch(() => undefined)
    await this.endpoint.stop()
  }
}
