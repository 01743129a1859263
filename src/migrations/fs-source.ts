import { readdirSync, readFileSync, realpathSync } from 'node:fs'
import { join, sep } from 'node:path'
import type { FileSource } from './file-source.js'
import { joinPath, normalizeRepoPath } from './paths.js'

/**
 * Never repository content: git metadata, and installed packages (never committed in practice, and
 * walking them would cost seconds when a glob makes us list the whole tree).
 */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules'])

/**
 * A directory on disk (usually a working tree). Symbolic links are not listed, and a read whose real path
 * leaves `root` finds nothing: a pull request's symlink must not expose files of the machine running the review.
 * Disk access is synchronous: the caller waits for it anyway, and a thread-pool round trip per file costs
 * more than reading a small migration.
 */
export class FsSource implements FileSource {
  private realRoot: string | undefined
  /**
   * Files found by a walk that started in a folder whose real path is inside the root and followed no
   * symbolic link, by repository path, with their path on disk: their real paths are inside the root, so
   * reading them needs neither `realpath` nor normalising the path (each costs more than a small read).
   */
  private readonly listed = new Map<string, string>()

  constructor(
    readonly root: string,
    readonly label = 'working tree',
  ) {}

  async list(dir: string): Promise<string[]> {
    const start = normalizeRepoPath(dir)
    if (start === null) return []
    const files = new Map<string, string>()
    this.walk(start, files)
    // readdir follows symbolic links on the start folder's own path; only below it does the walk follow none.
    if (files.size > 0 && this.resolvesInsideRoot(start)) for (const [path, onDisk] of files) this.listed.set(path, onDisk)
    return [...files.keys()].sort()
  }

  async read(path: string): Promise<Buffer | null> {
    try {
      const listed = this.listed.get(path)
      if (listed !== undefined) return readFileSync(listed)
      const normalized = normalizeRepoPath(path)
      if (normalized === null || normalized === '' || !this.resolvesInsideRoot(normalized)) return null
      return readFileSync(join(this.root, normalized))
    } catch (error) {
      if (isMissing(error)) return null
      throw error
    }
  }

  /** Whether `path` (repository-relative, canonical) exists and its real path is the root or below it. */
  private resolvesInsideRoot(path: string): boolean {
    try {
      this.realRoot ??= realpathSync(this.root)
      const real = realpathSync(join(this.root, path))
      return real === this.realRoot || real.startsWith(this.realRoot + sep)
    } catch (error) {
      if (isMissing(error)) return false
      throw error
    }
  }

  /** Adds the regular files below `dir` to `files` (repository path → path on disk). */
  private walk(dir: string, files: Map<string, string>): void {
    const onDisk = join(this.root, dir)
    let entries
    try {
      entries = readdirSync(onDisk, { withFileTypes: true })
    } catch (error) {
      if (isMissing(error)) return
      throw error
    }
    for (const entry of entries) {
      const path = joinPath(dir, entry.name)
      if (entry.isFile()) files.set(path, `${onDisk}${sep}${entry.name}`)
      else if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) this.walk(path, files)
    }
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR'
}
