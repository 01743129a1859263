import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'ban-drop-database',
    severity: 'error',
    category: 'data',
    summary: 'Never drop a database from a migration',
    rationale:
      '`DROP DATABASE` deletes every table and every row of that database irreversibly. It has no place in a schema migration: a migration that drops a database (even `IF EXISTS`, even a "scratch" one) can be run against the wrong server by a mistyped connection string, and under drizzle it would fail anyway (it cannot run inside a transaction block).',
    safeAlternative: 'Drop databases by hand, as an operations task with a backup and a second pair of eyes, never in application migrations.',
    messages: { dropDatabase: 'Database {{database}} is dropped: every table and row in it is deleted irreversibly.' },
    pgDocs: 'sql-dropdatabase.html',
    aliases: ['squawk:ban-drop-database'],
    examples: {
      bad: [{ sql: 'DROP DATABASE IF EXISTS "analytics";' }],
      good: [{ sql: 'DROP SCHEMA IF EXISTS "scratch";' }],
    },
    tests: {
      valid: [],
      invalid: [{ name: 'also outside a transaction, WITH (FORCE)', sql: 'DROP DATABASE legacy WITH (FORCE);', transaction: 'none', errors: [{ messageId: 'dropDatabase', line: 1, column: 1 }] }],
    },
  },
  check: (ctx) => ({
    DropdbStmt(node) {
      ctx.report({ messageId: 'dropDatabase', data: { database: node.dbname } })
    },
  }),
})
