import type { Config } from '../config/schema.js'
import { startDocker } from './docker.js'
import { startEmbedded } from './embedded.js'
import { ReplayServer, ReplayServerError } from './server.js'
import { urlEndpoint } from './url.js'
import { quoteIdent } from '../sql/quote.js'

/**
 * Starts (embedded, docker) or attaches to (url) the configured replay server and checks its major
 * version against `postgres.version`. The caller stops it; one server serves many replays. The embedded
 * cluster lives in a temporary directory under `tempDir` (default: /dev/shm where available, else the OS temp directory).
 */
export async function startReplayServer(config: Config, options: { tempDir?: string } = {}): Promise<ReplayServer> {
  const { backend, databaseUrl } = config.replay
  const endpoint =
    backend === 'embedded'
      ? await startEmbedded(options.tempDir)
      : backend === 'docker'
        ? await startDocker(config.postgres.version)
        : urlEndpoint(databaseUrl ?? missingUrl())
  const server = await ReplayServer.connect(endpoint, config.postgres.version)
  if (server.ownsCluster) {
    // Replay roles may connect only to their own database; on a shared server other databases are not ours to change.
    try {
      const { rows } = await server.query<{ datname: string }>('SELECT datname FROM pg_catalog.pg_database')
      for (const { datname } of rows) await server.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${quoteIdent(datname)} FROM PUBLIC`)
    } catch (error) {
      await server.stop()
      throw error
    }
  }
  return server
}

function missingUrl(): never {
  throw new ReplayServerError("replay.backend is 'url' but replay.databaseUrl is not set")
}
