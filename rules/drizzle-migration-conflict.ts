import { drizzleFolder, snapshotId } from '../src/lint/example-trees.js'
import { fileAnchor, journalEntryAnchor } from '../src/lint/file-anchors.js'
import { defineRule } from '../src/lint/rule.js'
import type { JournalEntry, MigrationChange } from '../src/migrations/types.js'

/** A numeric file-name prefix (`0042` of `0042_brave_hulk`); drizzle's `none` prefix mode has none. */
function numericPrefix(tag: string): string | undefined {
  return /^(\d+)_/.exec(tag)?.[1]
}

const base = [{ tag: '0000_init' }, { tag: '0001_users' }, { tag: '0002_posts' }]
/** 0002_posts merged on the base while this branch generated its own 0002 from 0001's snapshot. */
const sibling = { tag: '0002_comments', idx: 2, snapshot: { id: 'c0ffee00-0000-4000-8000-000000000002', prevId: snapshotId(1) } }
/** A base whose old snapshots were deleted to keep the repository small. */
const pruned = base.map((e) => ({ ...e, snapshot: null }))

export default defineRule({
  meta: {
    id: 'drizzle-migration-conflict',
    severity: 'error',
    category: 'integrity',
    summary: 'New drizzle migrations continue the base branch\'s history: unique `idx` and prefix, snapshot `prevId` = the previous migration\'s snapshot `id`',
    rationale:
      'Two branches that each ran `drizzle-kit generate` from the same parent produce migrations with the same number and snapshots pointing at the same parent. After the merge, drizzle-kit\'s snapshot chain forks (`drizzle-kit check` reports a collision, drizzle-orm #3935), one `NNNN_snapshot.json` silently overwrites the other (#5774), and the next `generate` diffs against a snapshot that lacks the other branch\'s changes: it emits them again or drops them.',
    safeAlternative:
      'Merge the base branch first, delete this branch\'s generated migration (SQL, journal entry, snapshot) and run `drizzle-kit generate` again, so it is numbered after and diffed against the latest snapshot.',
    messages: {
      duplicateIdx: 'Journal entry {{tag}} has idx {{idx}}, like {{other}}: two migrations were generated as number {{idx}}.',
      duplicatePrefix: 'Migration {{tag}} has prefix {{prefix}}, like {{other}}: their snapshots share meta/{{prefix}}_snapshot.json and one overwrites the other.',
      staleParent: 'The snapshot of {{tag}} has prevId {{prevId}}, but the migration before it ({{parentTag}}) has snapshot id {{parentId}}: {{tag}} was generated without {{parentTag}}, and the next generate diffs against a snapshot that lacks one of them.',
      duplicatePrevId: 'The snapshot of {{tag}} has the same prevId as {{other}} ({{prevId}}): two migrations were generated from the same parent.',
      duplicateSnapshotId: 'The snapshot of {{tag}} has id {{id}}, like {{other}}: the snapshot chain cannot tell them apart.',
    },
    exemptions: [
      'Reviews without a base branch, and migrations already on the base branch.',
      'Snapshots that are not kept (some projects prune old ones): the chain is checked only where both ends exist.',
      'drizzle v1 folders: their snapshots form a DAG (`prevIds`) and `drizzle-kit check` decides whether branches commute.',
    ],
    examples: {
      bad: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { ...sibling, tag: '0003_comments', idx: 3 }]) } }],
      good: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0003_comments' }]) } }],
    },
    tests: {
      valid: [
        { name: 'two new migrations chained in order', files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0003_a' }, { tag: '0004_b' }]) } },
        { name: 'pruned snapshots: nothing to compare against', files: { base: drizzleFolder(pruned), head: drizzleFolder([...pruned, { ...sibling, tag: '0003_comments', idx: 3 }]) } },
        { name: 'prefix mode none: tags without numbers', files: { base: drizzleFolder([{ tag: 'init' }]), head: drizzleFolder([{ tag: 'init' }, { tag: 'add_posts' }]) } },
        { name: 'no base branch', files: { head: drizzleFolder([...base, sibling]) } },
      ],
      invalid: [
        {
          name: 'same number as a migration merged meanwhile: the prefix is the root cause',
          files: { base: drizzleFolder(base), head: drizzleFolder([...base, sibling], { 'drizzle/meta/0002_snapshot.json': drizzleFolder(base)['drizzle/meta/0002_snapshot.json']! }) },
          errors: [
            { messageId: 'duplicateIdx', file: 'drizzle/meta/_journal.json', line: 26 },
            { messageId: 'duplicatePrefix', file: 'drizzle/meta/_journal.json', line: 26 },
          ],
        },
        {
          name: 'renumbered after merging, but generated from the old parent',
          files: { base: drizzleFolder(base), head: drizzleFolder([...base, { ...sibling, tag: '0003_comments', idx: 3 }]) },
          errors: [{ messageId: 'staleParent', file: 'drizzle/meta/0003_snapshot.json', line: 1 }],
        },
        {
          name: 'parent unknown (pruned), sibling shares it',
          files: {
            base: drizzleFolder([{ tag: '0000_init', snapshot: null }, { tag: '0001_users', snapshot: { id: 'u1', prevId: 'p0' } }]),
            head: drizzleFolder([{ tag: '0000_init', snapshot: null }, { tag: '0001_users', snapshot: { id: 'u1', prevId: 'p0' } }, { tag: '0002_x', snapshot: null }, { tag: '0003_y', snapshot: { id: 'y3', prevId: 'p0' } }]),
          },
          errors: [{ messageId: 'duplicatePrevId', file: 'drizzle/meta/0003_snapshot.json' }],
        },
        {
          name: 'a snapshot copied by hand keeps its id',
          files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0003_copy', snapshot: { id: snapshotId(2), prevId: snapshotId(2) } }]) },
          errors: [{ messageId: 'duplicateSnapshotId', file: 'drizzle/meta/0003_snapshot.json' }],
        },
      ],
    },
  },
  check: (ctx) => {
    /** The first other journal entry with the same key, for each new entry (reported once per pair). */
    const duplicates = (change: MigrationChange, entries: JournalEntry[], isNew: (e: JournalEntry) => boolean, key: (e: JournalEntry) => string | undefined) => {
      const found: Array<{ entry: JournalEntry; other: JournalEntry }> = []
      entries.forEach((entry, i) => {
        const k = key(entry)
        if (k === undefined || !isNew(entry)) return
        const other = entries.find((o, j) => j !== i && key(o) === k && (j > i ? !isNew(o) : true))
        if (other) found.push({ entry, other })
      })
      return found.map(({ entry, other }) => ({ entry, other, anchor: journalEntryAnchor(change.head, entry.tag, change.head.journal!.path) }))
    }

    return {
      Change(change) {
        const { base, head } = change
        if (!base || head.layout !== 'drizzle' || !head.journal) return
        const baseTags = new Set(base.journal?.entries.map((e) => e.tag))
        const entries = head.journal.entries
        const isNew = (e: JournalEntry) => !baseTags.has(e.tag)

        for (const { entry, other, anchor } of duplicates(change, entries, isNew, (e) => String(e.idx))) {
          ctx.report({ messageId: 'duplicateIdx', data: { tag: entry.tag, idx: entry.idx, other: other.tag }, at: anchor })
        }
        const prefixed = duplicates(change, entries, isNew, (e) => numericPrefix(e.tag))
        for (const { entry, other, anchor } of prefixed) {
          ctx.report({ messageId: 'duplicatePrefix', data: { tag: entry.tag, prefix: numericPrefix(entry.tag)!, other: other.tag }, at: anchor })
        }
        // A shared prefix means a shared snapshot file: the chain says nothing more about those migrations.
        const ambiguous = new Set(prefixed.flatMap(({ entry, other }) => [entry.tag, other.tag]))

        const snapshots = head.snapshots
        for (const migration of change.added) {
          const snapshot = migration.snapshot
          if (!snapshot?.id || ambiguous.has(migration.id)) continue
          const at = fileAnchor(snapshot.path)
          const twin = snapshots.find((s) => s !== snapshot && s.id === snapshot.id)
          if (twin) {
            ctx.report({ messageId: 'duplicateSnapshotId', data: { tag: migration.id, id: snapshot.id, other: twin.path }, at })
            continue
          }
          const parent = head.migrations[migration.order - 1]
          const parentId = parent?.snapshot?.id
          if (parent && parentId && snapshot.prevId && snapshot.prevId !== parentId) {
            ctx.report({ messageId: 'staleParent', data: { tag: migration.id, prevId: snapshot.prevId, parentTag: parent.id, parentId }, at })
            continue
          }
          const sibling = snapshots.find((s) => s !== snapshot && s.prevId !== undefined && s.prevId === snapshot.prevId)
          if (sibling) ctx.report({ messageId: 'duplicatePrevId', data: { tag: migration.id, prevId: snapshot.prevId!, other: sibling.path }, at })
        }
      },
    }
  },
})
