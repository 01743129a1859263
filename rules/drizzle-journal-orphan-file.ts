import { drizzleFolder } from '../src/lint/example-trees.js'
import { defineRule } from '../src/lint/rule.js'

const base = [{ tag: '0000_init' }, { tag: '0001_users' }]

export default defineRule({
  meta: {
    id: 'drizzle-journal-orphan-file',
    severity: 'error',
    category: 'integrity',
    summary: 'Every SQL file in a drizzle migrations folder has an entry in `meta/_journal.json`',
    rationale:
      'drizzle-orm\'s migrator applies exactly the journal\'s entries; a `.sql` file without one is silently never run, in production or anywhere else. It usually comes from a hand-written migration or a journal merge that dropped an entry, and the schema change it holds never happens while everyone believes it shipped.',
    safeAlternative:
      'Create hand-written migrations with `drizzle-kit generate --custom --name <name>` (which adds the journal entry and snapshot), or add the missing entry; delete the file if it is not meant to run.',
    messages: { orphanFile: '{{path}} is not in meta/_journal.json: drizzle\'s migrator never runs it.' },
    exemptions: ['Orphan files the base branch already had: not this change\'s doing.'],
    examples: {
      bad: [{ files: { base: drizzleFolder(base), head: drizzleFolder(base, { 'drizzle/0002_backfill.sql': 'UPDATE users SET active = true;\n' }) } }],
      good: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0002_backfill', sql: 'UPDATE users SET active = true;\n' }]) } }],
    },
    tests: {
      valid: [
        {
          name: 'an orphan the base already had',
          files: { base: drizzleFolder(base, { 'drizzle/0001_old_backfill.sql': 'SELECT 1;' }), head: drizzleFolder([...base, { tag: '0002_next' }], { 'drizzle/0001_old_backfill.sql': 'SELECT 1;' }) },
        },
      ],
      invalid: [
        {
          name: 'reported at the file, also without a base',
          files: { head: drizzleFolder(base, { 'drizzle/0002_manual.sql': 'SELECT 1;' }) },
          errors: [{ messageId: 'orphanFile', file: 'drizzle/0002_manual.sql', line: 1 }],
        },
      ],
    },
  },
  check: () => ({}),
})
