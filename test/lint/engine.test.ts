import { describe, expect, it } from 'vitest'
import { allRules } from '../../rules/index.js'
import { configSchema } from '../../src/config/schema.js'
import { lintChange } from '../../src/lint/engine.js'
import { defineRule, type SqlRuleCase, type TransactionInfo } from '../../src/lint/rule.js'
import type { Migration, MigrationChange, MigrationSet, TransactionMode } from '../../src/migrations/types.js'
import { changeOf, lintCase } from '../helpers/lint-sql.js'

/** A rule that reports what the engine tells it about every statement, so tests can read the context. */
function contextProbe(seen: Array<{ sql: string; tx: TransactionInfo; existing?: boolean }>) {
  return defineRule({
    meta: {
      id: 'context-probe',
      severity: 'notice',
      category: 'locks',
      summary: 'Records the context of every statement',
      rationale: 'Test instrument for the engine.',
      safeAlternative: 'Not applicable: test instrument.',
      messages: { seen: 'seen' },
      examples: { bad: [], good: [] },
    },
    check: (ctx) => ({
      Statement(statement) {
        const relation = statement.node?.relation
        seen.push({ sql: statement.text, tx: ctx.transaction, existing: relation ? ctx.isExistingTable(relation) : undefined })
      },
    }),
  })
}

function probe(testCase: SqlRuleCase) {
  const seen: Array<{ sql: string; tx: TransactionInfo; existing?: boolean }> = []
  const rule = contextProbe(seen)
  lintCase(testCase, [rule], [...allRules, rule])
  return seen
}

describe('transaction model', () => {
  it('puts every pending file of a drizzle batch in one transaction', () => {
    const seen = probe({ sql: 'CREATE TABLE a (id int);', more: ['CREATE TABLE b (id int);'], transaction: 'all-pending' })
    expect(seen.map((s) => s.tx.inTransaction)).toEqual([true, true])
    expect(new Set(seen.map((s) => s.tx.id)).size).toBe(1)
  })

  it('ends the runner transaction at COMMIT and runs the rest, later files included, in autocommit', () => {
    const seen = probe({ sql: 'CREATE TABLE a (id int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON a (id);', more: ['CREATE TABLE b (id int);'] })
    expect(seen.map((s) => [s.sql.split(' ')[0], s.tx.inTransaction])).toEqual([
      ['CREATE', true],
      ['COMMIT;', true],
      ['CREATE', false],
      ['CREATE', false],
    ])
  })

  it('starts an explicit transaction at BEGIN after a COMMIT', () => {
    const seen = probe({ sql: 'COMMIT;\nBEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);' })
    expect(seen.map((s) => s.tx.inTransaction)).toEqual([true, false, true, true, false])
  })

  it('tells rules the runner mode and whether a BEGIN in the migration opened the transaction', () => {
    const seen = probe({ sql: 'CREATE TABLE a (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE b (id int);\nCOMMIT;\nCREATE TABLE c (id int);', transaction: 'per-file' })
    expect(seen.filter((s) => s.sql.startsWith('CREATE')).map((s) => [s.tx.mode, s.tx.explicit])).toEqual([
      ['per-file', false],
      ['per-file', true],
      ['per-file', false],
    ])
  })

  it.each<[TransactionMode, boolean[], number]>([
    ['per-file', [true, true], 2],
    ['none', [false, false], 1],
  ])('models %s runners', (mode, inTransaction, transactions) => {
    const seen = probe({ sql: 'CREATE TABLE a (id int);', more: ['CREATE TABLE b (id int);'], transaction: mode })
    expect(seen.map((s) => s.tx.inTransaction)).toEqual(inTransaction)
    expect(new Set(seen.map((s) => s.tx.id)).size).toBe(transactions)
  })

  it('tracks lock_timeout from SET, SET LOCAL, set_config and RESET, and statement_timeout separately', () => {
    const seen = probe({
      sql: [
        'CREATE TABLE a (id int);',
        "SET lock_timeout = '2s';",
        'CREATE TABLE b (id int);',
        "SET lock_timeout = 0;",
        "SELECT set_config('lock_timeout', '1s', true);",
        'CREATE TABLE c (id int);',
        'RESET lock_timeout;',
        "SET statement_timeout TO '30s';",
        'CREATE TABLE d (id int);',
      ].join('\n'),
    })
    expect(seen.filter((s) => s.sql.startsWith('CREATE')).map((s) => [s.tx.lockTimeoutSet, s.tx.statementTimeoutSet])).toEqual([
      [false, false],
      [true, false],
      [true, false],
      [false, true],
    ])
  })

  it('forgets SET LOCAL at the end of its transaction but keeps a session SET', () => {
    const seen = probe({ sql: "SET LOCAL lock_timeout = '1s';\nCOMMIT;\nCREATE TABLE a (id int);\nBEGIN;\nSET lock_timeout = '1s';\nCOMMIT;\nCREATE TABLE b (id int);" })
    expect(seen.filter((s) => s.sql.startsWith('CREATE')).map((s) => s.tx.lockTimeoutSet)).toEqual([false, true])
  })

  it('honours a runner that sets lock_timeout itself (lint.assumeLockTimeout)', () => {
    const seen = probe({ sql: 'CREATE TABLE a (id int);', config: { lint: { assumeLockTimeout: true } } })
    expect(seen[0]!.tx.lockTimeoutSet).toBe(true)
  })
})

