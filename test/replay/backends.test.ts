import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { DockerUnavailableError } from '../../src/replay/docker.js'
import { startEmbedded } from '../../src/replay/embedded.js'
import { Sandbox } from '../../src/replay/sandbox.js'
import { openClient, ReplayServer, ReplayServerError } from '../../src/replay/server.js'
import { startReplayServer } from '../../src/replay/start-server.js'
import { urlEndpoint } from '../../src/replay/url.js'
import { replayChange } from '../../src/replay/replay.js'
import { adminUrl, drizzleChange, leftovers } from './helpers.js'

const limits = { statementTimeoutMs: 10_000, deadlineMs: 30_000, tempFileLimitKb: 10_240, maxDatabaseBytes: 100_000_000 }

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('embedded backend', () => {
  let server: ReplayServer

  beforeAll(async () => {
    server = await startReplayServer(configSchema.parse({}))
  })
  afterAll(async () => {
    await server.stop()
  })

  it('runs PostgreSQL 16 on loopback, refusing other databases to PUBLIC', async () => {
    expect(server.backend).toBe('embedded')
    expect(server.majorVersion).toBe(16)
    const { rows } = await server.query<{ listen: string; fsync: string; connect: boolean }>(
      "SELECT current_setting('listen_addresses') AS listen, current_setting('fsync') AS fsync, has_database_privilege('public', 'postgres', 'CONNECT') AS connect",
    )
    expect(rows[0]).toEqual({ listen: '127.0.0.1', fsync: 'off', connect: false })
  })

  it('creates a sandbox database from a template and removes it with its role', async () => {
    await server.createDatabase('dba_review_test_template')
    const sandbox = await Sandbox.open(server, { template: 'dba_review_test_template', limits })
    const client = await sandbox.connect()
    const { rows } = await client.query<{ db: string; owner: string; superuser: boolean; tempLimit: string }>(
      "SELECT current_database() AS db, pg_get_userbyid(d.datdba) AS owner, r.rolsuper AS superuser, current_setting('temp_file_limit') AS \"tempLimit\" FROM pg_database d, pg_roles r WHERE d.datname = current_database() AND r.rolname = current_user",
    )
    expect(rows[0]).toEqual({ db: sandbox.database, owner: sandbox.login.user, superuser: false, tempLimit: '10MB' })
    await sandbox.dispose()
    await server.dropDatabase('dba_review_test_template')
    expect(await leftovers(server)).toEqual({ databases: [], roles: [], sessions: [] })
  })

  it('serves the url backend: an existing server shared through a connection string', async () => {
    const config = configSchema.parse({ replay: { backend: 'url', databaseUrl: adminUrl(server) } })
    const shared = await startReplayServer(config)
    try {
      expect(shared.backend).toBe('url')
      expect(shared.ownsCluster).toBe(false)
      await shared.createDatabase('dba_review_test_url')
      const sandbox = await Sandbox.open(shared, { template: 'dba_review_test_url', limits })
      const client = await sandbox.connect()
      expect((await client.query('SELECT current_database() AS db')).rows).toEqual([{ db: sandbox.database }])
      await sandbox.dispose()
      await shared.dropDatabase('dba_review_test_url')
    } finally {
      await shared.stop()
    }
    // Stopping a url server only closes the engine's session; the server itself keeps running.
    expect((await server.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect(await leftovers(server)).toEqual({ databases: [], roles: [], sessions: [] })
  })

  it('rejects a server whose major version is not the configured one, and stops it', async () => {
    const endpoint = urlEndpoint(adminUrl(server))
    await expect(ReplayServer.connect(endpoint, 15)).rejects.toThrow(/runs PostgreSQL 16\.\d+, but postgres.version is 15/)
    const parent = mkdtempSync(path.join(tmpdir(), 'backends-test-'))
    chmodSync(parent, 0o755)
    try {
      await expect(startReplayServer(configSchema.parse({ postgres: { version: 15 } }), { tempDir: parent })).rejects.toThrow(
        /embedded backend ships PostgreSQL 16; use replay.backend 'docker' or 'url' for PostgreSQL 15/,
      )
      // The rejected embedded cluster was stopped and its directory removed.
      expect(readdirSync(parent)).toEqual([])
    } finally {
      rmSync(parent, { recursive: true, force: true })
    }
  })

  it('explains a missing or malformed database URL', async () => {
    await expect(startReplayServer(configSchema.parse({ replay: { backend: 'url' } }))).rejects.toThrow(ReplayServerError)
    expect(() => urlEndpoint('mysql://x@y/z')).toThrow(/postgres:\/\/ scheme/)
    expect(() => urlEndpoint('not a url')).toThrow(/must be a URL/)
  })

  it('turns an unusable server into a replay report with the reason, not an exception', async () => {
    const config = configSchema.parse({ replay: { backend: 'url', databaseUrl: 'postgres://nobody:secret@127.0.0.1:1/postgres' } })
    const report = await replayChange(drizzleChange([], ['CREATE TABLE "t" ("id" integer);']), config)
    expect(report.status).toBe('error')
    expect(report.error).toMatch(/ECONNREFUSED/)
    expect(report.findings).toMatchObject([{ ruleId: 'replay-error', messageId: 'engine', file: 'drizzle/0000_change.sql', source: 'replay' }])
  })

  it('removes its data directory and server when the process exits without stopping it', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'backends-exit-'))
    chmodSync(parent, 0o755)
    const script = path.join(parent, 'start.mts')
    const source = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src')
    writeFileSync(
      script,
      [
        `import { configSchema } from '${source}/config/schema.js'`,
        `import { startReplayServer } from '${source}/replay/start-server.js'`,
        `const server = await startReplayServer(configSchema.parse({}), { tempDir: '${parent}' })`,
        "const { rows } = await server.query(\"SELECT current_setting('data_directory') AS dir, (SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer') AS pid\")",
        'console.log(JSON.stringify(rows[0]))',
        'process.exit(0)',
      ].join('\n'),
    )
    try {
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 })
      const { dir, pid } = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as { dir: string; pid: number }
      expect(existsSync(dir)).toBe(false)
      // The checkpointer is a child of the postmaster: gone once the server has shut down.
      await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false)
    } finally {
      rmSync(parent, { recursive: true, force: true })
    }
  })

  it('removes the cluster of a process that was killed outright when the next one starts', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'backends-killed-'))
    chmodSync(parent, 0o755)
    const script = path.join(parent, 'start.mts')
    const source = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src')
    writeFileSync(
      script,
      [
        `import { startEmbedded } from '${source}/replay/embedded.js'`,
        `await startEmbedded('${parent}')`,
        "console.log('started')",
        'setInterval(() => undefined, 1_000)',
      ].join('\n'),
    )
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve()))
      const [orphan] = readdirSync(parent).filter((name) => name.startsWith('dba-review-pg-'))
      const postmaster = Number(readFileSync(path.join(parent, orphan as string, 'data/postmaster.pid'), 'utf8').split('\n')[0])
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('exit', resolve))
      // Killed with its owner, the server lives on, orphaned: the next start stops it and removes its directory.
      expect(isAlive(postmaster)).toBe(true)
      const next = await startEmbedded(parent)
      await next.stop()
      await expect.poll(() => isAlive(postmaster), { timeout: 10_000 }).toBe(false)
      expect(readdirSync(parent).filter((name) => name.startsWith('dba-review-pg-'))).toEqual([])
    } finally {
      child.kill('SIGKILL')
      rmSync(parent, { recursive: true, force: true })
    }
  })

  it('removes its data directory and process when stopped', async () => {
    const config = configSchema.parse({})
    const other = await startReplayServer(config)
    const { rows } = await other.query<{ dir: string; pid: number }>("SELECT current_setting('data_directory') AS dir, pg_backend_pid() AS pid")
    const dataDir = rows[0]!.dir
    const admin = await openClient(other.connection('postgres'))
    await other.stop()
    expect(existsSync(path.dirname(dataDir))).toBe(false)
    await expect(admin.query('SELECT 1')).rejects.toThrow()
  })
})

describe('docker backend', () => {
  it('produces a PostgreSQL 16 connection through testcontainers', async (ctx) => {
    let server: ReplayServer
    try {
      server = await startReplayServer(configSchema.parse({ replay: { backend: 'docker' } }))
    } catch (error) {
      if (error instanceof DockerUnavailableError) return ctx.skip(`No Docker engine reachable, docker backend not exercised: ${error.message}`)
      throw error
    }
    try {
      expect(server.majorVersion).toBe(16)
      expect(server.ownsCluster).toBe(true)
    } finally {
      await server.stop()
    }
  }, 120_000)
})
