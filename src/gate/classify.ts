import picomatch from 'picomatch'
import type { Config } from '../config/schema.js'
import { CODEOWNERS_LOCATIONS } from './codeowners.js'

/** The files that decide who may approve and how the review runs: a pull request editing them is gated too. */
export const CONTROL_FILES: readonly string[] = [...CODEOWNERS_LOCATIONS, '.github/dba-review.yml', '.github/dba-review.yaml']

export interface ChangeClass {
  migrationFiles: string[]
  schemaFiles: string[]
  /** Changed CODEOWNERS or dba-review config: the pull request could weaken its own gate. */
  controlFiles: string[]
  /** Every changed path that needs DBA approval, sorted. */
  gated: string[]
}

export type PathMatcher = (path: string) => boolean

/** Matchers for the configured globs, `dot: true` so `.github/…` and dotted migration folders match. */
export function buildPathMatchers(config: Config): { migrations: PathMatcher; schema: PathMatcher } {
  return {
    migrations: picomatch(config.paths.migrations, { dot: true }),
    schema: picomatch(config.paths.schema, { dot: true }),
  }
}

/** Which paths take part in the review fingerprint and the gate. */
export function buildReviewedPathFilter(config: Config): PathMatcher {
  const matchers = buildPathMatchers(config)
  return (path) => matchers.migrations(path) || matchers.schema(path) || CONTROL_FILES.includes(path)
}

/** Sorts changed paths (both sides of renames) into what the gate cares about. */
export function classifyChange(paths: readonly string[], config: Config): ChangeClass {
  const matchers = buildPathMatchers(config)
  const unique = [...new Set(paths)].sort()
  const migrationFiles = unique.filter((path) => matchers.migrations(path))
  const schemaFiles = unique.filter((path) => matchers.schema(path) && !matchers.migrations(path))
  const controlFiles = unique.filter((path) => CONTROL_FILES.includes(path))
  const gated = [...new Set([...migrationFiles, ...schemaFiles, ...controlFiles])].sort()
  return { migrationFiles, schemaFiles, controlFiles, gated }
}
