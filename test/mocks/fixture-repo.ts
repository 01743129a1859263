import type { TreeFixture } from './github.js'

/** A small Drizzle repository at the base and head of a pull request that adds one migration. */
export const journal = (tags: string[]) =>
  `${JSON.stringify({ version: '7', dialect: 'postgresql', entries: tags.map((tag, idx) => ({ idx, version: '7', when: 1700000000000 + idx * 1000, tag, breakpoints: true })) }, null, 2)}\n`

export const initSql = `CREATE TABLE "orders" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"user_id" bigint NOT NULL\n);\n`
export const addIndexSql = `CREATE INDEX "orders_user_id_idx" ON "orders" ("user_id");\n`

export const CODEOWNERS = '* @Codertocat\n# DBAs own the schema and its migrations (the last matching line wins)\n/drizzle/ @Octocoders/dba\n/src/db/ @Octocoders/dba\n/src/api/ @ann\n'
export const CONFIG = 'paths:\n  migrations: ["drizzle/**"]\n  schema: ["src/db/schema/**"]\n'

export const baseTree: TreeFixture = {
  'README.md': '# Hello-World\n',
  '.github/CODEOWNERS': CODEOWNERS,
  '.github/dba-review.yml': CONFIG,
  'drizzle/0000_init.sql': initSql,
  'drizzle/meta/_journal.json': journal(['0000_init']),
}

export const headTree: TreeFixture = {
  ...baseTree,
  'drizzle/0001_orders_index.sql': addIndexSql,
  'drizzle/meta/_journal.json': journal(['0000_init', '0001_orders_index']),
}

export const changedFiles = [
  { path: 'drizzle/0001_orders_index.sql', status: 'added' as const, content: addIndexSql },
  { path: 'drizzle/meta/_journal.json', status: 'modified' as const, patch: '@@ -10,3 +10,10 @@\n     }\n+    ,{}\n' },
]

/** What the lint engine reports for `addIndexSql` on an existing table, at the given severity. */
export function indexFinding(severity: 'error' | 'warning'): import('../../src/lint/finding.js').Finding {
  const end = addIndexSql.indexOf(';') + 1
  return {
    ruleId: 'require-concurrent-index-creation',
    messageId: 'missingConcurrently',
    severity,
    message: 'Index orders_user_id_idx on existing table orders is built without CONCURRENTLY: writes to orders are blocked for the whole build.',
    file: 'drizzle/0001_orders_index.sql',
    range: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: end + 1, offset: end } },
    migration: '0001_orders_index',
    source: 'lint',
  }
}
