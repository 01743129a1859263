import { createHash } from 'node:crypto'
import type { Config } from '../config/schema.js'

export interface ContentEntry {
  path: string
  /** A content hash of the file (the git blob SHA when read through the API). */
  contentId: string
}

/** JSON with object keys sorted, so equal configs hash equally whatever order their keys came in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/**
 * What a DBA approval is bound to: the reviewed files at the head (migrations, schema, CODEOWNERS and
 * config files, by content) plus the effective config. A push that leaves all of them alone (a README fix,
 * a rebase with the same migrations) keeps the fingerprint, and with it the approval.
 */
export function buildFingerprint(entries: readonly ContentEntry[], config: Config): string {
  const files = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((e) => [e.path, e.contentId])
  return createHash('sha256').update(canonicalJson({ files, config })).digest('hex')
}
