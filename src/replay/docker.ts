import { request } from 'node:http'
import { homedir } from 'node:os'
import path from 'node:path'
import { ReplayServerError, type ServerEndpoint, THROWAWAY_SETTINGS } from './server.js'
import { urlEndpoint } from './url.js'

export class DockerUnavailableError extends ReplayServerError {
  override name = 'DockerUnavailableError'
}

/** Where a Docker engine usually listens: DOCKER_HOST, the system socket, rootless and Desktop sockets. */
function dockerEndpoints(): Array<{ socketPath: string } | { host: string; port: number }> {
  const fromEnv = process.env.DOCKER_HOST
  if (fromEnv) {
    const url = new URL(fromEnv)
    return url.protocol === 'unix:' ? [{ socketPath: url.pathname }] : [{ host: url.hostname, port: Number(url.port || 2375) }]
  }
  const sockets = ['/var/run/docker.sock', path.join(homedir(), '.docker/run/docker.sock')]
  if (process.env.XDG_RUNTIME_DIR) sockets.push(path.join(process.env.XDG_RUNTIME_DIR, 'docker.sock'))
  return sockets.map((socketPath) => ({ socketPath }))
}

function ping(target: { socketPath: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', timeout: 2_000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
    req.end()
  })
}

/**
 * Asks the Docker engine API for `/_ping` before loading testcontainers, so that "no engine here" is
 * told apart from every other failure (and costs no heavy import).
 */
export async function dockerEngineReachable(): Promise<boolean> {
  for (const target of dockerEndpoints()) if (await ping(target)) return true
  return false
}

/** `postgres:<major>` in a container via testcontainers; only produces a connection, everything else is shared. */
export async function startDocker(majorVersion: number): Promise<ServerEndpoint> {
  if (!(await dockerEngineReachable())) {
    throw new DockerUnavailableError(`The docker replay backend needs a reachable Docker engine (DOCKER_HOST or ${dockerEndpoints().map((e) => ('socketPath' in e ? e.socketPath : `${e.host}:${e.port}`)).join(', ')}).`)
  }
  let module: typeof import('@testcontainers/postgresql')
  try {
    // Loaded on demand: the Docker client is heavy and most runs never use it.
    module = await import('@testcontainers/postgresql')
  } catch (error) {
    throw new ReplayServerError(`@testcontainers/postgresql cannot be loaded on Node ${process.version}: ${error instanceof Error ? error.message : String(error)}`)
  }
  let container: Awaited<ReturnType<InstanceType<typeof module.PostgreSqlContainer>['start']>>
  try {
    container = await new module.PostgreSqlContainer(`postgres:${majorVersion}`)
      .withCommand(['postgres', ...THROWAWAY_SETTINGS.flatMap((setting) => ['-c', setting])])
      .start()
  } catch (error) {
    throw new ReplayServerError(`Could not start postgres:${majorVersion} in Docker: ${error instanceof Error ? error.message : String(error)}`)
  }
  return urlEndpoint(container.getConnectionUri(), 'docker', async () => {
    await container.stop()
  })
}
