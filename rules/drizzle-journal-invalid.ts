import { drizzleFolder } from '../src/lint/example-trees.js'
import { defineRule } from '../src/lint/rule.js'

const base = [{ tag: '0000_init' }, { tag: '0001_users' }]
const journalPath = 'drizzle/meta/_journal.json'
const journal = drizzleFolder(base)[journalPath] as string

/** The base folder with its journal text replaced. */
const withJournal = (text: string) => ({ ...drizzleFolder(base), [journalPath]: text })

export default defineRule({
  meta: {
    id: 'drizzle-journal-invalid',
    severity: 'error',
    category: 'integrity',
    summary: '`meta/_journal.json` is a journal drizzle-orm\'s migrator can read',
    rationale:
      'drizzle-orm\'s migrator reads `meta/_journal.json` to know which migrations exist and in which order; it applies an entry when its `when` is newer than the last applied one. A missing or unparsable journal makes it throw, so no migration runs and the deploy fails; an entry with a bad `tag`, `when` or `idx` is skipped or misordered.',
    safeAlternative: 'Restore the journal from the base branch and regenerate the new migration with `drizzle-kit generate`; resolve journal merge conflicts by keeping every entry, in `when` order.',
    messages: {
      missingJournal: 'The migrations folder has SQL files but no {{path}}: drizzle\'s migrator cannot run any of them.',
      invalidJson: 'The journal is not valid JSON ({{error}}): the migrator throws and no migration runs.',
      noEntries: 'The journal has no `entries` array: the migrator throws and no migration runs.',
      badEntry: 'Journal entry {{index}} has a bad `{{field}}` (expected {{expected}}): the migrator cannot apply it reliably.',
      unknownDialect: 'The journal\'s dialect is {{dialect}}, not PostgreSQL (`postgresql` or `pg`).',
      unknownVersion: 'Version {{version}} is not a journal version drizzle-kit 0.x writes (5 to 7).',
    },
    exemptions: ['Problems the base branch\'s journal already had.'],
    examples: {
      bad: [{ files: { base: drizzleFolder(base), head: withJournal(`${journal.slice(0, -2)},\n<<<<<<< HEAD\n`) } }],
      good: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0002_posts' }]) } }],
    },
    tests: {
      valid: [{ name: 'the older `pg` dialect and version 5 entries', files: { head: withJournal(journal.replace('"postgresql"', '"pg"').replaceAll('"version": "7"', '"version": "5"')) } }],
      invalid: [
        { name: 'SQL files without a journal', config: { migrations: { layout: 'drizzle' } }, files: { head: { 'drizzle/0000_init.sql': 'SELECT 1;' } }, errors: [{ messageId: 'missingJournal', file: journalPath }] },
        { name: 'no entries array', files: { head: withJournal('{ "version": "7", "dialect": "postgresql" }') }, errors: [{ messageId: 'noEntries', file: journalPath }] },
        { name: 'a merge left an entry without when', files: { head: withJournal(journal.replace('"when": 1735689660000,', '')) }, errors: [{ messageId: 'badEntry', file: journalPath, line: 12 }] },
        { name: 'a MySQL journal', files: { head: withJournal(journal.replace('"postgresql"', '"mysql"')) }, errors: [{ messageId: 'unknownDialect', file: journalPath, line: 3 }] },
        { name: 'an unknown version', files: { head: withJournal(journal.replace('"version": "7"', '"version": "9"')) }, errors: [{ messageId: 'unknownVersion', file: journalPath, line: 2 }] },
        { name: 'invalid JSON points at the error', files: { head: withJournal(journal.replace('"idx": 1,', '"idx": 1')) }, errors: [{ messageId: 'invalidJson', file: journalPath, line: 14 }] },
      ],
    },
  },
  check: () => ({}),
})
