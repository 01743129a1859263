import { readFile as readFileCallback } from 'node:fs'
import { readdir, realpath } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { promisify } from 'node:util'
import type { FileSource } from './file-source.js'
import { joinPath, normalizeRepoPath } from './paths.js'

/**
 * Never repository content: git metadata, and installed packages (never committed in practice, and
 * walking them would cost seconds when a glob makes us list the whole tree).
 */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules'])

/** The callback API reads a small file in one round trip; `fs.promises.readFile` takes three times as long here. */
const readFile = promisify(readFileCallback)

/**
 * A directory on disk (usually a working tree). Symbolic links are not listed, and a read whose real path
 * leaves `root` finds nothing: a pull request's symlink must not expose files of the machine running the review.
 */
export class FsSource implements FileSource {
  private realRoot: Promise<string> | undefined

  constructor(
    readonly root: string,
    readonly label = 'working tree',
  ) {}

  async list(dir: string): Promise<string[]> {
    const start = normalizeRepoPath(dir)
    if (start === null) return []
    const files: string[] = []
    await this.walk(start, files)
    return files.sort()
  }

  async read(path: string): Promise<Buffer | null> {
    const normalized = normalizeRepoPath(path)
    if (normalized === null || normalized === '') return null
    try {
      this.realRoot ??= realpath(this.root)
      const [root, real] = await Promise.all([this.realRoot, realpath(join(this.root, normalized))])
      if (!real.startsWith(root + sep)) return null
      return await readFile(real)
    } catch (error) {
      if (isMissing(error)) return null
      throw error
    }
  }

  private async walk(dir: string, files: string[]): Promise<void> {
    let entries
    try {
      entries = await readdir(join(this.root, dir), { withFileTypes: true })
    } catch (error) {
      if (isMissing(error)) return
      throw error
    }
    const subdirectories: Promise<void>[] = []
    for (const entry of entries) {
      const path = joinPath(dir, entry.name)
      if (entry.isFile()) files.push(path)
      else if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) subdirectories.push(this.walk(path, files))
    }
    await Promise.all(subdirectories)
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR'
}
