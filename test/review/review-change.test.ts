import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM helper without types, shared with `npm run example`
import { makeExampleRepo } from '../../examples/drizzle-app/make-repo.mjs'
import { allRules } from '../../rules/index.js'
import { defaultConfig } from '../../src/config/schema.js'
import { findChangedFiles, watchedDirs } from '../../src/migrations/compare-migrations.js'
import { FsSource } from '../../src/migrations/fs-source.js'
import { type GitSource, openGitSource } from '../../src/migrations/git-source.js'
import { reviewChange } from '../../src/review/review-change.js'

let repo: string
let base: GitSource

beforeAll(async () => {
  repo = makeExampleRepo() as string
  base = await openGitSource(repo, 'main')
})

afterAll(() => {
  base.close()
  rmSync(repo, { recursive: true, force: true })
})

describe('reviewChange', () => {
  it('reviews only the new migration, with the base as context', async () => {
    const head = new FsSource(repo)
    const changedFiles = await findChangedFiles(base, head, watchedDirs(defaultConfig))
    const report = await reviewChange({ base, head, changedFiles, config: defaultConfig, rules: allRules })
    expect(report).toMatchObject({ version: 1, migrationsDir: 'drizzle', layout: 'drizzle', transactionMode: 'all-pending' })
    expect(report.reviewed).toEqual([{ id: '0002_order_status', path: 'drizzle/0002_order_status.sql', status: 'added' }])
    expect(new Set(report.findings.map((f) => f.file))).toEqual(new Set(['drizzle/0002_order_status.sql']))
    const index = report.findings.find((f) => f.ruleId === 'require-concurrent-index-creation')
    expect(index?.range.start).toMatchObject({ line: 5, column: 1 })
    expect(report.counts.error).toBe(report.findings.filter((f) => f.severity === 'error').length)
    expect(report.counts.error + report.counts.warning + report.counts.notice).toBe(report.findings.length)
  })

  it('without a base, reviews every migration as if deployed on its own after its predecessors', async () => {
    const report = await reviewChange({ base: null, head: new FsSource(repo), changedFiles: [], config: defaultConfig, rules: allRules })
    expect(report.reviewed.map((m) => m.id)).toEqual(['0000_init', '0001_products', '0002_order_status'])
    // The index in 0000_init is on a table created in the same migration: exempt.
    expect(report.findings.filter((f) => f.ruleId === 'require-concurrent-index-creation').map((f) => f.file)).toEqual(['drizzle/0002_order_status.sql'])
  })

  it('follows the configured migrations folder and transaction mode', async () => {
    const config = { ...defaultConfig, migrations: { ...defaultConfig.migrations, transaction: 'none' as const } }
    const report = await reviewChange({ base: null, head: new FsSource(repo), changedFiles: [], config, rules: allRules })
    expect(report.transactionMode).toBe('none')
    const fix = report.findings.find((f) => f.ruleId === 'require-concurrent-index-creation')?.fix
    expect(fix?.edits).toEqual([expect.objectContaining({ text: ' CONCURRENTLY' })])
  })

  it('with replay, merges measured findings without restating what a rule already reported', async () => {
    const head = new FsSource(repo)
    const changedFiles = await findChangedFiles(base, head, watchedDirs(defaultConfig))
    const report = await reviewChange({ base, head, changedFiles, config: defaultConfig, rules: allRules, replay: {} })
    expect(report.replay?.status).toBe('passed')
    expect(report.replay?.findings.map((f) => f.ruleId)).toContain('fk-without-index')
    expect(report.findings.filter((f) => f.ruleId === 'require-foreign-key-index').map((f) => f.range.start.line)).toEqual([4])
    expect(report.findings.filter((f) => f.ruleId === 'fk-without-index')).toEqual([])
  })
})
