import { isJsonObject, parseJson } from './parse-json.js'
import { readTextFile } from './read-text.js'
import { invalidJsonProblem, SET_PROBLEM_RULES } from './set-problems.js'
import type { FileSource } from './file-source.js'
import type { SetProblem, SnapshotRef } from './types.js'

export interface SnapshotRead {
  snapshot: SnapshotRef
  problem?: SetProblem
}

/** Reads a drizzle snapshot (v5–v7 `prevId`, v8 `prevIds`) down to its place in the id chain. */
export async function readSnapshot(source: FileSource, path: string): Promise<SnapshotRead> {
  const read = await readTextFile(source, path)
  if (read.status === 'missing') return { snapshot: { path } }
  if (read.status === 'unreadable') return { snapshot: { path }, problem: read.problem }
  const parsed = parseSnapshotJson(read.file.text)
  if (!parsed.ok) {
    return { snapshot: { path }, problem: invalidJsonProblem(SET_PROBLEM_RULES.snapshotInvalid, path, read.file.text, parsed.message, parsed.offset) }
  }
  const json = isJsonObject(parsed.value) ? parsed.value : {}
  const snapshot: SnapshotRef = { path }
  if (typeof json.id === 'string') snapshot.id = json.id
  if (typeof json.prevId === 'string') snapshot.prevId = json.prevId
  if (Array.isArray(json.prevIds)) snapshot.prevIds = json.prevIds.filter((id): id is string => typeof id === 'string')
  return { snapshot }
}

/** Snapshots can be megabytes: the native parser first, the positioned one only to locate an error. */
function parseSnapshotJson(text: string): { ok: true; value: unknown } | { ok: false; message: string; offset: number } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return parseJson(text)
  }
}
