import type { Document, Node } from 'yaml'
import type * as Yaml from 'yaml'
import { en } from 'zod/locales'
import * as z from 'zod/mini'
import { LineIndex, type SourceRange } from '../sql/source.js'

/** A problem in a configuration-like file (the YAML config, the table stats JSON), at the offending key. */
export interface ConfigProblem {
  /** Repository-relative (or, for `--config`, user-given) path of the file. */
  file: string
  range: SourceRange
  /** Dotted key path, e.g. `rules.ban-drop-column`; '' for the whole document. */
  key: string
  message: string
}

/** `file:line:col: key: message`, the one-line form every output uses. */
export function formatConfigProblem(problem: ConfigProblem): string {
  const { line, column } = problem.range.start
  return `${problem.file}:${line}:${column}: ${problem.key ? `${problem.key}: ` : ''}${problem.message}`
}

/** Decodes a config-like file, or the problem that replaces it. */
export function decodeConfigBytes(bytes: Buffer, file: string, limit: number): { text: string } | { problem: ConfigProblem } {
  const at = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } }
  if (bytes.length > limit) return { problem: { file, range: at, key: '', message: `file is ${bytes.length} bytes; the limit is ${limit}` } }
  if (bytes.includes(0)) return { problem: { file, range: at, key: '', message: 'binary file (contains NUL bytes)' } }
  return { text: bytes.toString('utf8') }
}

// The CommonJS package's `module.exports`: what `default` is both for Node and for the CLI bundle, which
// gives a dynamically imported CommonJS module no named exports.
type YamlLibrary = typeof Yaml.default

let yamlModule: YamlLibrary | undefined
/**
 * Loads the YAML library once per process; `LocatedDocument.parse` needs it. Loading takes ~25 ms (~7 in
 * the CLI, which bundles it into a chunk of its own): only runs that have a document to parse pay for it.
 */
export async function loadYaml(): Promise<void> {
  yamlModule ??= (await import('yaml')).default
}

function yaml(): YamlLibrary {
  if (!yamlModule) throw new Error('the YAML library is not loaded: await loadYaml() first')
  return yamlModule
}

type PathSegment = PropertyKey

/** A parsed YAML (or JSON: a YAML subset) document that can locate any key path in its source. */
export class LocatedDocument {
  private readonly lines: LineIndex

  private constructor(
    readonly file: string,
    text: string,
    private readonly doc: Document.Parsed,
  ) {
    this.lines = new LineIndex(text)
  }

  /** Parses `text` (after `loadYaml()`); syntax errors come back as problems (the document is unusable then). */
  static parse(text: string, file: string): { document: LocatedDocument; value: unknown } | { problems: ConfigProblem[] } {
    const doc = yaml().parseDocument(text, { prettyErrors: false })
    const document = new LocatedDocument(file, text, doc)
    if (doc.errors.length) return { problems: doc.errors.map((e) => document.problemAtOffset(e.pos[0], e.pos[1], '', e.message)) }
    try {
      return { document, value: doc.toJS({ maxAliasCount: 100 }) }
    } catch (error) {
      // Unresolved aliases and alias bombs are only detected while converting.
      return { problems: [document.problemAtOffset(0, 0, '', error instanceof Error ? error.message : String(error))] }
    }
  }

  problemAtOffset(start: number, end: number, key: string, message: string): ConfigProblem {
    return { file: this.file, range: this.lines.rangeOf(start, end), key, message }
  }

  /**
   * A problem at `path`: at the key when the path ends in a mapping key, at the item for a sequence index,
   * at the deepest existing ancestor when the path does not exist in the source.
   */
  problemAt(path: readonly PathSegment[], message: string): ConfigProblem {
    const [start, end] = this.rangeOf(path)
    return this.problemAtOffset(start, end, dotted(path), message)
  }

  private rangeOf(path: readonly PathSegment[]): [number, number] {
    const { isMap, isPair, isScalar, isSeq } = yaml()
    let node: unknown = this.doc.contents
    let range: [number, number] = [0, 0]
    const take = (n: Node | null | undefined): void => {
      if (n?.range) range = [n.range[0], n.range[1]]
    }
    take(node as Node | null)
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment))
        if (!pair) break
        take(pair.key as Node)
        node = pair.value
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment]
        if (!item) break
        take(item as Node)
        node = item
      } else break
    }
    return range
  }
}

