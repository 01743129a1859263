import { createHash } from 'node:crypto'
import nock from 'nock'
import { validateGitHubRequest } from './openapi.js'

/**
 * Typed nock builders for the GitHub REST API, in the style of release-drafter's `nockGetReleases`.
 * Every request that reaches a builder is validated against GitHub's OpenAPI description first: an
 * invalid one is answered 422 (as GitHub would) and recorded in `problems`, which the test asserts empty.
 * Requests no builder expects are recorded too (`unmatched`).
 */

export const API = 'https://api.github.com'

export interface RecordedRequest {
  method: string
  path: string
  body: unknown
}

/** Everything the app sent in this test, in order, plus what GitHub would have rejected. */
export const traffic = {
  /** Off only in benchmarks: validation runs in the app's process and would be timed as the app's latency. */
  validate: true,
  requests: [] as RecordedRequest[],
  problems: [] as string[],
  unmatched: [] as string[],
  reset(): void {
    this.requests.length = 0
    this.problems.length = 0
    this.unmatched.length = 0
  },
}

nock.emitter.on('no match', (req: { method?: string; path?: string; href?: string; host?: string; hostname?: string; options?: { method?: string; path?: string; host?: string; hostname?: string } }) => {
  const host = req.hostname ?? req.host ?? req.options?.hostname ?? req.options?.host ?? (req.href ? new URL(req.href).hostname : '')
  // Loopback traffic (the app's own HTTP server, PostgreSQL) is allowed through and is not GitHub's.
  if (host.startsWith('127.0.0.1') || host.startsWith('localhost')) return
  const method = req.method ?? req.options?.method ?? '?'
  const path = req.path ?? req.options?.path ?? req.href ?? '?'
  traffic.unmatched.push(`${method} ${host}${path}`)
})

type Reply = [number, unknown] | [number, unknown, Record<string, string>]

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string' || body === '') return body === '' ? undefined : body
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}

/** Validates, records, then answers with `respond(body, uri)`. */
export function validated(respond: (body: unknown, uri: string) => Reply) {
  return function (this: { req: { method: string } }, uri: string, rawBody: unknown): Reply {
    const body = parseBody(rawBody)
    const method = this.req.method.toUpperCase()
    traffic.requests.push({ method, path: uri, body })
    const problems = traffic.validate ? validateGitHubRequest(method, uri, body) : []
    if (problems.length > 0) {
      traffic.problems.push(...problems)
      return [422, { message: 'Validation Failed', errors: problems }]
    }
    return respond(body, uri)
  }
}

function scope(): nock.Scope {
  return nock(API)
}

/** Git's blob id: what the trees API reports for a file. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8')
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
}


const user = (login: string, type = 'User', id = 1) => ({ login, id, type, node_id: `U_${login}`, site_admin: false })

export interface PullFixture {
  number: number
  headSha: string
  baseSha: string
  author?: string
  state?: 'open' | 'closed'
  merged?: boolean
  baseRef?: string
}

export interface FileFixture {
  path: string
  status?: 'added' | 'modified' | 'removed' | 'renamed'
  previousPath?: string
  /** Unified diff; for `added` files it is built from `content` when given. */
  patch?: string
  content?: string
}

export interface CommentFixture {
  id: number
  login: string
  body: string
  createdAt: string
  updatedAt?: string
  type?: string
}

export interface ReviewFixture {
  id: number
  login: string
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED'
  commitId: string
  submittedAt: string
}

/** A repository version served by the Git Data API: files by path. */
export type TreeFixture = Record<string, string>

/** One entry of `GET …/pulls/{n}/files` for a file fixture. */
export function pullFileRow(f: FileFixture) {
  const patch = f.patch ?? (f.content !== undefined ? addedPatch(f.content) : undefined)
  return {
    sha: gitBlobSha(f.content ?? f.path),
    filename: f.path,
    status: f.status ?? 'added',
    additions: 1,
    deletions: 0,
    changes: 1,
    ...(f.previousPath ? { previous_filename: f.previousPath } : {}),
    ...(patch !== undefined ? { patch } : {}),
  }
}

export function addedPatch(content: string): string {
  const lines = content.replace(/\n$/, '').split('\n')
  return `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`
}

