import { describe, expect, it } from 'vitest'
import { findConfig, parseConfig } from '../../src/config/load-config.js'
import { defaultConfig } from '../../src/config/schema.js'
import { formatConfigProblem } from '../../src/config/validate-document.js'
import type { FileSource } from '../../src/migrations/file-source.js'

const FILE = '.github/dba-review.yml'
const RULES = ['ban-drop-column', 'ban-drop-table', 'require-concurrent-index-creation']

function problemsOf(text: string): string[] {
  const result = parseConfig(text, FILE, RULES)
  return result.problems.map(formatConfigProblem)
}

function memorySource(files: Record<string, string | Buffer>): FileSource {
  return {
    label: 'memory',
    list: async () => Object.keys(files).sort(),
    read: async (path) => (path in files ? Buffer.from(files[path]!) : null),
  }
}

describe('parseConfig', () => {
  it('gives the defaults for an empty or comment-only file', () => {
    for (const text of ['', '# nothing configured yet\n']) {
      const result = parseConfig(text, FILE, RULES)
      expect(result).toEqual({ ok: true, config: defaultConfig, file: FILE, problems: [] })
    }
  })

  it('takes a section whose entries are all commented out as absent', () => {
    expect(parseConfig('rules:\n  # ban-drop-table: off\npostgres:\n', FILE, RULES)).toEqual({ ok: true, config: defaultConfig, file: FILE, problems: [] })
  })

  it('applies values and keeps defaults for everything else', () => {
    const result = parseConfig('postgres:\n  version: 14\nrules:\n  ban-drop-table: off\n  ban-drop-column: { severity: warning }\n', FILE, RULES)
    if (!result.ok) throw new Error(result.problems.map(formatConfigProblem).join('\n'))
    expect(result.config.postgres.version).toBe(14)
    expect(result.config.rules).toEqual({ 'ban-drop-table': 'off', 'ban-drop-column': { severity: 'warning' } })
    expect(result.config.migrations.dir).toBe('drizzle')
  })

  it('names file, line and column of the offending key, and the allowed severities', () => {
    const text = '# dba-review\npostgres:\n  version: 16\nrules:\n  ban-drop-column: foo\n'
    expect(problemsOf(text)).toEqual([`${FILE}:5:3: rules.ban-drop-column: expected one of error|warning|notice|off; got "foo"`])
  })

  it('narrows a rule setting object to the problem inside it', () => {
    expect(problemsOf('rules:\n  ban-drop-table:\n    severity: loud\n    sevrity: error\n')).toEqual([
      `${FILE}:3:5: rules.ban-drop-table.severity: expected one of error|warning|notice|off; got "loud"`,
      `${FILE}:4:5: rules.ban-drop-table.sevrity: unknown key`,
    ])
    expect(problemsOf('rules:\n  ban-drop-table: 3\n')).toEqual([`${FILE}:2:3: rules.ban-drop-table: expected one of error|warning|notice|off, or a mapping; got 3`])
  })

  it('reports unknown keys, wrong types, bounds and formats, each at its key', () => {
    const text = ['paths:', '  schema: src/db/schema/**', '  extra: 1', 'postgres:', '  version: 9.5', 'replay:', '  rows: -1', 'approval:', '  teams:', '    - platform/dba', '    - nope', 'migratons: {}', ''].join('\n')
    expect(problemsOf(text)).toEqual([
      `${FILE}:2:3: paths.schema: expected a list; got "src/db/schema/**"`,
      `${FILE}:3:3: paths.extra: unknown key`,
      `${FILE}:5:3: postgres.version: expected an integer; got 9.5`,
      `${FILE}:7:3: replay.rows: expected >= 0; got -1`,
      `${FILE}:11:7: approval.teams.1: expected org/team-slug`,
      `${FILE}:12:1: migratons: unknown key`,
    ])
  })

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf('- rules\n')).toEqual([`${FILE}:1:1: expected a mapping; got a list`])
  })

  it('reports YAML syntax errors with their position', () => {
    const [problem, ...rest] = problemsOf('rules:\n  ban-drop-table: off\n  ban-drop-table: error\n')
    expect(rest).toEqual([])
    expect(problem).toBe(`${FILE}:3:3: Map keys must be unique`)
    expect(problemsOf('a: *missing\n')[0]).toMatch(/^\.github\/dba-review\.yml:1:1: .*missing/)
  })

  it('drops unknown rule ids with a positioned problem and a suggestion, and keeps the rest', () => {
    const result = parseConfig('rules:\n  ban-drop-colum: off\n  ban-drop-table: warning\n  made-up: error\n', FILE, RULES)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.config.rules).toEqual({ 'ban-drop-table': 'warning' })
    expect(result.problems.map(formatConfigProblem)).toEqual([
      `${FILE}:2:3: rules.ban-drop-colum: unknown rule id (did you mean ban-drop-column?); this setting is ignored`,
      `${FILE}:4:3: rules.made-up: unknown rule id; this setting is ignored`,
    ])
  })

  it('reports unknown rule ids together with fatal problems', () => {
    expect(problemsOf('rules:\n  nope: off\npostgres:\n  version: 99\n')).toEqual([
      `${FILE}:2:3: rules.nope: unknown rule id; this setting is ignored`,
      `${FILE}:4:3: postgres.version: expected <= 18; got 99`,
    ])
  })
})

describe('findConfig', () => {
  it('uses the defaults when the file does not exist', async () => {
    expect(await findConfig(memorySource({}), RULES)).toEqual({ ok: true, config: defaultConfig, file: null, problems: [] })
  })

  it('reads the file from the source', async () => {
    const result = await findConfig(memorySource({ [FILE]: 'postgres:\n  version: 13\n' }), RULES)
    expect(result.ok && result.config.postgres.version).toBe(13)
  })

  it('refuses a binary file with a positioned problem', async () => {
    const result = await findConfig(memorySource({ [FILE]: Buffer.from([0x72, 0x00, 0x01]) }), RULES)
    expect(result.problems.map(formatConfigProblem)).toEqual([`${FILE}:1:1: binary file (contains NUL bytes)`])
    expect(result.ok).toBe(false)
  })
})
