import type { Rule } from '../lint/rule.js'
import type { FileSource } from '../migrations/file-source.js'
import { type Config, configSchema, defaultConfig } from './schema.js'
import { type ConfigProblem, decodeConfigBytes, type KeyIssue, loadYaml, LocatedDocument, validateValue } from './validate-document.js'

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

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * A rule's setting with its options parsed by the rule's own schema (defaults filled in), or what is wrong
 * with them. Options that are not a mapping at all are left to `configSchema` to report.
 */
function checkOptions(rule: Rule, setting: unknown): { setting: unknown; issues: KeyIssue[] } {
  if (!isMapping(setting) || !isMapping(setting.options)) return { setting, issues: [] }
  const { options } = setting
  const at = ['rules', rule.meta.id, 'options']
  const schema = rule.meta.options
  if (!schema) return { setting, issues: Object.keys(options).length > 0 ? [{ path: at, message: 'this rule takes no options' }] : [] }
  const result = validateValue(options, schema)
  if (!result.ok) return { setting, issues: result.issues.map((issue) => ({ path: [...at, ...issue.path], message: issue.message })) }
  return { setting: { ...setting, options: result.value }, issues: [] }
}

/** Drops unknown rule ids (with a note: the rest of the config still applies) and checks each rule's options. */
function checkRules(settings: Record<string, unknown>, rules: readonly Rule[]): { kept: Record<string, unknown>; notes: KeyIssue[]; issues: KeyIssue[] } {
  const byId = new Map(rules.map((rule) => [rule.meta.id, rule]))
  const kept: Record<string, unknown> = {}
  const notes: KeyIssue[] = []
  const issues: KeyIssue[] = []
  for (const [id, setting] of Object.entries(settings)) {
    const rule = byId.get(id)
    if (!rule) {
      notes.push({ path: ['rules', id], message: `unknown rule id${suggestion(id, [...byId.keys()])}; this setting is ignored` })
      continue
    }
    const checked = checkOptions(rule, setting)
    kept[id] = checked.setting
    issues.push(...checked.issues)
  }
  return { kept, notes, issues }
}

/**
 * Validates a configuration value against `configSchema` and the rules: unknown rule ids are dropped with a
 * note; each rule's options must pass the rule's schema and are kept with defaults filled in; any other
 * issue fails (notes are reported with it). Shared by the YAML loader and the app's merged configs.
 */
export function validateConfig(value: unknown, rules: readonly Rule[]): { ok: true; config: Config; notes: KeyIssue[] } | { ok: false; issues: KeyIssue[] } {
  // `rules:` with every entry commented out is YAML null: the author meant "nothing here", not an error.
  const sections = isMapping(value) ? Object.fromEntries(Object.entries(value).filter(([, section]) => section !== null)) : (value ?? {})
  const checked = isMapping(sections) && isMapping(sections.rules) ? checkRules(sections.rules, rules) : null
  const result = validateValue(checked ? { ...sections, rules: checked.kept } : sections, configSchema)
  const notes = checked?.notes ?? []
  const issues = [...(result.ok ? [] : result.issues), ...(checked?.issues ?? [])]
  if (!result.ok || issues.length > 0) return { ok: false, issues: [...issues, ...notes] }
  return { ok: true, config: result.value, notes }
}

/**
 * Parses and validates the YAML configuration (see `validateConfig`), every problem at its key. An empty
 * file means defaults. Needs `loadYaml()` done.
 */
export function parseConfig(text: string, file: string, rules: readonly Rule[]): ConfigResult {
  const parsed = LocatedDocument.parse(text, file)
  if ('problems' in parsed) return { ok: false, problems: parsed.problems }
  const { document } = parsed
  const positioned = (issues: KeyIssue[]): ConfigProblem[] => issues.map((issue) => document.problemAt(issue.path, issue.message))
  const result = validateConfig(parsed.value, rules)
  if (!result.ok) return { ok: false, problems: positioned(result.issues).sort((a, b) => a.range.start.offset - b.range.start.offset) }
  return { ok: true, config: result.config, file, problems: positioned(result.notes) }
}

/** Reads the configuration from a repository version; a missing file means defaults. */
export async function findConfig(source: FileSource, rules: readonly Rule[], path = CONFIG_PATH): Promise<ConfigResult> {
  const bytes = await source.read(path)
  if (bytes === null) return { ok: true, config: defaultConfig, file: null, problems: [] }
  const decoded = decodeConfigBytes(bytes, path, MAX_CONFIG_BYTES)
  if ('problem' in decoded) return { ok: false, problems: [decoded.problem] }
  await loadYaml()
  return parseConfig(decoded.text, path, rules)
}
