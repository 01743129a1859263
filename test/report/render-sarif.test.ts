import { createRequire } from 'node:module'
import Ajv04 from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import type { Log } from 'sarif'
import { describe, expect, it } from 'vitest'
import { renderSarif } from '../../src/report/render-sarif.js'
import { report, rules } from './report-fixture.js'

// The SARIF 2.1.0 (rtm.5) JSON schema as Microsoft's SARIF test matchers ship it; it is draft-04.
const schema = createRequire(import.meta.url)('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json')
// The schema's language-tag pattern is not valid with the `u` flag that ajv uses by default.
const ajv = new Ajv04.default({ allErrors: true, strict: false, unicodeRegExp: false })
addFormats.default(ajv)
const validate = ajv.compile(schema)

const options = { rules, toolVersion: '0.1.0', rulesDocsUrl: 'https://example.com/dba-review/docs/rules' }

describe('renderSarif', () => {
  const text = renderSarif([report], options)
  const log = JSON.parse(text) as Log

  it('is valid against the SARIF 2.1.0 schema', () => {
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true)
  })

  it('rejects what the schema rejects (the validator is live)', () => {
    const broken = structuredClone(log)
    broken.runs[0]!.results![0]!.locations![0]!.physicalLocation!.region!.startLine = 0
    expect(validate(broken)).toBe(false)
  })

  it('describes every rule with docs link, descriptions and default level', () => {
    const driver = log.runs[0]!.tool.driver
    expect(driver.rules!.map((r) => [r.id, r.helpUri, r.defaultConfiguration])).toEqual([
      ['sample-design', 'https://example.com/dba-review/docs/rules/sample-design.md', { enabled: false }],
      ['sample-index', 'https://example.com/dba-review/docs/rules/sample-index.md', { level: 'error' }],
      ['sample-lock', 'https://example.com/dba-review/docs/rules/sample-lock.md', { level: 'warning' }],
    ])
    expect(driver.rules![1]!.shortDescription!.text).toBe('Build indexes on existing tables with CREATE INDEX CONCURRENTLY')
    expect(driver.rules![1]!.fullDescription).toEqual({ text: 'CREATE INDEX takes a SHARE lock for the whole build.', markdown: '`CREATE INDEX` takes a **SHARE** lock for the whole build.' })
  })

  it('maps findings to results with regions, levels, rule indexes and fixes', () => {
    const results = log.runs[0]!.results!
    expect(results.map((r) => [r.ruleId, driverRuleAt(r.ruleIndex!), r.level])).toEqual([
      ['sample-index', 'sample-index', 'error'],
      ['sample-lock', 'sample-lock', 'warning'],
      ['sample-design', 'sample-design', 'note'],
    ])
    expect(results[1]!.locations![0]!.physicalLocation!.region).toEqual({ startLine: 5, startColumn: 3, endLine: 7, endColumn: 12 })
    expect(results[0]!.fixes).toEqual([
      {
        description: { text: 'Build the index with CONCURRENTLY' },
        artifactChanges: [{ artifactLocation: { uri: 'drizzle/0002_orders_status.sql', uriBaseId: '%SRCROOT%' }, replacements: [{ deletedRegion: { charOffset: 92, charLength: 0 }, insertedContent: { text: ' CONCURRENTLY' } }] }],
      },
    ])
    expect(results[1]!.fixes).toBeUndefined()

    function driverRuleAt(index: number): string {
      return log.runs[0]!.tool.driver.rules![index]!.id
    }
  })

  it('describes rules without a module (the replay\'s) from their findings, validly', () => {
    const replayFinding = { ...report.findings[1]!, ruleId: 'replay-error', messageId: 'statement', severity: 'error' as const, help: 'The migration fails on PostgreSQL.' }
    const withReplay = JSON.parse(renderSarif([{ ...report, findings: [...report.findings, replayFinding] }], options)) as Log
    expect(validate(withReplay), JSON.stringify(validate.errors, null, 2)).toBe(true)
    const driver = withReplay.runs[0]!.tool.driver
    const result = withReplay.runs[0]!.results!.at(-1)!
    expect(driver.rules![result.ruleIndex!]).toMatchObject({ id: 'replay-error', help: { text: 'The migration fails on PostgreSQL.' }, properties: { tags: ['replay'] } })
  })

  it('matches the snapshot', async () => {
    await expect(text).toMatchFileSnapshot('./__snapshots__/report.sarif.json')
  })
})
