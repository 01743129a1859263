import { relativeTo } from './paths.js'
import type { Layout } from './types.js'

/**
 * Which layout a migrations folder uses, from its file list alone (paths below `dir`). A folder with no
 * recognisable files counts as drizzle, the default (e.g. the base branch before the first migration).
 */
export function detectLayout(files: string[], dir: string): Layout {
  const relative = files.map((file) => relativeTo(dir, file)).filter((rel): rel is string => rel !== null)
  const has = (pattern: RegExp): boolean => relative.some((rel) => pattern.test(rel))
  if (has(/^meta\/(_journal\.json|[^/]*_snapshot\.json)$/)) return 'drizzle'
  if (has(/^[^/]+\/migration\.sql$/)) {
    if (relative.includes('migration_lock.toml')) return 'prisma'
    return has(/^[^/]+\/snapshot\.json$/) ? 'drizzle-v1' : 'prisma'
  }
  if (has(/^[^/]+\.sql$/)) return 'plain'
  return 'drizzle'
}
