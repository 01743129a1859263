import { drizzleFolder } from '../src/lint/example-trees.js'
import { journalEntryAnchor } from '../src/lint/file-anchors.js'
import { renamesOf } from '../src/lint/migration-change.js'
import { defineRule } from '../src/lint/rule.js'

const base = [{ tag: '0000_init' }, { tag: '0001_users' }, { tag: '0002_posts' }]
/** `when` of the base's newest entry (0002), as `drizzleFolder` numbers them. */
const newest = Date.UTC(2025, 0, 1) + 2 * 60_000

export default defineRule({
  meta: {
    id: 'drizzle-migration-out-of-order',
    severity: 'error',
    category: 'integrity',
    summary: 'A new drizzle migration\'s journal `when` is newer than every migration already on the base branch',
    rationale:
      'drizzle-orm 0.x decides what is pending by one number: an entry runs only if its journal `when` is greater than the `created_at` of the last applied migration. A migration generated on a branch before a newer one was merged (or with a hand-edited `when`) has an older `when`, so every database that already applied the newer one skips it silently, with no error, while fresh CI databases apply everything and pass. Production then lacks the change (drizzle-orm issue #5769).',
    safeAlternative:
      'Regenerate the migration on top of the base branch: delete this branch\'s migration files and journal entry, merge the base branch, and run `drizzle-kit generate` again. Or set the entry\'s `when` to the current time (greater than every existing `when`).',
    messages: {
      notNewer: 'Migration {{tag}} has when {{when}}, not newer than {{newestTag}} ({{newestWhen}}) on the base branch: databases that applied {{newestTag}} silently skip {{tag}}.',
    },
    exemptions: [
      'Reviews without a base branch (nothing is known to be applied).',
      'A migration renamed with its content and `when` unchanged: it was applied under its old name.',
      'drizzle v1 and other layouts, whose runners track applied migrations by name.',
    ],
    examples: {
      bad: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0003_comments', when: newest - 86_400_000 }]) } }],
      good: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0003_comments' }]) } }],
    },
    tests: {
      valid: [
        { name: 'no base branch', files: { head: drizzleFolder([...base, { tag: '0003_comments', when: 1 }]) } },
        {
          name: 'a renamed migration keeps its when',
          files: { base: drizzleFolder(base), head: drizzleFolder([...base.slice(0, 2), { tag: '0002_articles', sql: drizzleFolder(base)['drizzle/0002_posts.sql'] as string }]) },
        },
        { name: 'base entries may be out of order among themselves', files: { base: drizzleFolder([{ tag: '0000_a', when: 5_000 }, { tag: '0001_b', when: 4_000 }]), head: drizzleFolder([{ tag: '0000_a', when: 5_000 }, { tag: '0001_b', when: 4_000 }, { tag: '0002_c', when: 6_000 }]) } },
      ],
      invalid: [
        {
          name: 'equal when is not newer; each late entry is reported at its journal entry',
          files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0003_a', when: newest }, { tag: '0004_b', when: newest + 1 }, { tag: '0005_c', when: 0 }]) },
          errors: [
            { messageId: 'notNewer', file: 'drizzle/meta/_journal.json', line: 26, column: 5 },
            { messageId: 'notNewer', file: 'drizzle/meta/_journal.json', line: 40, column: 5 },
          ],
        },
      ],
    },
  },
  check: (ctx) => ({
    Change(change) {
      const baseEntries = change.base?.journal?.entries ?? []
      if (change.head.layout !== 'drizzle' || !baseEntries.length) return
      const latest = baseEntries.reduce((a, b) => (b.when > a.when ? b : a))
      // A renamed file keeps its place: databases applied it under the old name.
      const renamed = new Set(renamesOf(change).filter(({ from, to }) => from.when === to.when).map(({ to }) => to))
      for (const migration of change.added) {
        if (migration.when === undefined || migration.when > latest.when || renamed.has(migration)) continue
        ctx.report({
          messageId: 'notNewer',
          data: { tag: migration.id, when: new Date(migration.when).toISOString(), newestTag: latest.tag, newestWhen: new Date(latest.when).toISOString() },
          at: journalEntryAnchor(change.head, migration.id, migration.path),
        })
      }
    },
  }),
})
