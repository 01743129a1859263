import { describe, expect, it } from 'vitest'
import { allRules } from '../../rules/index.js'
import { findConfig, parseConfig } from '../../src/config/load-config.js'
import { defaultConfig } from '../../src/config/schema.js'
import { formatConfigProblem } from '../../src/config/validate-document.js'
import type { FileSource } from '../../src/migrations/file-source.js'

const FILE = '.github/dba-review.yml'
const RULES = allRules

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

  it('validates rule options by the rule\'s schema, at the offending key, and refuses the config', () => {
    const text = ['rules:', '  ban-drop-table: warning', '  naming-convention:', '    options:', '      pattern: "(["', '      tables: 3', ''].join('\n')
    expect(parseConfig(text, FILE, RULES).ok).toBe(false)
    expect(problemsOf(text)).toEqual([
      `${FILE}:5:7: rules.naming-convention.options.pattern: not a valid regular expression`,
      `${FILE}:6:7: rules.naming-convention.options.tables: expected a string; got 3`,
    ])
    expect(problemsOf('rules:\n  require-timestamps: { severity: error, options: { columns: [] } }\n')).toEqual([
      `${FILE}:2:53: rules.require-timestamps.options.columns: expected length >= 1; got a list`,
    ])
  })

  it('reports unknown option keys', () => {
    expect(problemsOf('rules:\n  require-lock-timeout:\n    options:\n      lock_timeout: 2s\n')).toEqual([`${FILE}:4:7: rules.require-lock-timeout.options.lock_timeout: unknown key`])
  })

  it('reports options given to a rule that takes none', () => {
    expect(problemsOf('rules:\n  ban-drop-table:\n    options: { allow: true }\n')).toEqual([`${FILE}:3:5: rules.ban-drop-table.options: this rule takes no options`])
  })

  it('reports bad options together with other problems, each at its key', () => {
    expect(problemsOf('rules:\n  made-up: off\n  naming-convention: { options: { pattern: "([" } }\npostgres:\n  version: 99\n')).toEqual([
      `${FILE}:2:3: rules.made-up: unknown rule id; this setting is ignored`,
      `${FILE}:3:35: rules.naming-convention.options.pattern: not a valid regular expression`,
      `${FILE}:5:3: postgres.version: expected <= 18; got 99`,
    ])
  })

  it('keeps valid options with the rule\'s defaults filled in', () => {
    const text = ['rules:', '  naming-convention:', '    severity: error', '    options: { columns: "^[a-z][a-zA-Z0-9]*$" }', '  require-lock-timeout: { options: {} }', '  ban-drop-table: { options: {} }', ''].join('\n')
    const result = parseConfig(text, FILE, RULES)
    if (!result.ok) throw new Error(result.problems.map(formatConfigProblem).join('\n'))
    expect(result.problems).toEqual([])
    expect(result.config.rules).toEqual({
      'naming-convention': { severity: 'error', options: { pattern: '^[a-z_][a-z0-9_]*$', columns: '^[a-z][a-zA-Z0-9]*$' } },
      'require-lock-timeout': { options: { lockTimeout: '5s' } },
      'ban-drop-table': { options: {} },
    })
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
