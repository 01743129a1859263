import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import type { FileSource } from './file-source.js'
import { normalizeRepoPath } from './paths.js'

/** Paths are literal file names, never pathspec magic (`:(glob)…`), whatever the repository contains. */
const GIT_ENV = { ...process.env, GIT_LITERAL_PATHSPECS: '1' }

/**
 * Opens one commit of a local repository as a FileSource. Paths are relative to the repository's top level,
 * even when `repoDir` is a subdirectory. Throws a clear error for a missing repository or an unknown ref.
 * Call `close()` when done; until then one `git cat-file --batch` process serves every read.
 */
export async function openGitSource(repoDir: string, ref: string): Promise<GitSource> {
  let commit: string
  try {
    commit = (await git(repoDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim()
  } catch (error) {
    const message = (error as Error).message
    if (/not a git repository/i.test(message)) throw new Error(`${repoDir} is not a git repository`)
    if (/cannot change to/i.test(message)) throw new Error(`${repoDir} does not exist`)
    if (message.includes('git is not installed')) throw error
    throw new Error(`unknown git ref "${ref}" in ${repoDir}`)
  }
  return new GitSource(repoDir, ref, commit)
}

/**
 * Where HEAD left `tip` (their merge base), or null when HEAD still starts from the tip. A pull request is
 * reviewed against the tip (that is what production will have run before it); the fork point tells which
 * of the tip's migrations the branch could have deleted or edited.
 */
export async function openForkPointSource(repoDir: string, tip: GitSource): Promise<GitSource | null> {
  let commit: string
  try {
    commit = (await git(repoDir, ['merge-base', '--end-of-options', tip.commit, 'HEAD'])).trim()
  } catch {
    throw new Error(`${tip.ref} and HEAD have no common history in ${repoDir}`)
  }
  return commit === tip.commit ? null : new GitSource(repoDir, `merge-base of ${tip.ref} and HEAD`, commit)
}

export class GitSource implements FileSource {
  readonly label: string
  private batch: CatFileBatch | undefined
  private closed = false

  constructor(
    readonly repoDir: string,
    readonly ref: string,
    readonly commit: string,
  ) {
    this.label = `${ref} (${commit.slice(0, 7)})`
  }

  /** Regular files only: symbolic links and submodules are not file content. */
  async list(dir: string): Promise<string[]> {
    const start = normalizeRepoPath(dir)
    if (start === null) return []
    const args = ['ls-tree', '-r', '-z', '--full-tree', this.commit]
    if (start !== '') args.push('--', start)
    const files: string[] = []
    for (const record of (await git(this.repoDir, args)).split('\0')) {
      const tab = record.indexOf('\t')
      if (tab === -1) continue
      const [mode, type] = record.slice(0, tab).split(' ')
      const path = record.slice(tab + 1)
      if (type === 'blob' && mode !== '120000' && (start === '' || path.startsWith(`${start}/`))) files.push(path)
    }
    return files.sort()
  }

  read(path: string): Promise<Buffer | null> {
    const normalized = normalizeRepoPath(path)
    // The batch protocol is line-based; a name with a newline cannot be asked for (nor is it a migration).
    if (this.closed) return Promise.reject(new Error(`git source ${this.label} is closed`))
    if (normalized === null || normalized === '' || normalized.includes('\n')) return Promise.resolve(null)
    this.batch ??= new CatFileBatch(this.repoDir)
    return this.batch.read(`${this.commit}:${normalized}`)
  }

  /** Ends the batch process; later reads are rejected. */
  close(): void {
    this.closed = true
    this.batch?.close()
  }
}

function git(repoDir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', repoDir, ...args], { env: GIT_ENV, maxBuffer: 1 << 30, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout)
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('git is not installed or not on PATH'))
      reject(new Error(`git ${args[0]} failed: ${stderr.trim() || error.message}`))
    })
  })
}

interface PendingRead {
  resolve(bytes: Buffer | null): void
  reject(error: Error): void
}

const BLOB_HEADER = /^[0-9a-f]+ (\S+) (\d+)$/

/**
 * One long-lived `git cat-file --batch`: requests are written as they come and answered in order. Its pipes
 * are unreferenced while nothing is pending, so an idle batch never keeps the process alive.
 */
class CatFileBatch {
  private readonly child: ChildProcessWithoutNullStreams
  private readonly pending: PendingRead[] = []
  private headerParts: Buffer[] = []
  /** The object being received, with room for its trailing newline. */
  private body: { bytes: Buffer; filled: number; isBlob: boolean } | undefined
  private failure: Error | undefined
  private stderr = ''

  constructor(repoDir: string) {
    this.child = spawn('git', ['-C', repoDir, 'cat-file', '--batch'], { env: GIT_ENV })
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk))
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()))
    this.child.stdin.on('error', (error) => this.fail(error))
    this.child.on('error', (error) => this.fail(error))
    this.child.on('close', () => this.fail(new Error(`git cat-file exited${this.stderr ? `: ${this.stderr.trim()}` : ''}`)))
    this.setReferenced(false)
  }

  read(spec: string): Promise<Buffer | null> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) this.setReferenced(true)
      this.pending.push({ resolve, reject })
      this.child.stdin.write(`${spec}\n`)
    })
  }

  close(): void {
    this.fail(new Error('git cat-file was closed'))
    this.child.stdin.end()
  }

  private receive(chunk: Buffer): void {
    let offset = 0
    while (offset < chunk.length) {
      if (this.body) {
        const { bytes } = this.body
        const copied = chunk.copy(bytes, this.body.filled, offset)
        this.body.filled += copied
        offset += copied
        if (this.body.filled === bytes.length) {
          const result = this.body.isBlob ? bytes.subarray(0, bytes.length - 1) : null
          this.body = undefined
          this.answer(result)
        }
        continue
      }
      const newline = chunk.indexOf(10, offset)
      if (newline === -1) {
        this.headerParts.push(chunk.subarray(offset))
        return
      }
      this.headerParts.push(chunk.subarray(offset, newline))
      offset = newline + 1
      const header = Buffer.concat(this.headerParts).toString()
      this.headerParts = []
      const match = BLOB_HEADER.exec(header)
      // `<spec> missing` (or ambiguous): no such file at this commit.
      if (!match) this.answer(null)
      else this.body = { bytes: Buffer.allocUnsafe(Number(match[2]) + 1), filled: 0, isBlob: match[1] === 'blob' }
    }
  }

  private answer(bytes: Buffer | null): void {
    this.pending.shift()?.resolve(bytes)
    if (this.pending.length === 0) this.setReferenced(false)
  }

  private fail(error: Error): void {
    this.failure ??= error
    for (const read of this.pending.splice(0)) read.reject(this.failure)
    this.setReferenced(false)
  }

  private setReferenced(referenced: boolean): void {
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as Array<{ ref(): void; unref(): void }>) {
      if (referenced) handle.ref()
      else handle.unref()
    }
  }
}
