import { drizzleFolder } from '../src/lint/example-trees.js'
import { fileAnchor, journalEntryAnchor } from '../src/lint/file-anchors.js'
import { renamesOf } from '../src/lint/migration-change.js'
import { defineRule } from '../src/lint/rule.js'
import type { Layout, Migration } from '../src/migrations/types.js'
import { parseMigration } from '../src/sql/parse.js'
import { LineIndex } from '../src/sql/source.js'

/** Runners that never compare a stored checksum: for them an edit that parses the same changes nothing. */
const CHECKSUM_BLIND: ReadonlySet<Layout> = new Set(['drizzle', 'drizzle-v1'])

/** The statements as PostgreSQL parses them, without positions: equal for edits of comments and whitespace only. */
function parsedForm(migration: Migration): string {
  const statements = parseMigration(migration).statements
  if (statements.some((s) => s.syntaxError)) return migration.text
  return JSON.stringify(
    statements.map((s) => s.node),
    (key, value) => (key === 'location' ? undefined : value),
  )
}

/** The first line of `after` that differs from `before`. */
function firstChangedLine(before: string, after: string) {
  let i = 0
  while (i < before.length && i < after.length && before[i] === after[i]) i++
  const lines = new LineIndex(after)
  const start = lines.positionAt(i)
  const lineStart = i - (start.column - 1)
  const eol = after.indexOf('\n', lineStart)
  return lines.rangeOf(lineStart, eol === -1 ? after.length : eol)
}

const base = [{ tag: '0000_init' }, { tag: '0001_users', sql: 'CREATE TABLE "users" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"email" text NOT NULL\n);\n' }]
const edited = [base[0]!, { tag: '0001_users', sql: 'CREATE TABLE "users" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"email" text NOT NULL UNIQUE\n);\n' }]

/** A drizzle v1 folder: one `<timestamp>_<name>/migration.sql` per migration. */
const v1Folder = (names: string[]) => Object.fromEntries(names.map((name) => [`drizzle/${name}/migration.sql`, 'CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL);\n']))

