import type { Config } from '../config/schema.js'
import type { Rule } from '../lint/rule.js'
import { startReplayServer } from '../replay/start-server.js'
import type { ReplayServer } from '../replay/server.js'
import { reviewChange } from '../review/review-change.js'
import type { ReviewChangeFn } from './review-job.js'

/** Where the app replays: decided by whoever runs the app, never by a repository's config. */
export interface ReplayBackend {
  backend: Config['replay']['backend']
  /** For the `url` backend. */
  databaseUrl?: string
  /** Where the embedded backend keeps its temporary cluster. */
  tempDir?: string
}

/**
 * Long-lived replay servers, one per backend and PostgreSQL major version, started on first use and kept
 * warm: their templates (the base schema, built once per base) make later replays of the same base fast.
 */
export class ReplayServers {
  private readonly servers = new Map<string, Promise<ReplayServer>>()

  constructor(readonly settings: ReplayBackend) {}

  /** The repository's config with the operator's backend in place of its own. */
  configFor(config: Config): Config {
    const { backend, databaseUrl } = this.settings
    return { ...config, replay: { ...config.replay, backend, ...(databaseUrl ? { databaseUrl } : {}) } }
  }

  get(config: Config): Promise<ReplayServer> {
    const key = `${this.settings.backend}:${config.postgres.version}`
    let server = this.servers.get(key)
    if (!server) {
      server = startReplayServer(this.configFor(config), this.settings.tempDir ? { tempDir: this.settings.tempDir } : {})
      // A server that failed to start is tried again by the next review.
      server.catch(() => this.servers.delete(key))
      this.servers.set(key, server)
    }
    return server
  }

  async stopAll(): Promise<void> {
    const servers = [...this.servers.values()]
    this.servers.clear()
    await Promise.allSettled(servers.map(async (server) => (await server).stop()))
  }
}

/**
 * The app's review: lint, and replay on the operator's backend when the repository's config enables it.
 * The repository may not point the app at a database of its choosing (`replay.backend`, `databaseUrl`):
 * a pull request's SQL runs only where the operator said.
 */
export function createAppReview(rules: readonly Rule[], servers: ReplayServers): ReviewChangeFn {
  return async (options) => {
    const config = servers.configFor(options.config)
    const replay = config.replay.enabled ? { server: await servers.get(config) } : undefined
    return reviewChange({ ...options, config, rules, ...(replay ? { replay } : {}) })
  }
}
