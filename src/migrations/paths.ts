import { posix } from 'node:path'

/** A backslash, a leading, trailing or doubled slash, or a `.` or `..` segment. */
const NOT_CANONICAL = /\\|\/\/|^\/|\/$|(?:^|\/)\.\.?(?:\/|$)/

/**
 * Repository-relative path in canonical form (forward slashes, no `./`, no trailing `/`, '' for the root),
 * or null when it would leave the repository (absolute, or `..` above the root): paths built from journal
 * tags are untrusted and must not reach files outside the tree.
 */
export function normalizeRepoPath(path: string): string | null {
  // Paths from listings and journal tags are canonical already; `posix.normalize` costs ~7 µs a call on cold code.
  if (path !== '' && !NOT_CANONICAL.test(path)) return path
  const slashed = path.replace(/\\/g, '/')
  if (slashed.startsWith('/')) return null
  const normalized = posix.normalize(slashed).replace(/\/+$/, '')
  if (normalized === '.' || normalized === '') return ''
  if (normalized === '..' || normalized.startsWith('../')) return null
  return normalized
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`
}

/** `path` relative to `dir`, or null when it is not below `dir`. */
export function relativeTo(dir: string, path: string): string | null {
  if (dir === '') return path
  return path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : null
}