function dotted(path: readonly PathSegment[]): string {
  return path.map(String).join('.')
}

type Issue = z.core.$ZodIssue

// zod/mini loads no locale: without English, the messages `flatten` passes on would all be "Invalid input".
z.config(en())

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[segment]
  }
  return value
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`
  return String(value)
}

const TYPE_NAMES: Record<string, string> = { array: 'a list', object: 'a mapping', record: 'a mapping', int: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false' }

/** What a union branch wanted, for "expected A, or B" when no branch matches the value's type. */
function expectation(issue: Issue): string {
  if (issue.code === 'invalid_value') return `one of ${issue.values.map(String).join('|')}`
  if (issue.code === 'invalid_type') return TYPE_NAMES[issue.expected] ?? issue.expected
  return issue.message
}

/** The value is not even of the type a union branch takes (an enum of strings given a mapping…). */
function wrongType(issue: Issue, actual: unknown): boolean {
  if (issue.code === 'invalid_type') return true
  return issue.code === 'invalid_value' && issue.values.every((v) => typeof v !== typeof actual)
}

/**
 * Rewrites zod issues as one-line messages about the user's value. Union failures are narrowed to the
 * branch that matches the value's type, so `rules.x: foo` says which severities exist rather than "Invalid input".
 */
function flatten(issue: Issue, prefix: readonly PathSegment[], value: unknown): Array<{ path: PathSegment[]; message: string }> {
  const path = [...prefix, ...issue.path]
  const actual = valueAt(value, path)
  switch (issue.code) {
    case 'invalid_union': {
      const matching = issue.errors.filter((branch) => !branch.some((i) => i.path.length === 0 && wrongType(i, actual)))
      if (matching.length === 1) return matching[0]!.flatMap((i) => flatten(i, path, value))
      const wanted = issue.errors.map((branch) => branch[0]).filter((i): i is Issue => Boolean(i))
      return [{ path, message: `expected ${wanted.map(expectation).join(', or ')}; got ${describeValue(actual)}` }]
    }
    case 'invalid_value':
      return [{ path, message: `expected ${expectation(issue)}; got ${describeValue(actual)}` }]
    case 'invalid_type':
      return [{ path, message: actual === undefined ? `required (${expectation(issue)})` : `expected ${expectation(issue)}; got ${describeValue(actual)}` }]
    case 'invalid_key':
      return issue.issues.map((inner) => ({ path, message: inner.message }))
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key' }))
    case 'too_small':
    case 'too_big': {
      const bound = `${issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<'} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}`
      const what = issue.origin === 'string' || issue.origin === 'array' ? `length ${bound}` : bound
      return [{ path, message: `expected ${what}; got ${describeValue(actual)}` }]
    }
    default:
      return [{ path, message: issue.message }]
  }
}

/** A problem at a key path of a value, before a document gives it a position. */
export interface KeyIssue {
  path: PathSegment[]
  message: string
}

/** Validates a value against a zod schema; every issue becomes a one-line message at its key path. */
export function validateValue<S extends z.core.$ZodType>(value: unknown, schema: S): { ok: true; value: z.output<S> } | { ok: false; issues: KeyIssue[] } {
  const result = z.safeParse(schema, value)
  if (result.success) return { ok: true, value: result.data }
  return { ok: false, issues: result.error.issues.flatMap((issue) => flatten(issue, [], value)) }
}

/** Validates a located document's value against a zod schema; every issue becomes a positioned problem. */
export function validateDocument<S extends z.core.$ZodType>(
  document: LocatedDocument,
  value: unknown,
  schema: S,
): { ok: true; value: z.output<S> } | { ok: false; problems: ConfigProblem[] } {
  const result = validateValue(value, schema)
  if (result.ok) return result
  return { ok: false, problems: result.issues.map((issue) => document.problemAt(issue.path, issue.message)) }
}
