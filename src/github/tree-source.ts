import type { ProbotOctokit } from 'probot'
import type { FileSource } from '../migrations/file-source.js'
import type { ContentEntry } from '../gate/fingerprint.js'
import { BoundedMap } from '../jobs/bounded-map.js'

interface TreeEntry {
  path: string
  sha: string
  type: 'blob' | 'tree' | 'commit'
}

/** Trees (path → blob SHA) and blob bytes by `owner/repo:sha`: git objects never change, so a hit is never stale. */
export interface GitCache {
  trees: BoundedMap<string, ReadonlyMap<string, string>>
  blobs: BoundedMap<string, Buffer>
}

export function createGitCache(): GitCache {
  return { trees: new BoundedMap(1_000), blobs: new BoundedMap(5_000) }
}

/**
 * One commit of a repository read through the Git Data API: the tree (recursive, with content SHAs) once,
 * then blobs on demand. Nothing from the repository is ever executed. Base and head of one pull request
 * share most blobs, and the app-wide cache serves them once.
 */
export class GitHubTreeSource implements FileSource {
  private constructor(
    private readonly octokit: ProbotOctokit,
    private readonly owner: string,
    private readonly repo: string,
    readonly sha: string,
    private readonly blobs: ReadonlyMap<string, string>,
    readonly label: string,
    private readonly cache: GitCache,
  ) {}

  static async load(octokit: ProbotOctokit, owner: string, repo: string, sha: string, label: string, cache: GitCache): Promise<GitHubTreeSource> {
    const key = `${owner}/${repo}:${sha}`
    let blobs = cache.trees.get(key)
    if (!blobs) {
      const entries = await readTree(octokit, owner, repo, sha, '')
      blobs = new Map(entries.filter((e) => e.type === 'blob').map((e) => [e.path, e.sha]))
      cache.trees.set(key, blobs)
    }
    return new GitHubTreeSource(octokit, owner, repo, sha, blobs, `${label} (${sha.slice(0, 7)})`, cache)
  }

  /** Every file with its git blob SHA, for the review fingerprint. */
  entries(): ContentEntry[] {
    return [...this.blobs].map(([path, contentId]) => ({ path, contentId }))
  }

  async list(dir: string): Promise<string[]> {
    const prefix = dir === '' ? '' : `${dir.replace(/\/+$/, '')}/`
    return [...this.blobs.keys()].filter((path) => path.startsWith(prefix)).sort()
  }

  async read(path: string): Promise<Buffer | null> {
    const sha = this.blobs.get(path)
    if (sha === undefined) return null
    const key = `${this.owner}/${this.repo}:${sha}`
    const cached = this.cache.blobs.get(key)
    if (cached) return cached
    const { data } = await this.octokit.rest.git.getBlob({ owner: this.owner, repo: this.repo, file_sha: sha })
    const bytes = Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8')
    this.cache.blobs.set(key, bytes)
    return bytes
  }
}

/**
 * The whole tree below `sha`. GitHub truncates recursive listings past 100,000 entries or 7 MB; then each
 * subtree is listed on its own, so large monorepos are still read completely.
 */
async function readTree(octokit: ProbotOctokit, owner: string, repo: string, sha: string, prefix: string): Promise<TreeEntry[]> {
  const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: sha, recursive: '1' })
  const entries = data.tree.map((e) => ({ path: `${prefix}${e.path}`, sha: e.sha as string, type: e.type as TreeEntry['type'] }))
  if (!data.truncated) return entries
  const { data: top } = await octokit.rest.git.getTree({ owner, repo, tree_sha: sha })
  const out: TreeEntry[] = []
  for (const e of top.tree) {
    const path = `${prefix}${e.path}`
    if (e.type === 'tree') out.push(...(await readTree(octokit, owner, repo, e.sha as string, `${path}/`)))
    else out.push({ path, sha: e.sha as string, type: e.type as TreeEntry['type'] })
  }
  return out
}
