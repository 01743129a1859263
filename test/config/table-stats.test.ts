import { describe, expect, it } from 'vitest'
import { findTableStats, parseTableStats } from '../../src/config/table-stats.js'
import { formatConfigProblem } from '../../src/config/validate-document.js'

const FILE = '.github/dba-review/table-stats.json'

describe('parseTableStats', () => {
  it('reads row counts by schema-qualified name', () => {
    const text = JSON.stringify({ version: 1, generatedAt: '2026-01-01T00:00:00Z', tables: { 'public.users': { rows: 1234, bytes: 65536 }, 'billing.invoices': { rows: 0 } } }, null, 2)
    const { stats, problems } = parseTableStats(text, FILE)
    expect(problems).toEqual([])
    expect([...stats]).toEqual([
      ['public.users', 1234],
      ['billing.invoices', 0],
    ])
  })

  it('keeps the valid entries and positions every problem', () => {
    const text = ['{', '  "version": 1,', '  "tables": {', '    "public.users": { "rows": 10 },', '    "orders": { "rows": 5 },', '    "public.events": { "rows": -3 },', '    "public.items": { "rows": 7, "size": 1 }', '  }', '}'].join('\n')
    const { stats, problems } = parseTableStats(text, FILE)
    expect([...stats]).toEqual([['public.users', 10]])
    expect(problems.map(formatConfigProblem)).toEqual([
      `${FILE}:5:5: tables.orders: expected a schema-qualified table name such as "public.users"`,
      `${FILE}:6:24: tables.public.events.rows: expected >= 0; got -3`,
      `${FILE}:7:34: tables.public.items.size: unknown key`,
    ])
  })

  it('uses nothing from a file of another version', () => {
    const { stats, problems } = parseTableStats('{"version": 2, "tables": {"public.a": {"rows": 1}}}', FILE)
    expect(stats.size).toBe(0)
    expect(problems.map(formatConfigProblem)).toEqual([`${FILE}:1:2: version: expected one of 1; got 2`])
  })

  it('reports invalid JSON at its position', () => {
    const { stats, problems } = parseTableStats('{\n  "version": 1,\n  "tables": {\n}', FILE)
    expect(stats.size).toBe(0)
    expect(problems).toHaveLength(1)
    expect(problems[0]!.range.start.line).toBeGreaterThanOrEqual(3)
  })
})

describe('findTableStats', () => {
  it('means no stats when the file is missing', async () => {
    const result = await findTableStats({ label: 'memory', list: async () => [], read: async () => null }, FILE)
    expect(result).toEqual({ stats: new Map(), problems: [] })
  })
})
