import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM helper without types, shared with `npm run example`
import { makeExampleRepo } from '../../examples/drizzle-app/make-repo.mjs'
import type { ReviewReport } from '../../src/review/review-report.js'
import { FIXTURES, ROOT, runCli, spawnCli } from './run-cli.js'

const ANSI = /\u001b\[\d+m/

describe('dba-review (built, as a process)', () => {
  it('prints its version', () => {
    const run = spawnCli(['--version'])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
  })

  it('exits 1 on error findings and prints them as text without colour on a pipe', () => {
    const run = spawnCli(['lint', `${FIXTURES}/plain`])
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(`${FIXTURES}/plain/0002_index.sql:3:1 error require-concurrent-index-creation `)
    expect(run.stdout).not.toMatch(ANSI)
  })

  it('ends quietly when the reader goes away (dba-review lint | head)', async () => {
    const child = spawn(process.execPath, [`${ROOT}bin/dba-review.cjs`, 'lint', `${FIXTURES}/plain`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
  })

  it('exits 2 with one line and no stack trace when it cannot run', () => {
    const run = spawnCli(['lint', '--format', 'xml'])
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'dba-review: --format must be one of text, json, sarif, github; got "xml"\n' })
  })
})

describe('dba-review lint', () => {
  it('exits 0 when there is no error finding', async () => {
    const run = await runCli(['lint', `${FIXTURES}/clean`])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toBe(`1 migration reviewed in ${FIXTURES}/clean (plain, transaction: none): no findings\n`)
  })

  it('writes the review report as JSON', async () => {
    const run = await runCli(['lint', `${FIXTURES}/plain`, '--format', 'json'])
    const report = JSON.parse(run.stdout) as ReviewReport
    expect(report).toMatchObject({ version: 1, migrationsDir: `${FIXTURES}/plain`, layout: 'plain', transactionMode: 'none', counts: { error: 1 } })
    expect(report.findings.map((f) => [f.ruleId, f.file, f.range.start.line])).toEqual([['require-concurrent-index-creation', `${FIXTURES}/plain/0002_index.sql`, 3]])
  })

  it('writes SARIF with the finding, its fix and the rule catalogue', async () => {
    const run = await runCli(['lint', `${FIXTURES}/plain`, '--format', 'sarif'])
    const log = JSON.parse(run.stdout)
    expect(log.version).toBe('2.1.0')
    const [result] = log.runs[0].results
    expect(result).toMatchObject({ ruleId: 'require-concurrent-index-creation', level: 'error', fixes: [{ description: { text: 'Build the index with CONCURRENTLY' } }] })
    expect(log.runs[0].tool.driver.rules[result.ruleIndex].id).toBe('require-concurrent-index-creation')
    expect(run.code).toBe(1)
  })

  it('writes GitHub workflow annotations', async () => {
    const run = await runCli(['lint', `${FIXTURES}/plain`, '--format', 'github'])
    expect(run.stdout).toMatch(new RegExp(`^::error file=${FIXTURES}/plain/0002_index.sql,line=3,endLine=3,col=1,endColumn=\\d+,title=dba-review require-concurrent-index-creation::`))
  })

  it('reports only the files named, with their predecessors as context', async () => {
    const run = await runCli(['lint', `${FIXTURES}/plain/0001_init.sql`, '--format', 'json'])
    const report = JSON.parse(run.stdout) as ReviewReport
    expect(report.reviewed.map((m) => m.path)).toEqual([`${FIXTURES}/plain/0001_init.sql`])
    expect(report.findings).toEqual([])
    expect(run.code).toBe(0)
  })

  it('reports unparsable SQL with its position and reviews the rest of the file', async () => {
    const run = await runCli(['lint', `${FIXTURES}/broken`, '--format', 'json'])
    const report = JSON.parse(run.stdout) as ReviewReport
    expect(report.findings.map((f) => [f.ruleId, f.range.start.line, f.range.start.column])).toEqual([['syntax-error', 2, 29]])
    expect(run.code).toBe(1)
  })

  it('lints several folders in one run', async () => {
    const run = await runCli(['lint', `${FIXTURES}/clean`, `${FIXTURES}/plain`])
    expect(run.stdout.trimEnd().split('\n').slice(-3)).toEqual([
      `1 migration reviewed in ${FIXTURES}/clean (plain, transaction: none): no findings`,
      `2 migrations reviewed in ${FIXTURES}/plain (plain, transaction: none): 1 error, 0 warnings, 0 notices`,
      'Total: 1 error, 0 warnings, 0 notices',
    ])
  })

  it('notes when the folder holds no migrations', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'dba-review-empty-'))
    try {
      const run = await runCli(['lint', '--repo', empty])
      expect(run).toMatchObject({ code: 0, stderr: `note: no migrations found in ${path.join(empty, 'drizzle')}\n` })
    } finally {
      rmSync(empty, { recursive: true })
    }
  })

  it('says which path does not exist', async () => {
    expect(await runCli(['lint', 'no/such/folder'])).toEqual({ code: 2, stdout: '', stderr: 'dba-review: no/such/folder: no such file or folder\n' })
  })
})