export default defineRule({
  meta: {
    id: 'edited-applied-migration',
    severity: 'error',
    category: 'integrity',
    summary: 'Do not edit, rename or delete migrations that are already on the base branch',
    rationale:
      'A migration on the base branch has (or will have) run in production. drizzle-orm never compares the stored hash, so an edit is silently ignored there while fresh databases (CI, new environments, disaster recovery) run the new text: the schemas diverge without an error. Deleting it leaves production with changes new databases never get; renaming it makes runners that track migrations by name (drizzle v1, Prisma) apply it again; raising its journal `when` makes drizzle 0.x apply it again. Checksum-checking runners (Prisma, Flyway) refuse to run at all.',
    safeAlternative: 'Leave applied migrations as they are and add a new migration that makes the change (`drizzle-kit generate`, or `--custom` for hand-written SQL).',
    messages: {
      edited: 'Migration {{id}} is already on the base branch and is edited here: databases that applied it keep the old version; only new databases run this text.',
      removed: 'Migration {{id}} is on the base branch and is deleted here: databases that applied it keep its changes; new databases never get them.',
      renamed: 'Migration {{from}} is renamed to {{to}}: a runner that tracks migrations by name applies it again.',
      whenChanged: 'Journal entry {{tag}} of an applied migration moves its when from {{from}} to {{to}}, after the newest base migration: drizzle applies {{tag}} again.',
    },
    exemptions: [
      'drizzle folders: edits of comments and whitespace only (the statements parse the same, and drizzle never checks the hash).',
      'drizzle 0.x: a rename that keeps the content and whose `when` is not newer than the base\'s newest (pending is decided by `when`, not by name).',
      'Reviews without a base branch.',
    ],
    examples: {
      bad: [{ files: { base: drizzleFolder(base), head: drizzleFolder(edited) } }],
      good: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0002_users_email_unique', sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");\n' }]) } }],
    },
    tests: {
      valid: [
        {
          name: 'drizzle: comments and whitespace only',
          files: { base: drizzleFolder(base), head: drizzleFolder([base[0]!, { tag: '0001_users', sql: '-- users of the app\nCREATE TABLE "users" (\n  "id" bigint PRIMARY KEY NOT NULL,\n  "email" text NOT NULL\n);\n' }]) },
        },
        { name: 'drizzle 0.x: rename with the same content and when', files: { base: drizzleFolder(base), head: drizzleFolder([base[0]!, { ...base[1]!, tag: '0001_accounts' }]) } },
        { name: 'no base branch', files: { head: drizzleFolder(edited) } },
        { name: 'journal when lowered: nothing runs again', files: { base: drizzleFolder(base), head: drizzleFolder([{ ...base[0]!, when: 1 }, base[1]!]) } },
      ],
      invalid: [
        {
          name: 'drizzle 0.x: renamed with a newer when runs again',
          files: { base: drizzleFolder(base), head: drizzleFolder([base[0]!, { ...base[1]!, tag: '0001_accounts', when: Date.UTC(2030, 0, 1) }]) },
          errors: [{ messageId: 'renamed', file: 'drizzle/0001_accounts.sql' }],
        },
        { name: 'points at the first changed line', files: { base: drizzleFolder(base), head: drizzleFolder(edited) }, errors: [{ messageId: 'edited', file: 'drizzle/0001_users.sql', line: 3, column: 1 }] },
        {
          name: 'a checksum-checking runner: even a comment counts',
          config: { migrations: { dir: 'db', layout: 'plain' } },
          files: { base: { 'db/001_init.sql': 'CREATE TABLE t (id bigint);\n' }, head: { 'db/001_init.sql': '-- init\nCREATE TABLE t (id bigint);\n' } },
          errors: [{ messageId: 'edited', file: 'db/001_init.sql', line: 1 }],
        },
        { name: 'deleted: reported at the drizzle journal', files: { base: drizzleFolder(base), head: drizzleFolder([base[0]!]) }, errors: [{ messageId: 'removed', file: 'drizzle/meta/_journal.json', line: 1 }] },
        {
          name: 'deleted from a folder without a journal: reported at the deleted file',
          config: { migrations: { dir: 'db', layout: 'plain' } },
          files: { base: { 'db/001_init.sql': 'SELECT 1;', 'db/002_more.sql': 'SELECT 2;' }, head: { 'db/001_init.sql': 'SELECT 1;' } },
          errors: [{ messageId: 'removed', file: 'db/002_more.sql' }],
        },
        {
          name: 'drizzle v1: a renamed folder runs again',
          files: { base: v1Folder(['20250101000000_init']), head: v1Folder(['20250101000000_create_users']) },
          errors: [{ messageId: 'renamed', file: 'drizzle/20250101000000_create_users/migration.sql' }],
        },
        {
          name: 'journal when raised past the newest base migration',
          files: { base: drizzleFolder(base), head: drizzleFolder([{ ...base[0]!, when: Date.UTC(2030, 0, 1) }, base[1]!]) },
          errors: [{ messageId: 'whenChanged', file: 'drizzle/meta/_journal.json', line: 5 }],
        },
      ],
    },
  },
  check: (ctx) => ({
    Change(change) {
      const { base, head } = change
      if (!base) return
      for (const { base: before, head: after } of change.edited) {
        if (CHECKSUM_BLIND.has(head.layout) && parsedForm(before) === parsedForm(after)) continue
        ctx.report({ messageId: 'edited', data: { id: after.id }, at: fileAnchor(after.path, firstChangedLine(before.text, after.text)) })
      }

      const baseEntries = base.journal?.entries ?? []
      const newest = Math.max(...baseEntries.map((e) => e.when))
      // drizzle 0.x decides by `when`, not by name: a renamed migration runs again only if it now looks newer.
      const runsAgain = (to: Migration) => head.layout !== 'drizzle' || (to.when !== undefined && to.when > newest)
      const renames = renamesOf(change)
      for (const { from, to } of renames) if (runsAgain(to)) ctx.report({ messageId: 'renamed', data: { from: from.id, to: to.id }, at: fileAnchor(to.path) })
      const renamedFrom = new Set(renames.map(({ from }) => from))
      for (const migration of change.removed) {
        if (renamedFrom.has(migration)) continue
        ctx.report({ messageId: 'removed', data: { id: migration.id }, at: fileAnchor(head.journal?.path ?? migration.path) })
      }

      for (const entry of baseEntries) {
        const now = head.journal?.entries.find((e) => e.tag === entry.tag)
        if (!now || now.when === entry.when || now.when <= newest) continue
        ctx.report({
          messageId: 'whenChanged',
          data: { tag: entry.tag, from: new Date(entry.when).toISOString(), to: new Date(now.when).toISOString() },
          at: journalEntryAnchor(head, entry.tag, head.journal!.path),
        })
      }
    },
  }),
})
