/**
 * Read-only view of one version of a repository (a working tree, a git ref, or the GitHub API at a SHA).
 * Paths are repository-relative with forward slashes. Readers of migration sets only go through this,
 * so the same code reads base and head, locally and in the app.
 */
export interface FileSource {
  /** A label for messages, e.g. `working tree` or `origin/main (1a2b3c4)`. */
  readonly label: string
  /** Every file path below `dir` ('' = whole repository), recursively, sorted. */
  list(dir: string): Promise<string[]>
  /** File bytes, or null when the file does not exist. */
  read(path: string): Promise<Buffer | null>
}
