import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReviewReport } from '../../src/review/review-report.js'
import { runCli } from './run-cli.js'

let dir: string
const write = (file: string, content: string | Buffer) => {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
  writeFileSync(path.join(dir, file), content)
}

async function lint(folder: string): Promise<{ code: number; report: ReviewReport; stderr: string }> {
  const run = await runCli(['lint', folder, '--format', 'json'], { cwd: dir })
  return { code: run.code, report: JSON.parse(run.stdout) as ReviewReport, stderr: run.stderr }
}

const where = (report: ReviewReport) => report.findings.map((f) => `${f.ruleId} ${f.file}:${f.range.start.line}:${f.range.start.column}`)

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dba-review-bad-input-'))
  write('journal/meta/_journal.json', '{\n  "version": "7",\n  "dialect": "postgresql",\n  "entries": [\n    { "idx": 0, "when": 1700000000000, "tag": "0000_init", "breakpoints": true },\n  ]\n}\n')
  write('journal/0000_init.sql', 'CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\n')
  write('missing/meta/_journal.json', JSON.stringify({ version: '7', dialect: 'postgresql', entries: [{ idx: 0, when: 1700000000000, tag: '0000_gone', breakpoints: true }] }, null, 2))
  write('files/0001_binary.sql', Buffer.from([0x43, 0x52, 0x00, 0xff, 0x01]))
  write('files/0002_huge.sql', `-- ${'x'.repeat(6 * 1024 * 1024)}\n`)
  write('files/0003_ok.sql', "-- dba-review-ignore no-such-rule: typo in the rule name\nCREATE TABLE b (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\n")
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('bad input becomes findings with file and position; the run goes on', () => {
  it('invalid JSON in the drizzle journal', async () => {
    const { code, report } = await lint('journal')
    expect(where(report)).toEqual([expect.stringMatching(/^drizzle-journal-invalid journal\/meta\/_journal\.json:6:3$/)])
    expect(code).toBe(1)
  })

  it('a journal entry whose file is missing', async () => {
    const { code, report } = await lint('missing')
    expect(where(report)).toEqual([expect.stringMatching(/^drizzle-journal-missing-file missing\/meta\/_journal\.json:\d+:\d+$/)])
    expect(code).toBe(1)
  })

  it('a binary file, a file over the size limit, and an ignore naming an unknown rule, next to a good file', async () => {
    const { code, report } = await lint('files')
    // The ignore of an unknown rule is invalid, and it suppresses nothing (so it is also unused).
    expect(where(report).sort()).toEqual(['invalid-ignore files/0003_ok.sql:1:1', 'unreadable-file files/0001_binary.sql:1:1', 'unreadable-file files/0002_huge.sql:1:1', 'unused-ignore files/0003_ok.sql:1:1'])
    expect(report.reviewed.map((m) => m.path)).toEqual(['files/0003_ok.sql'])
    expect(code).toBe(1)
  })
})
