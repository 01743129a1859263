import type { ProbotOctokit } from 'probot'
import { parse } from 'yaml'
import { CONFIG_PATH, findConfig, validateConfig } from '../config/load-config.js'
import { formatConfigProblem, type KeyIssue } from '../config/validate-document.js'
import type { ConfigResult, TreeSource } from '../jobs/gateway.js'
import type { Rule } from '../lint/rule.js'

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Later files override earlier ones key by key; arrays are replaced, not concatenated (a list of paths is a whole). */
function deepMerge(target: Json, patch: Json): Json {
  const out: Json = { ...target }
  for (const [key, value] of Object.entries(patch)) out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key] as Json, value) : value
  return out
}

/**
 * The effective config for a pull request, from its BASE (never from the pull request itself):
 * `.github/dba-review.yml` in the base tree, validated with positions; when the repository has none, the
 * owner's `.github` repository (as Probot does); `_extends: repo | org/repo | repo:path.yml` is followed
 * and deep-merged under the local file by Probot's config plugin. Fails closed: on any problem the review
 * does not run on a guessed config, and each problem names the file and the key.
 */
export async function findAppConfig(octokit: ProbotOctokit, owner: string, repo: string, base: TreeSource, rules: readonly Rule[]): Promise<ConfigResult> {
  const local = await base.read(CONFIG_PATH)
  const localValue = local === null ? null : safeParseYaml(local.toString('utf8'))
  const extendsOthers = local === null || (isObject(localValue) && '_extends' in localValue)
  if (!extendsOthers) {
    const result = await findConfig(base, rules)
    const source = `${CONFIG_PATH} at ${base.sha.slice(0, 7)}`
    if (!result.ok) return { ok: false, problems: result.problems.map(formatConfigProblem), source }
    return { ok: true, config: result.config, source: result.file === null ? 'defaults' : source, notes: result.problems.map(formatConfigProblem) }
  }
  try {
    // Without a local file, go straight to the owner's `.github` repository (its default branch).
    const { config, files } = await octokit.config.get<Json>({
      owner,
      repo: local === null ? '.github' : repo,
      path: CONFIG_PATH,
      ...(local === null ? {} : { branch: base.sha }),
      defaults: (configs) => configs.reduce<Json>((merged, next) => deepMerge(merged, next as Json), {}),
    })
    const used = files.filter((f) => f.config !== null).map((f) => `${f.owner}/${f.repo}:${f.path}`)
    const source = used.length > 0 ? used.join(' ← ') : 'defaults'
    // The merged value has no one file to position problems in: they name the files and the key.
    const described = (issues: KeyIssue[]) => issues.map((issue) => `${source}: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    const result = validateConfig(config, rules)
    if (!result.ok) return { ok: false, problems: described(result.issues), source }
    return { ok: true, config: result.config, source, notes: described(result.notes) }
  } catch (error) {
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)], source: CONFIG_PATH }
  }
}

function safeParseYaml(text: string): unknown {
  try {
    return parse(text)
  } catch {
    // findConfig reports the syntax error with its position.
    return null
  }
}
