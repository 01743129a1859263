import type { Migration, MigrationChange } from '../migrations/types.js'

/** Base migrations that reappear under another id with the same bytes: renamed, not deleted and re-added. */
export function renamesOf(change: MigrationChange): Array<{ from: Migration; to: Migration }> {
  const added = new Map(change.added.map((m) => [m.hash, m]))
  return change.removed.flatMap((from) => {
    const to = added.get(from.hash)
    return to ? [{ from, to }] : []
  })
}
