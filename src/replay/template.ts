import { createHash } from 'node:crypto'
import type pg from 'pg'
import type { Migration, TransactionMode } from '../migrations/types.js'
import { loadParser, parseMigration } from '../sql/parse.js'
import { type RunResult, runMigrations } from './run.js'
import { armRole, backendPid, dropRole, ENGINE_PREFIX, randomName, type SandboxLimits } from './sandbox.js'
import type { ScreenPolicy } from './screen.js'
import { openClient, type ReplayServer } from './server.js'
import { type Capture, captureTemplate, installTraceHelpers, type Observation } from './trace.js'
import { Watchdog } from './watchdog.js'
import { quoteIdent } from '../sql/quote.js'

/** Bump when what a template contains changes (helpers, apply semantics): old templates are then never reused. */
const TEMPLATE_FORMAT = 6

export interface BaseSpec {
  /** The base branch's migrations in application order (empty: the change starts from an empty database). */
  migrations: Migration[]
  mode: TransactionMode
  drizzle?: { schema: string; table: string }
  policy: ScreenPolicy
  limits: SandboxLimits
}

export interface Template {
  key: string
  database: string
  /** The role that owns the template's objects; clones hand them to their sandbox role. */
  owner: string
  /** Built by this call (false: reused). */
  built: boolean
  buildMs?: number
}

export type TemplateResult = { ok: true; template: Template } | { ok: false; key: string; run: RunResult; migrations: Migration[] }

/**
 * The template's identity: every input that changes what applying the base produces — the migrations'
 * ids, hashes, order, `when` and splitting, the runner's semantics, the server version and the
 * extension policy (which decides what may be created).
 */
export function templateKey(spec: BaseSpec, serverVersion: string): string {
  const identity = {
    format: TEMPLATE_FORMAT,
    server: serverVersion,
    mode: spec.mode,
    drizzle: spec.drizzle ?? null,
    extensions: [...spec.policy.extensions].sort(),
    migrations: spec.migrations.map((m) => [m.id, m.hash, m.when ?? null, m.breakpoints]),
  }
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex')
}

const building = new WeakMap<ReplayServer, Map<string, Promise<TemplateResult>>>()

/**
 * Returns the template database holding the base migrations applied as the runner applies them,
 * building it when no replay has yet. A template is complete or absent: it is built under a temporary
 * name and renamed when done, so concurrent builders (other processes on a shared server) at worst
 * build twice.
 */
export function ensureTemplate(server: ReplayServer, spec: BaseSpec): Promise<TemplateResult> {
  const key = templateKey(spec, server.version)
  let inFlight = building.get(server)
  if (!inFlight) building.set(server, (inFlight = new Map()))
  const existing = inFlight.get(key)
  if (existing) return existing
  const promise = findOrBuild(server, spec, key).finally(() => inFlight.delete(key))
  inFlight.set(key, promise)
  return promise
}

async function findOrBuild(server: ReplayServer, spec: BaseSpec, key: string): Promise<TemplateResult> {
  const database = `${ENGINE_PREFIX}t_${key.slice(0, 24)}`
  const owner = `${ENGINE_PREFIX}o_${key.slice(0, 24)}`
  if (await server.databaseExists(database)) return { ok: true, template: { key, database, owner, built: false } }

  const started = performance.now()
  const scratch = randomName('b')
  const login = await armRole(server, owner, spec.limits)
  await server.createDatabase(scratch, { owner })
  let admin: pg.Client | undefined
  let client: pg.Client | undefined
  try {
    admin = await openClient(server.connection(scratch))
    // Only the database owner may create in public (PostgreSQL 15+ default; older clusters' template0 differ).
    await admin.query('ALTER SCHEMA public OWNER TO pg_database_owner')
    await admin.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC')
    await installTraceHelpers(admin)
    client = await openClient(server.connection(scratch, login))
    await loadParser()
    const run = await runMigrations(
      {
        admin,
        adminPid: await backendPid(admin),
        client,
        pid: await backendPid(client),
        watchdog: new Watchdog(server, scratch, spec.limits),
        policy: spec.policy,
        clock: () => performance.now() - started,
      },
      { migrations: spec.migrations.map(parseMigration), mode: spec.mode, drizzle: spec.drizzle },
    )
    await Promise.all([admin.end(), client.end()])
    admin = client = undefined
    if (run.stop) {
      await server.dropDatabase(scratch)
      if (!(await server.databaseExists(database))) await dropRole(server, owner).catch(() => undefined)
      return { ok: false, key, run, migrations: spec.migrations }
    }
    await server.query(`ALTER ROLE ${quoteIdent(owner)} NOLOGIN`)
    // Owned by admin: REASSIGN OWNED in a clone must not hand the template itself to the sandbox role.
    await server.query(`ALTER DATABASE ${quoteIdent(scratch)} OWNER TO ${quoteIdent(server.adminRole)}`)
    try {
      await server.query(`ALTER DATABASE ${quoteIdent(scratch)} RENAME TO ${quoteIdent(database)}`)
    } catch (error) {
      // Another process finished the same template first: use theirs.
      if (!(await server.databaseExists(database))) throw error
      await server.dropDatabase(scratch)
      return { ok: true, template: { key, database, owner, built: false } }
    }
    await server.query(`ALTER DATABASE ${quoteIdent(database)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`)
    return { ok: true, template: { key, database, owner, built: true, buildMs: performance.now() - started } }
  } catch (error) {
    await Promise.all([admin?.end().catch(() => undefined), client?.end().catch(() => undefined)])
    await server.dropDatabase(scratch).catch(() => undefined)
    throw error
  }
}

const states = new WeakMap<ReplayServer, Map<string, Promise<{ capture: Capture; initial: Observation }>>>()

/**
 * The template's relations and their state before any change, read through `admin` (a session in a
 * clone) the first time and remembered for the server's lifetime: every clone starts from the same.
 */
export function templateState(server: ReplayServer, template: Template, admin: pg.Client): Promise<{ capture: Capture; initial: Observation }> {
  let known = states.get(server)
  if (!known) states.set(server, (known = new Map()))
  let state = known.get(template.database)
  if (!state) {
    state = captureTemplate(admin)
    known.set(template.database, state)
    state.catch(() => known.delete(template.database))
  }
  return state
}