describe('what existed before the change', () => {
  it('knows tables created by an earlier file of the same change, through renames', () => {
    const seen = probe({ base: 'CREATE TABLE old (id int);', sql: 'CREATE TABLE fresh (id int);', more: ['ALTER TABLE fresh RENAME TO renamed;\nALTER TABLE renamed ADD COLUMN x int;\nALTER TABLE old ADD COLUMN x int;'] })
    expect(seen.filter((s) => s.sql.startsWith('ALTER TABLE') && s.sql.includes('ADD')).map((s) => s.existing)).toEqual([false, true])
  })

  it('without a base, reviews every migration as deployed on its own after its predecessors', () => {
    const seen: Array<{ sql: string; tx: TransactionInfo; existing?: boolean }> = []
    const rule = contextProbe(seen)
    const change = changeOf({ sql: 'CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN x int;', more: ['ALTER TABLE a ADD COLUMN y int;'] })
    const everything: MigrationChange = { ...change, base: null, added: change.head.migrations }
    lintChange({ change: everything, config: configSchema.parse({}), transactionMode: 'all-pending', rules: [rule] })
    expect(seen.filter((s) => s.sql.startsWith('ALTER')).map((s) => [s.existing, s.tx.id])).toEqual([
      [false, 1],
      [true, 1],
    ])
  })
})

describe('schema context without a base', () => {
  it('applies each migration to the schema once, though it is reviewed and then context for the next', () => {
    const indexes: number[] = []
    const rule = defineRule({
      meta: { id: 'index-probe', severity: 'notice', category: 'locks', summary: 'Records index counts', rationale: 'Test instrument for the engine.', safeAlternative: 'Not applicable: test instrument.', messages: { seen: 'seen' }, examples: { bad: [], good: [] } },
      check: (ctx) => ({ AlterTableStmt: (node) => void indexes.push(ctx.schema.table(node.relation)?.indexes.length ?? -1) }),
    })
    const change = changeOf({ sql: 'CREATE TABLE a (id int);', more: ['CREATE INDEX a_id ON a (id);', 'ALTER TABLE a ADD COLUMN x int;', 'ALTER TABLE a ADD COLUMN y int;'] })
    lintChange({ change: { ...change, base: null, added: change.head.migrations }, config: configSchema.parse({}), transactionMode: 'all-pending', rules: [rule] })
    expect(indexes).toEqual([1, 1])
  })
})

