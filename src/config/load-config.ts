import type { FileSource } from '../migrations/file-source.js'
import { type Config, configSchema, defaultConfig } from './schema.js'
import { type ConfigProblem, decodeConfigBytes, loadYaml, LocatedDocument, validateDocument } from './validate-document.js'

/** Where the configuration lives, read from the base branch in the app and from the working tree in the CLI. */
export const CONFIG_PATH = '.github/dba-review.yml'

/** Larger than any sensible config; refusing early keeps a hostile pull request from costing memory. */
export const MAX_CONFIG_BYTES = 256 * 1024

export type ConfigResult =
  /** `problems` here did not stop loading (an unknown rule id is dropped); they are reported as findings. */
  | { ok: true; config: Config; file: string | null; problems: ConfigProblem[] }
  /** The configuration cannot be used: the review must not run on a guess. */
  | { ok: false; problems: ConfigProblem[] }

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]!
}

function suggestion(id: string, known: readonly string[]): string {
  const best = known.map((k) => ({ k, d: levenshtein(id, k) })).sort((x, y) => x.d - y.d)[0]
  return best && best.d <= Math.max(2, Math.floor(id.length / 4)) ? ` (did you mean ${best.k}?)` : ''
}

/**
 * Parses and validates the YAML configuration. An empty file means defaults. Unknown rule ids under
 * `rules:` are reported and dropped (the rest of the config still applies); any other issue fails.
 * Needs `loadYaml()` done.
 */
export function parseConfig(text: string, file: string, ruleIds: readonly string[]): ConfigResult {
  const parsed = LocatedDocument.parse(text, file)
  if ('problems' in parsed) return { ok: false, problems: parsed.problems }
  const { document } = parsed
  const value = parsed.value ?? {}
  // `rules:` with every entry commented out is YAML null: the author meant "nothing here", not an error.
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, section] of Object.entries(value)) if (section === null) delete (value as Record<string, unknown>)[key]
  }

  const known = new Set(ruleIds)
  const unknownRules: ConfigProblem[] = []
  const rules = (value as { rules?: unknown }).rules
  if (rules && typeof rules === 'object' && !Array.isArray(rules)) {
    const kept: Record<string, unknown> = {}
    for (const [id, setting] of Object.entries(rules)) {
      if (known.has(id)) kept[id] = setting
      else unknownRules.push(document.problemAt(['rules', id], `unknown rule id${suggestion(id, ruleIds)}; this setting is ignored`))
    }
    ;(value as { rules: unknown }).rules = kept
  }

  const result = validateDocument(document, value, configSchema)
  if (!result.ok) return { ok: false, problems: [...result.problems, ...unknownRules].sort((a, b) => a.range.start.offset - b.range.start.offset) }
  return { ok: true, config: result.value, file, problems: unknownRules }
}

/** Reads the configuration from a repository version; a missing file means defaults. */
export async function findConfig(source: FileSource, ruleIds: readonly string[], path = CONFIG_PATH): Promise<ConfigResult> {
  const bytes = await source.read(path)
  if (bytes === null) return { ok: true, config: defaultConfig, file: null, problems: [] }
  const decoded = decodeConfigBytes(bytes, path, MAX_CONFIG_BYTES)
  if ('problem' in decoded) return { ok: false, problems: [decoded.problem] }
  await loadYaml()
  return parseConfig(decoded.text, path, ruleIds)
}
