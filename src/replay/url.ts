import { ReplayServerError, type ServerEndpoint } from './server.js'

/**
 * An existing server given by a `postgres://` URL. The engine shares it with others, so it only ever
 * creates and drops its own roles and databases there. The URL's role needs CREATEDB and CREATEROLE (or
 * superuser, to create approved extensions on a migration's behalf).
 */
export function urlEndpoint(databaseUrl: string, backend: 'url' | 'docker' = 'url', stop: () => Promise<void> = async () => undefined): ServerEndpoint {
  let url: URL
  try {
    url = new URL(databaseUrl)
  } catch {
    throw new ReplayServerError('replay.databaseUrl must be a URL like postgres://user:password@host:5432/postgres')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ReplayServerError(`replay.databaseUrl must use the postgres:// scheme, not ${url.protocol}//`)
  }
  const maintenanceDatabase = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres'
  return {
    backend,
    maintenanceDatabase,
    ownsCluster: backend !== 'url',
    connection(database, login) {
      const target = new URL(url)
      target.pathname = `/${encodeURIComponent(database)}`
      if (login) {
        target.username = encodeURIComponent(login.user)
        target.password = encodeURIComponent(login.password)
      }
      return { connectionString: target.toString() }
    },
    stop,
  }
}
