import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'syntax-error',
    severity: 'error',
    category: 'engine',
    summary: 'Every statement must parse with PostgreSQL\'s own grammar',
    rationale:
      'A statement PostgreSQL rejects fails the deploy and, under a runner that wraps all pending migrations in one transaction, rolls back every other migration with it. dba-review parses with PostgreSQL\'s parser (libpg-query), so this is the error the server itself would raise.',
    safeAlternative: 'Fix the statement at the reported position; the rest of the file is still reviewed.',
    messages: { syntaxError: 'PostgreSQL cannot parse this statement: {{message}}.' },
    examples: {
      bad: [{ sql: 'ALTER TABLE users ADD COLUMNN email text;' }],
      good: [{ sql: 'ALTER TABLE users ADD COLUMN email text;' }],
    },
  },
  check: () => ({}),
})
