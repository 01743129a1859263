import { describe, expect, it } from 'vitest'
import { allRules } from '../../rules/index.js'
import { buildRuleDocs, MANUAL_END, MANUAL_START, renderRulePage } from '../../scripts/generate-docs.js'

const rule = allRules.find((r) => r.meta.id === 'require-concurrent-index-creation')!

describe('rule docs', () => {
  it('have one page per rule and an index linking each of them with its severity', () => {
    const files = buildRuleDocs(allRules, () => null)
    expect([...files.keys()].sort()).toEqual([...allRules.map((r) => `${r.meta.id}.md`), 'README.md'].sort())
    const index = files.get('README.md')!
    for (const { meta } of allRules) expect(index).toContain(`| [${meta.id}](${meta.id}.md) | ${meta.severity} |`)
  })

  it('take every section from the rule metadata', () => {
    const page = renderRulePage(rule, null)
    expect(page).toMatch(/^<!-- Generated .*-->\n\n# require-concurrent-index-creation\n\n/)
    const headings = page.split('\n').filter((line) => line.startsWith('## ') || line.startsWith('### '))
    expect(headings).toEqual(['## Problem', '## Safe alternative', '## Examples', '### Instead of', '### Use', '## Exemptions', '## Fix', '## Ignoring', '## Notes'])
    expect(page).toContain(rule.meta.rationale)
    expect(page).toContain(rule.meta.safeAlternative)
    expect(page).toContain('(https://www.postgresql.org/docs/16/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY)')
    expect(page).toContain(rule.meta.examples.bad[0] && 'sql' in rule.meta.examples.bad[0] ? rule.meta.examples.bad[0].sql : '')
    expect(page).toContain('`-- squawk-ignore require-concurrent-index-creation` is honoured too.')
  })

  it('keep the hand-written section across regeneration', () => {
    const manual = `${MANUAL_START}\nMeasured on our orders table: 40 s per 10 M rows.\n${MANUAL_END}`
    const edited = renderRulePage(rule, null).replace(`${MANUAL_START}\n${MANUAL_END}`, manual)
    const regenerated = renderRulePage(rule, edited)
    expect(regenerated).toBe(edited)
    expect(regenerated).toContain('Measured on our orders table')
  })
})
