import { drizzleFolder } from '../src/lint/example-trees.js'
import { defineRule } from '../src/lint/rule.js'

const base = [{ tag: '0000_init' }, { tag: '0001_users' }]

export default defineRule({
  meta: {
    id: 'drizzle-journal-missing-file',
    severity: 'error',
    category: 'integrity',
    summary: 'Every entry of `meta/_journal.json` has its SQL file',
    rationale:
      'drizzle-orm\'s migrator reads every journal entry\'s `<tag>.sql` before running anything and throws `No file … found` when one is missing: the deploy fails and no pending migration runs. It happens when a migration file is renamed or deleted by hand, or left out of a commit.',
    safeAlternative: 'Commit the missing file, or remove the entry (and its snapshot) with `drizzle-kit drop` if the migration was never applied anywhere.',
    messages: { missingFile: 'Journal entry {{tag}} has no file {{path}}: the migrator throws "No file found" and no migration runs.' },
    examples: {
      bad: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0002_posts', sql: null }]) } }],
      good: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0002_posts' }]) } }],
    },
    tests: {
      valid: [],
      invalid: [
        {
          name: 'reported at the journal entry',
          files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0002_posts', sql: null }]) },
          errors: [{ messageId: 'missingFile', file: 'drizzle/meta/_journal.json', line: 19, column: 5 }],
        },
      ],
    },
  },
  check: () => ({}),
})