describe('rule visitors', () => {
  it('refuses a rule whose check() returns other keys in a later batch, rather than lose its visitors', () => {
    let batches = 0
    const rule = defineRule({
      meta: { id: 'shifting-keys', severity: 'notice', category: 'locks', summary: 'Changes its keys', rationale: 'Test instrument for the engine.', safeAlternative: 'Not applicable: test instrument.', messages: { seen: 'seen' }, examples: { bad: [], good: [] } },
      check: () => (batches++ === 0 ? { CreateStmt: () => undefined } : { AlterTableStmt: () => undefined }),
    })
    const change = changeOf({ sql: 'CREATE TABLE a (id int);', more: ['ALTER TABLE a ADD COLUMN x int;'] })
    const run = () => lintChange({ change: { ...change, base: null, added: change.head.migrations }, config: configSchema.parse({}), transactionMode: 'all-pending', rules: [rule] })
    expect(run).toThrow('rule shifting-keys: check() returned visitors under other keys than in the first batch')
  })
})

describe('ignore directives', () => {
  const base = 'CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE TABLE c (id int);'
  const enabled = allRules.filter((r) => ['ban-drop-table', 'require-concurrent-index-creation', 'invalid-ignore', 'unused-ignore'].includes(r.meta.id))
  const lint = (sql: string) => lintCase({ base, sql }, enabled, allRules).map((f) => `${f.ruleId}@${f.range.start.line}`)

  it('suppress the next statement only, for the named rules only', () => {
    expect(lint('-- dba-review-ignore ban-drop-table: a is unused since v2\nDROP TABLE a;\nDROP TABLE b;')).toEqual(['ban-drop-table@3'])
  })

  it('suppress a whole file with -ignore-file, wherever the comment stands', () => {
    expect(lint('DROP TABLE a;\n-- dba-review-ignore-file ban-drop-table: cleanup migration, tables unused\nDROP TABLE b;')).toEqual([])
  })

  it('report an ignore that suppresses nothing, and a missing reason while still applying it', () => {
    expect(lint('-- dba-review-ignore ban-drop-table: stale\nCREATE TABLE d (id bigint PRIMARY KEY);\n-- dba-review-ignore ban-drop-table\nDROP TABLE a;')).toEqual(['unused-ignore@1', 'invalid-ignore@3'])
  })

  it('honour squawk-ignore with squawk rule names and no reason', () => {
    expect(lint('-- squawk-ignore ban-drop-table, require-concurrent-index-creation\nDROP TABLE a;')).toEqual([])
  })
})

describe('findings', () => {
  it('carry rule metadata, the rendered message, help and the exact range', () => {
    const [finding] = lintCase({ base: 'CREATE TABLE orders (id int);', sql: '\n\n  CREATE INDEX orders_id_idx\n    ON orders (id);' }, allRules.filter((r) => r.meta.id === 'require-concurrent-index-creation'), allRules)
    expect(finding).toMatchObject({
      ruleId: 'require-concurrent-index-creation',
      severity: 'error',
      file: 'drizzle/0001_change.sql',
      migration: '0001_change',
      source: 'lint',
      range: { start: { line: 3, column: 3 }, end: { line: 4, column: 20 } },
    })
    expect(finding!.message).toContain('orders_id_idx on existing table orders')
    expect(finding!.help).toContain('CONCURRENTLY')
  })

  it('turn migration-set problems into findings of the named rule, and drop them when the rule is off', () => {
    const set: MigrationSet = { layout: 'drizzle', dir: 'drizzle', migrations: [], ignoredFiles: [], snapshots: [], problems: [{ ruleId: 'syntax-error', messageId: 'syntaxError', data: { message: 'bad' }, file: 'drizzle/x.sql' }] }
    const change: MigrationChange = { base: null, head: set, added: [] as Migration[], edited: [], removed: [], changedSchemaFiles: [], changedFiles: [] }
    const run = (rules: Record<string, 'off' | 'error'>) => lintChange({ change, config: configSchema.parse({ rules }), transactionMode: 'all-pending', rules: allRules })
    expect(run({}).map((f) => [f.ruleId, f.file, f.message])).toEqual([['syntax-error', 'drizzle/x.sql', 'PostgreSQL cannot parse this statement: bad.']])
    expect(run({ 'syntax-error': 'off' })).toEqual([])
  })
})
