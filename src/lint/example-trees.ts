import type { FileTree } from './rule.js'

/** One migration of a drizzle-kit 0.x folder, for integrity rules' examples and tests. */
export interface DrizzleEntry {
  tag: string
  /** Journal `idx`; default: the entry's position. */
  idx?: number
  /** Journal `when` (epoch ms); default: one minute per `idx` after 2025-01-01. */
  when?: number
  /** The SQL file; `null` leaves it out. Default: a one-table CREATE TABLE. */
  sql?: string | null
  /** `meta/<prefix>_snapshot.json` ids; `null` leaves it out. Default: the chain of `snapshotId(idx)`. */
  snapshot?: { id: string; prevId: string } | null
}

const START = Date.UTC(2025, 0, 1)
const ROOT_ID = '00000000-0000-0000-0000-000000000000'

/** The default snapshot id of the entry with journal index `idx`. */
export function snapshotId(idx: number): string {
  return `00000000-0000-4000-8000-${String(idx + 1).padStart(12, '0')}`
}

/**
 * A drizzle-kit 0.x migrations folder (`drizzle/` by default) as drizzle-kit writes it: `<tag>.sql`,
 * `meta/_journal.json` (`JSON.stringify(…, null, 2)`: entry i starts on line 5 + 7·i) and
 * `meta/<prefix>_snapshot.json`. `extra` files are added as given.
 */
export function drizzleFolder(entries: DrizzleEntry[], extra: FileTree = {}, dir = 'drizzle'): FileTree {
  const files: FileTree = {}
  const journal = { version: '7', dialect: 'postgresql', entries: [] as object[] }
  entries.forEach((entry, position) => {
    const idx = entry.idx ?? position
    journal.entries.push({ idx, version: '7', when: entry.when ?? START + idx * 60_000, tag: entry.tag, breakpoints: true })
    if (entry.sql !== null) files[`${dir}/${entry.tag}.sql`] = entry.sql ?? `CREATE TABLE "t${idx}" (\n\t"id" bigint PRIMARY KEY NOT NULL\n);\n`
    if (entry.snapshot !== null) {
      const ids = entry.snapshot ?? { id: snapshotId(idx), prevId: idx === 0 ? ROOT_ID : snapshotId(idx - 1) }
      const prefix = entry.tag.split('_')[0]
      files[`${dir}/meta/${prefix}_snapshot.json`] = `${JSON.stringify({ ...ids, version: '7', dialect: 'postgresql', tables: {} }, null, 2)}\n`
    }
  })
  files[`${dir}/meta/_journal.json`] = JSON.stringify(journal, null, 2)
  return { ...files, ...extra }
}