describe('colour', () => {
  const argv = ['lint', `${FIXTURES}/plain`]
  it('is used on a terminal', async () => {
    expect((await runCli(argv, { tty: true })).stdout).toMatch(ANSI)
  })
  it('is never used with NO_COLOR, even on a terminal or with FORCE_COLOR', async () => {
    expect((await runCli(argv, { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(ANSI)
    expect((await runCli(argv, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).stdout).not.toMatch(ANSI)
  })
  it('is forced with FORCE_COLOR and refused with FORCE_COLOR=0', async () => {
    expect((await runCli(argv, { env: { FORCE_COLOR: '1' } })).stdout).toMatch(ANSI)
    expect((await runCli(argv, { tty: true, env: { FORCE_COLOR: '0' } })).stdout).not.toMatch(ANSI)
  })
})

describe('configuration', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dba-review-cli-'))
    mkdirSync(path.join(dir, 'db'))
    writeFileSync(path.join(dir, 'db/0001_init.sql'), 'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL);\n')
    writeFileSync(path.join(dir, 'db/0002_index.sql'), 'CREATE INDEX orders_user_id_idx ON orders (user_id);\n')
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const writeConfig = (text: string) => {
    mkdirSync(path.join(dir, '.github'), { recursive: true })
    writeFileSync(path.join(dir, '.github/dba-review.yml'), text)
  }

  it('reads the migrations folder and rule severities from .github/dba-review.yml', async () => {
    writeConfig('migrations:\n  dir: db\nrules:\n  require-concurrent-index-creation: warning\n')
    const run = await runCli(['lint', '--repo', dir])
    expect(run.stdout).toContain('db/0002_index.sql:1:1 warning require-concurrent-index-creation')
    expect(run.code).toBe(0)
  })

  it('exits 2 on an invalid config, naming file, line, column, key and problem', async () => {
    writeConfig('migrations:\n  dir: db\nrules:\n  require-concurrent-index-creation: loud\n')
    const run = await runCli(['lint', '--repo', dir])
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: .github/dba-review.yml:4:3: rules.require-concurrent-index-creation: expected one of error|warning|notice|off; got "loud"\ndba-review: invalid configuration in .github/dba-review.yml\n',
    })
  })

  it('warns about an unknown rule id with its position and goes on', async () => {
    writeConfig('migrations:\n  dir: db\nrules:\n  require-concurent-index-creation: off\n')
    const run = await runCli(['lint', '--repo', dir])
    expect(run.stderr).toBe('warning: .github/dba-review.yml:4:3: rules.require-concurent-index-creation: unknown rule id (did you mean require-concurrent-index-creation?); this setting is ignored\n')
    expect(run.code).toBe(1)
  })

  it('takes --config from the command line, relative to the working directory', async () => {
    writeFileSync(path.join(dir, 'other.yml'), 'migrations:\n  dir: db\nrules:\n  require-concurrent-index-creation: notice\n')
    const run = await runCli(['lint', '--repo', '.', '--config', 'other.yml'], { cwd: dir })
    expect(run.stdout).toContain('db/0002_index.sql:1:1 notice require-concurrent-index-creation')
    expect((await runCli(['lint', '--config', 'missing.yml'], { cwd: dir })).stderr).toBe('dba-review: --config missing.yml: no such file\n')
  })

  it('shows a stack trace only with DEBUG=dba-review', async () => {
    writeConfig('migrations:\n  dir: ../elsewhere\n')
    const plain = await runCli(['lint', '--repo', dir])
    expect(plain).toEqual({ code: 2, stdout: '', stderr: 'dba-review: error: migrations.dir "../elsewhere" points outside the repository\n' })
    const debug = await runCli(['lint', '--repo', dir], { env: { DEBUG: 'dba-review' } })
    expect(debug.code).toBe(2)
    expect(debug.stderr).toMatch(/^dba-review: error: migrations\.dir .*\nError: migrations\.dir .*\n {4}at /)
  })

  it('exits 2 for --base outside a git repository', async () => {
    expect(await runCli(['lint', '--repo', dir, '--base', 'main'])).toEqual({ code: 2, stdout: '', stderr: `dba-review: ${dir} is not inside a git repository (needed for --base)\n` })
  })

  it('warns about a broken table stats file and goes on', async () => {
    writeConfig('migrations:\n  dir: db\n')
    mkdirSync(path.join(dir, '.github/dba-review'), { recursive: true })
    writeFileSync(path.join(dir, '.github/dba-review/table-stats.json'), '{"version": 1, "tables": {"orders": {"rows": 5}}}')
    const run = await runCli(['lint', '--repo', dir])
    expect(run.stderr).toBe('warning: .github/dba-review/table-stats.json:1:27: tables.orders: expected a schema-qualified table name such as "public.users"\n')
    expect(run.code).toBe(1)
  })
})

describe('--base', () => {
  let repo: string
  beforeAll(() => {
    repo = makeExampleRepo() as string
  })
  afterAll(() => rmSync(repo, { recursive: true, force: true }))

  it('reviews only migrations new or changed since the ref', async () => {
    const run = await runCli(['lint', '--repo', repo, '--base', 'main', '--format', 'json'])
    const report = JSON.parse(run.stdout) as ReviewReport
    expect(report.reviewed).toEqual([{ id: '0002_order_status', path: 'drizzle/0002_order_status.sql', status: 'added' }])
    expect(report.findings.every((f) => f.file === 'drizzle/0002_order_status.sql')).toBe(true)
    expect(run.code).toBe(1)
  })

  it('deploys the branch onto the ref as it is now: a migration merged there meanwhile is context, not a deletion', async () => {
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { stdio: 'pipe' })
    git('checkout', '-q', 'main')
    writeFileSync(path.join(repo, 'drizzle/0002_audit.sql'), 'CREATE TABLE "audit" ("id" bigint PRIMARY KEY);\n')
    const journal = JSON.parse(readFileSync(path.join(repo, 'drizzle/meta/_journal.json'), 'utf8')) as { entries: unknown[] }
    // Generated after the branch's migration: production will have run it first, so drizzle skips the branch's.
    journal.entries.push({ idx: 2, version: '7', when: 1764000000000, tag: '0002_audit', breakpoints: true })
    writeFileSync(path.join(repo, 'drizzle/meta/_journal.json'), `${JSON.stringify(journal, null, 2)}\n`)
    git('add', '-A')
    git('commit', '-q', '-m', 'audit table on main')
    git('checkout', '-q', 'feature')
    const report = JSON.parse((await runCli(['lint', '--repo', repo, '--base', 'main', '--format', 'json'])).stdout) as ReviewReport
    expect(report.reviewed.map((m) => m.id)).toEqual(['0002_order_status'])
    expect(report.findings.filter((f) => f.ruleId === 'edited-applied-migration')).toEqual([])
    expect(report.findings.filter((f) => f.ruleId === 'drizzle-migration-out-of-order').map((f) => f.message)).toEqual([expect.stringContaining('0002_order_status')])
  })

  it('exits 2 for an unknown ref', async () => {
    expect(await runCli(['lint', '--repo', repo, '--base', 'no-such-branch'])).toEqual({ code: 2, stdout: '', stderr: `dba-review: unknown git ref "no-such-branch" in ${repo}\n` })
  })
})

describe('usage', () => {
  it('prints help for each command', async () => {
    for (const command of ['lint', 'review', 'rules', 'stats']) {
      const run = await runCli([command, '--help'])
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(new RegExp(`^Usage: dba-review ${command}`))
    }
  })

  it('rejects unknown commands and options with exit 2', async () => {
    expect(await runCli(['frobnicate'])).toEqual({ code: 2, stdout: '', stderr: 'dba-review: unknown command "frobnicate" (try dba-review --help)\n' })
    const run = await runCli(['lint', '--bogus'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^dba-review: Unknown option '--bogus'/)
  })

  it('lists the rules', async () => {
    const run = await runCli(['rules', '--format', 'json'])
    const rules = JSON.parse(run.stdout) as Array<{ id: string; severity: string }>
    expect(rules.find((r) => r.id === 'require-concurrent-index-creation')).toMatchObject({ severity: 'error' })
  })
})
