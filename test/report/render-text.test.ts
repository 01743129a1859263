import { describe, expect, it } from 'vitest'
import { renderGithub } from '../../src/report/render-github.js'
import { renderJson } from '../../src/report/render-json.js'
import { renderText } from '../../src/report/render-text.js'
import type { ReviewReport } from '../../src/review/review-report.js'
import { report } from './report-fixture.js'

const clean: ReviewReport = { ...report, migrationsDir: 'db/migrations', layout: 'plain', transactionMode: 'none', reviewed: [], findings: [], counts: { error: 0, warning: 0, notice: 0 } }

describe('renderText', () => {
  it('groups findings by file with position, severity, rule, message, help and fix', () => {
    expect(renderText([report], { color: false })).toMatchInlineSnapshot(`
      "drizzle/0002_orders_status.sql
      drizzle/0002_orders_status.sql:3:1 error sample-index Index orders_status_idx on existing table "commandes_été" is built without CONCURRENTLY: writes are blocked for the whole build.
        help: Use \`CREATE INDEX CONCURRENTLY\` in a migration that runs outside a transaction block.
        fix: Build the index with CONCURRENTLY
      drizzle/0002_orders_status.sql:5:3 warning sample-lock ALTER TABLE users holds ACCESS EXCLUSIVE: 100% of reads, writes, and DDL wait
        until commit.

      drizzle/0001_users.sql
      drizzle/0001_users.sql:1:30 notice sample-design Column users.name is varchar(50); text with a CHECK is easier to change.
        help: Use \`text\`.

      2 migrations reviewed in drizzle (drizzle, transaction: all-pending): 1 error, 1 warning, 1 notice
      "
    `)
  })

  it("prints a rule's help under its first finding in each file only", () => {
    const [index] = report.findings.filter((f) => f.ruleId === 'sample-index')
    const again = { ...index!, range: { start: { line: 9, column: 1, offset: 300 }, end: { line: 9, column: 20, offset: 319 } }, fix: undefined }
    const elsewhere = { ...again, file: 'drizzle/0003_more.sql' }
    const lines = renderText([{ ...report, findings: [...report.findings, again, elsewhere] }], { color: false }).split('\n')
    const helpLines = lines.flatMap((line, i) => (line.startsWith('  help: Use `CREATE INDEX') ? [lines[i - 1]!.split(' ')[0]] : []))
    expect(helpLines).toEqual(['drizzle/0002_orders_status.sql:3:1', 'drizzle/0003_more.sql:9:1'])
  })

  it('summarises each report and the total when several folders were reviewed', () => {
    expect(renderText([clean, report], { color: false }).split('\n').slice(-4)).toEqual([
      '0 migrations reviewed in db/migrations (plain, transaction: none): no findings',
      '2 migrations reviewed in drizzle (drizzle, transaction: all-pending): 1 error, 1 warning, 1 notice',
      'Total: 1 error, 1 warning, 1 notice',
      '',
    ])
  })

  it('uses ANSI colours only when asked', () => {
    expect(renderText([report], { color: false })).not.toContain('\u001b[')
    const coloured = renderText([report], { color: true })
    expect(coloured).toContain('\u001b[31merror\u001b[39m')
    expect(coloured).toContain('\u001b[33mwarning\u001b[39m')
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(renderText([report], { color: false }))
  })
})

describe('renderJson', () => {
  it('is the report itself for one folder, and an array for several', () => {
    expect(JSON.parse(renderJson([report]))).toEqual(report)
    expect(JSON.parse(renderJson([report, clean]))).toEqual([report, clean])
  })
})

describe('renderGithub', () => {
  it('writes one escaped workflow command per finding', () => {
    expect(renderGithub([report])).toMatchInlineSnapshot(`
      "::error file=drizzle/0002_orders_status.sql,line=3,endLine=3,col=1,endColumn=62,title=dba-review sample-index::Index orders_status_idx on existing table "commandes_été" is built without CONCURRENTLY: writes are blocked for the whole build.%0AUse \`CREATE INDEX CONCURRENTLY\` in a migration that runs outside a transaction block.
      ::warning file=drizzle/0002_orders_status.sql,line=5,endLine=7,title=dba-review sample-lock::ALTER TABLE users holds ACCESS EXCLUSIVE: 100%25 of reads, writes, and DDL wait%0Auntil commit.
      ::notice file=drizzle/0001_users.sql,line=1,endLine=1,col=30,endColumn=41,title=dba-review sample-design::Column users.name is varchar(50); text with a CHECK is easier to change.%0AUse \`text\`.
      "
    `)
  })

  it('escapes property separators in file names', () => {
    const odd = { ...report, findings: [{ ...report.findings[2]!, file: 'db/a,b:c%.sql' }] }
    expect(renderGithub([odd])).toMatch(/^::notice file=db\/a%2Cb%3Ac%25\.sql,line=1,/)
  })

  it('prints nothing for a clean report', () => {
    expect(renderGithub([clean])).toBe('')
  })
})
