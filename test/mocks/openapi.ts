import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

/**
 * Validates a request the app sends against GitHub's own REST description (`@octokit/openapi`,
 * api.github.com): the route and method exist, path and query parameters are typed and known, the JSON
 * body has every required field with the right type, enum values are valid and lengths and item counts
 * are within GitHub's limits (summary ≤ 65,535, ≤ 50 annotations, button label ≤ 20…). A request
 * GitHub would reject with 404 or 422 gets a non-empty problem list.
 */

type Json = Record<string, unknown>
interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  required?: boolean
  schema?: Json
}
interface Operation {
  parameters?: Array<Parameter | { $ref: string }>
  requestBody?: { required?: boolean; content: Record<string, { schema: Json }> }
}
interface Route {
  template: string
  regex: RegExp
  params: string[]
  operations: Record<string, Operation>
}

const require = createRequire(import.meta.url)
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

let loaded: { routes: Route[]; bodyAjv: Ajv; paramAjv: Ajv; components: Json } | null = null
const compiled = new Map<string, ValidateFunction>()

function load() {
  if (loaded) return loaded
  // The spec file alone: the package's index would also load the GHES and dereferenced variants (~400 MB).
  const spec = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as {
    paths: Record<string, Record<string, Operation>>
    components: Json
  }
  const routes: Route[] = Object.entries(spec.paths).map(([template, operations]) => {
    const params = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string)
    const regex = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '([^/]+)')}$`)
    return { template, regex, params, operations }
  })
  const options = { strict: false, allErrors: true, logger: false as const }
  const bodyAjv = addFormats(new Ajv(options))
  const paramAjv = addFormats(new Ajv({ ...options, coerceTypes: true }))
  for (const ajv of [bodyAjv, paramAjv]) ajv.addSchema({ $id: 'gh', components: spec.components })
  loaded = { routes, bodyAjv, paramAjv, components: spec.components }
  return loaded
}

/** Points local `#/components/…` references at the registered spec. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase)
  if (schema && typeof schema === 'object') {
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `gh${v}` : rebase(v)]))
  }
  return schema
}

function validator(ajv: Ajv, key: string, schema: Json): ValidateFunction {
  let fn = compiled.get(key)
  if (!fn) {
    fn = ajv.compile(rebase(schema) as Json)
    compiled.set(key, fn)
  }
  return fn
}

function resolveParameter(p: Parameter | { $ref: string }, components: Json): Parameter {
  if (!('$ref' in p)) return p
  const name = p.$ref.replace('#/components/parameters/', '')
  return (components.parameters as Record<string, Parameter>)[name] as Parameter
}

function errorsText(fn: ValidateFunction): string[] {
  return (fn.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`)
}

/** Problems GitHub would reject the request for; empty when it is valid. */
export function validateGitHubRequest(method: string, url: string, body: unknown): string[] {
  const { routes, bodyAjv, paramAjv, components } = load()
  const parsed = new URL(url, 'https://api.github.com')
  const verb = method.toLowerCase()
  const candidates = routes
    .map((route) => ({ route, match: route.regex.exec(parsed.pathname) }))
    .filter((c): c is { route: Route; match: RegExpExecArray } => c.match !== null)
    // Literal segments beat parameters: /repos/{o}/{r}/check-runs over /repos/{o}/{r}/{x}.
    .sort((a, b) => a.route.params.length - b.route.params.length)
  if (candidates.length === 0) return [`${method} ${parsed.pathname}: no such route in GitHub's REST API`]
  const found = candidates.find((c) => c.route.operations[verb])
  if (!found) return [`${method} ${parsed.pathname}: ${candidates[0]!.route.template} has no ${method.toUpperCase()} operation`]
  const { route, match } = found
  const operation = route.operations[verb] as Operation
  const where = `${method.toUpperCase()} ${route.template}`
  const problems: string[] = []

  const parameters = (operation.parameters ?? []).map((p) => resolveParameter(p, components))
  route.params.forEach((name, i) => {
    const spec = parameters.find((p) => p.in === 'path' && p.name === name)
    const value = decodeURIComponent(match[i + 1] as string)
    if (spec?.schema) {
      const fn = validator(paramAjv, `${where} path ${name}`, spec.schema)
      if (!fn(value)) problems.push(`${where}: path parameter ${name}=${value}: ${errorsText(fn).join('; ')}`)
    }
  })
  for (const [name, value] of parsed.searchParams) {
    const spec = parameters.find((p) => p.in === 'query' && p.name === name)
    if (!spec) {
      problems.push(`${where}: unknown query parameter ${name}`)
      continue
    }
    if (spec.schema) {
      const holder = { v: value }
      const fn = validator(paramAjv, `${where} query ${name}`, { type: 'object', properties: { v: spec.schema } })
      if (!fn(holder)) problems.push(`${where}: query parameter ${name}=${value}: ${errorsText(fn).join('; ')}`)
    }
  }
  for (const p of parameters) {
    if (p.in === 'query' && p.required && !parsed.searchParams.has(p.name)) problems.push(`${where}: missing required query parameter ${p.name}`)
  }

  const hasBody = body !== undefined && body !== null && body !== '' && !(typeof body === 'object' && Object.keys(body).length === 0)
  const content = operation.requestBody?.content['application/json']
  if (!content) {
    if (hasBody) problems.push(`${where} takes no JSON body`)
    return problems
  }
  if (!hasBody) {
    if (operation.requestBody?.required) problems.push(`${where}: request body is required`)
    return problems
  }
  const fn = validator(bodyAjv, `${where} body`, content.schema)
  if (!fn(body)) problems.push(...errorsText(fn).map((e) => `${where}: body ${e}`))
  return problems
}
