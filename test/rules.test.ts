import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { allRules } from '../rules/index.js'
import type { Finding } from '../src/lint/finding.js'
import type { InvalidRuleCase, Rule, RuleCase } from '../src/lint/rule.js'
import { SET_PROBLEM_RULES } from '../src/migrations/set-problems.js'
import { applyFixes, lintRuleCase } from './helpers/lint-sql.js'

/**
 * The one table-driven tester for every rule (ESLint RuleTester style): doc examples (`bad` must report,
 * `good` must not), valid/invalid cases with exact message ids and positions, and strict fix checks.
 */
async function lintOne(rule: Rule, testCase: RuleCase) {
  // Engine rules (ignores, syntax) are about other rules' findings: run them with the whole default catalogue.
  const enabled = rule.meta.category === 'engine' ? allRules.filter((r) => r.meta.severity !== 'off' || r === rule) : [rule]
  const { change, findings } = await lintRuleCase(testCase, enabled, allRules)
  return { change, findings: findings.filter((f) => f.ruleId === rule.meta.id) }
}

const findingsOf = async (rule: Rule, testCase: RuleCase) => (await lintOne(rule, testCase)).findings

/** Messages whose template kept a `{{placeholder}}` the report's data did not fill. */
const unfilled = (findings: Finding[]) => findings.filter((f) => /\{\{\s*\w+\s*\}\}/.test(f.message)).map((f) => f.message)

/** How test output names a case. */
const caseName = (c: RuleCase, fallback: string) => c.name ?? ('sql' in c ? c.sql : fallback)

const ruleFiles = readdirSync(new URL('../rules/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'index.ts')

describe('rule catalogue', () => {
  it('registers every rule module exactly once, with unique ids matching file names', () => {
    expect(allRules.map((r) => `${r.meta.id}.ts`).sort()).toEqual(ruleFiles.sort())
  })

  it('has an integrity rule for every rule id the migration-set readers report', () => {
    const integrity = allRules.filter((r) => r.meta.category === 'integrity').map((r) => r.meta.id)
    expect(Object.values(SET_PROBLEM_RULES).filter((id) => !integrity.includes(id))).toEqual([])
  })
})

describe.each(allRules.map((rule) => [rule.meta.id, rule] as const))('%s', (id, rule) => {
  const { meta } = rule
  it('has complete metadata', () => {
    expect(meta.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    for (const field of [meta.summary, meta.rationale, meta.safeAlternative]) expect(field.trim().length).toBeGreaterThan(10)
    expect(Object.keys(meta.messages).length).toBeGreaterThan(0)
    for (const messageId of Object.keys(meta.messages)) expect(messageId).toMatch(/^[a-z][a-zA-Z0-9]*$/)
    expect(meta.examples.bad.length + meta.examples.good.length).toBeGreaterThan(0)
  })

  it('covers every message id with an invalid case or a bad example', async () => {
    const bad = await Promise.all(meta.examples.bad.map((c) => findingsOf(rule, c)))
    const covered = new Set([...(meta.tests?.invalid ?? []).flatMap((c) => c.errors.map((e) => e.messageId)), ...bad.flat().map((f) => f.messageId)])
    expect([...Object.keys(meta.messages)].filter((m) => !covered.has(m))).toEqual([])
  })

  it.each(meta.examples.bad.map((c, i) => [c.name ?? `bad example ${i + 1}`, c] as const))('reports %s', async (_name, testCase) => {
    const findings = await findingsOf(rule, testCase)
    expect(findings.length).toBeGreaterThan(0)
    expect(unfilled(findings)).toEqual([])
  })

  it.each([...meta.examples.good.map((c, i) => [c.name ?? `good example ${i + 1}`, c] as const), ...(meta.tests?.valid ?? []).map((c, i) => [caseName(c, `valid case ${i + 1}`), c] as const)])('accepts %s', async (_name, testCase) => {
    expect((await findingsOf(rule, testCase)).map((f) => `${f.messageId}@${f.file}:${f.range.start.line}: ${f.message}`)).toEqual([])
  })

  const invalid: InvalidRuleCase[] = meta.tests?.invalid ?? []
  if (invalid.length) {
    it.each(invalid.map((c, i) => [caseName(c, `invalid case ${i + 1}`), c] as const))('rejects %s', async (_name, testCase) => {
      const { change, findings } = await lintOne(rule, testCase)
      const files = change.added.map((m) => m.path)
      expect(findings.map((f) => f.messageId)).toEqual(testCase.errors.map((e) => e.messageId))
      expect(unfilled(findings)).toEqual([])
      testCase.errors.forEach((expected, i) => {
        const actual = findings[i]!
        if (expected.line !== undefined) expect(actual.range.start.line, `line of error ${i + 1}`).toBe(expected.line)
        if (expected.column !== undefined) expect(actual.range.start.column, `column of error ${i + 1}`).toBe(expected.column)
        if (expected.file !== undefined) expect(actual.file).toBe(typeof expected.file === 'string' ? expected.file : files[expected.file])
        if (expected.severity !== undefined) expect(actual.severity, `severity of error ${i + 1}`).toBe(expected.severity)
      })
      const fixed = findings.some((f) => f.fix)
      if (testCase.output === undefined) expect(fixed, 'a fix fired: state `output` (or `output: null`)').toBe(false)
      else if (testCase.output === null) expect(fixed, 'output: null but a fix was offered').toBe(false)
      else {
        expect('sql' in testCase, 'fixes are checked on SQL cases').toBe(true)
        const sql = 'sql' in testCase ? testCase.sql : ''
        expect(testCase.output, 'output must differ from the input').not.toBe(sql)
        expect(applyFixes(sql, findings, files[0]!)).toBe(testCase.output)
      }
    })
  }
})