/** App-level endpoints (not tied to a repository). */
export const appMock = {
  installationToken(installationId = 1): nock.Scope {
    return scope()
      .post(`/app/installations/${installationId}/access_tokens`)
      .reply(validated(() => [201, { token: 'ghs_test', expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {} }]))
  },

  app({ id = 1, slug = 'dba-review' } = {}): nock.Scope {
    return scope()
      .get('/app')
      .reply(validated(() => [200, { id, slug, name: slug, html_url: `https://github.com/apps/${slug}`, external_url: 'https://github.com/acme/dba-review', owner: user('acme', 'Organization') }]))
  },
}

/** Builders for one repository's endpoints; the default repository is the one GitHub's example payloads use. */
export function repoMock(owner = 'Codertocat', repo = 'Hello-World') {
  const R = `/repos/${owner}/${repo}`
  return {

    pull(p: PullFixture, times = 1): nock.Scope {
      const body = {
        number: p.number,
        state: p.state ?? 'open',
        merged: p.merged ?? false,
        draft: false,
        user: user(p.author ?? 'Codertocat'),
        head: { sha: p.headSha, ref: 'changes', repo: { full_name: `${owner}/${repo}` } },
        base: { sha: p.baseSha, ref: p.baseRef ?? 'master', repo: { full_name: `${owner}/${repo}` } },
        changed_files: 1,
      }
      return scope().get(`${R}/pulls/${p.number}`).times(times).reply(validated(() => [200, body]))
    },

    /** `GET …/pulls/{n}/files`, 100 per page as the app asks, with Link headers between pages. */
    pullFiles(number: number, files: FileFixture[]): nock.Scope {
      const s = scope()
      const rows = files.map(pullFileRow)
      const pages = Math.max(1, Math.ceil(rows.length / 100))
      for (let page = 1; page <= pages; page++) {
        const link: Record<string, string> = page < pages ? { link: `<${API}${R}/pulls/${number}/files?per_page=100&page=${page + 1}>; rel="next"` } : {}
        s.get(`${R}/pulls/${number}/files`)
          .query(page === 1 ? { per_page: '100' } : { per_page: '100', page: String(page) })
          .reply(validated(() => [200, rows.slice((page - 1) * 100, page * 100), link]))
      }
      return s
    },

    /** The recursive tree at `sha`; its blobs may be read (optionally: which ones depends on the review). */
    tree(sha: string, files: TreeFixture): nock.Scope {
      const s = scope()
      const tree = Object.entries(files).map(([path, content]) => ({ path, mode: '100644', type: 'blob', sha: gitBlobSha(content), size: Buffer.byteLength(content) }))
      s.get(`${R}/git/trees/${sha}`).query({ recursive: '1' }).reply(validated(() => [200, { sha, url: `${API}${R}/git/trees/${sha}`, tree, truncated: false }]))
      for (const content of new Set(Object.values(files))) {
        const blob = gitBlobSha(content)
        s.get(`${R}/git/blobs/${blob}`)
          .optionally()
          .reply(validated(() => [200, { sha: blob, node_id: `B_${blob}`, size: Buffer.byteLength(content), url: `${API}${R}/git/blobs/${blob}`, content: Buffer.from(content).toString('base64'), encoding: 'base64' }]))
      }
      return s
    },

    /** No `.github/dba-review.yml` in the repository: Probot's config plugin looks in the owner's `.github` repository. */
    orgConfig(content: string | null = null): nock.Scope {
      return scope()
        .get(`/repos/${owner}/.github/contents/.github%2Fdba-review.yml`)
        .reply(validated(() => (content === null ? [404, { message: 'Not Found' }] : [200, content, { 'content-type': 'application/vnd.github.raw; charset=utf-8' }])))
    },

    codeownersErrors(ref: string, errors: Array<{ line: number; message: string }> = []): nock.Scope {
      return scope()
        .get(`${R}/codeowners/errors`)
        .query({ ref })
        .reply(validated(() => [200, { errors: errors.map((e) => ({ line: e.line, column: 1, kind: 'Invalid owner', source: '', suggestion: null, message: e.message, path: '.github/CODEOWNERS' })) }]))
    },

    checkRunsForRef(sha: string, runs: Array<{ id: number }> = [], appId = 1): nock.Scope {
      return scope()
        .get(`${R}/commits/${sha}/check-runs`)
        .query({ check_name: 'dba-review', app_id: String(appId), filter: 'latest' })
        .reply(validated(() => [200, { total_count: runs.length, check_runs: runs.map((r) => ({ id: r.id, name: 'dba-review', html_url: `https://github.com/${owner}/${repo}/runs/${r.id}`, app: { id: appId } })) }]))
    },

    createCheckRun(id: number, times = 1): nock.Scope {
      return scope()
        .post(`${R}/check-runs`)
        .times(times)
        .reply(validated(() => [201, { id, name: 'dba-review', html_url: `https://github.com/${owner}/${repo}/runs/${id}` }]))
    },

    updateCheckRun(id: number, times = 1): nock.Scope {
      return scope()
        .patch(`${R}/check-runs/${id}`)
        .times(times)
        .reply(validated(() => [200, { id, name: 'dba-review', html_url: `https://github.com/${owner}/${repo}/runs/${id}` }]))
    },

    comments(number: number, comments: CommentFixture[], times = 1): nock.Scope {
      const rows = comments.map((c) => ({ id: c.id, body: c.body, user: user(c.login, c.type ?? (c.login.endsWith('[bot]') ? 'Bot' : 'User')), created_at: c.createdAt, updated_at: c.updatedAt ?? c.createdAt }))
      return scope().get(`${R}/issues/${number}/comments`).query({ per_page: '100' }).times(times).reply(validated(() => [200, rows]))
    },

    createComment(number: number, id = 900): nock.Scope {
      return scope()
        .post(`${R}/issues/${number}/comments`)
        .reply(validated((body) => [201, { id, body: (body as { body: string }).body, user: user('dba-review[bot]', 'Bot') }]))
    },

    updateComment(id: number): nock.Scope {
      return scope()
        .patch(`${R}/issues/comments/${id}`)
        .reply(validated((body) => [200, { id, body: (body as { body: string }).body }]))
    },

    reviews(number: number, reviews: ReviewFixture[] = []): nock.Scope {
      const rows = reviews.map((r) => ({ id: r.id, user: user(r.login), state: r.state, commit_id: r.commitId, submitted_at: r.submittedAt, body: '' }))
      return scope().get(`${R}/pulls/${number}/reviews`).query({ per_page: '100' }).reply(validated(() => [200, rows]))
    },

    reviewComments(number: number, comments: Array<{ id: number; body: string; login?: string }> = []): nock.Scope {
      const rows = comments.map((c) => ({ id: c.id, body: c.body, user: user(c.login ?? 'dba-review[bot]', 'Bot') }))
      return scope().get(`${R}/pulls/${number}/comments`).query({ per_page: '100' }).reply(validated(() => [200, rows]))
    },

    createReview(number: number): nock.Scope {
      return scope()
        .post(`${R}/pulls/${number}/reviews`)
        .reply(validated(() => [200, { id: 80, state: 'COMMENTED' }]))
    },

    updateReviewComment(id: number): nock.Scope {
      return scope()
        .patch(`${R}/pulls/comments/${id}`)
        .reply(validated((body) => [200, { id, body: (body as { body: string }).body }]))
    },

    reaction(commentId: number): nock.Scope {
      return scope()
        .post(`${R}/issues/comments/${commentId}/reactions`)
        .reply(validated((body) => [201, { id: 1, content: (body as { content: string }).content }]))
    },

    /** `state: null` answers 404 (not a member). */
    teamMembership(team: string, login: string, state: 'active' | 'pending' | null): nock.Scope {
      const [org, slug] = team.split('/') as [string, string]
      return scope()
        .get(`/orgs/${org}/teams/${slug}/memberships/${login}`)
        .reply(validated(() => (state === null ? [404, { message: 'Not Found' }] : [200, { state, role: 'member', url: '' }])))
    },

    permission(login: string, permission: 'admin' | 'write' | 'read' | 'none'): nock.Scope {
      return scope()
        .get(`${R}/collaborators/${login}/permission`)
        .reply(validated(() => [200, { permission, role_name: permission, user: user(login) }]))
    },

    commitPulls(sha: string, numbers: number[]): nock.Scope {
      return scope()
        .get(`${R}/commits/${sha}/pulls`)
        .reply(validated(() => [200, numbers.map((n) => ({ number: n, state: 'open' }))]))
    },
  }
}

export const mock = { ...appMock, ...repoMock() }

/** Requests of one kind that the app sent, with their bodies, for inline snapshots. */
export function sent(method: string, pathPrefix: string): RecordedRequest[] {
  return traffic.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix))
}
