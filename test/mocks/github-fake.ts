import nock from 'nock'
import { API, gitBlobSha, pullFileRow, validated, type FileFixture, type TreeFixture } from './github.js'

/**
 * A stateful GitHub for scenario tests (approval bypass attempts, end to end, benchmarks): persistent nock
 * interceptors answer from in-memory repository state and record every write. Requests still pass the
 * OpenAPI validator; requests to routes it does not serve stay unmatched and fail the test.
 */

export interface FakePull {
  number: number
  author: { login: string; type: string }
  state: 'open' | 'closed'
  merged: boolean
  headSha: string
  baseSha: string
  baseRef: string
  files: FileFixture[]
}

export interface FakeComment {
  id: number
  login: string
  type: string
  body: string
  createdAt: string
  updatedAt: string
}

export interface FakeReview {
  id: number
  login: string
  state: string
  commitId: string
  submittedAt: string
}

export interface FakeCheckRun {
  id: number
  headSha: string
  name: string
  status: string
  conclusion: string | null
  externalId: string | null
  title: string
  summary: string
  annotations: unknown[]
  actions: unknown[]
}

export interface Write {
  method: string
  path: string
  body: Record<string, unknown>
}

type Json = Record<string, unknown>

export class GitHubFake {
  readonly trees = new Map<string, TreeFixture>()
  readonly pulls = new Map<number, FakePull>()
  readonly comments = new Map<number, FakeComment[]>()
  readonly reviews = new Map<number, FakeReview[]>()
  readonly reviewComments = new Map<number, Array<{ id: number; body: string; login: string; path: string; line: number }>>()
  readonly checkRuns: FakeCheckRun[] = []
  readonly teams = new Map<string, Map<string, 'active' | 'pending'>>()
  readonly permissions = new Map<string, 'admin' | 'write' | 'read' | 'none'>()
  readonly reactions: Array<{ commentId: number; content: string }> = []
  readonly writes: Write[] = []
  codeownersErrors: Array<{ line: number; message: string }> = []
  /** Blob contents by git SHA, filled as trees are served (a client reads blobs it saw in a tree). */
  private readonly blobs = new Map<string, string>()
  private readonly blobShas = new Map<string, string>()
  private nextId = 1000
  private readonly appLogin: string

  constructor(
    readonly owner: string,
    readonly repo: string,
    readonly app = { id: 1, slug: 'dba-review' },
    private readonly clock: () => number = Date.now,
  ) {
    this.appLogin = `${app.slug}[bot]`
  }

  id(): number {
    return this.nextId++
  }

  now(): string {
    return new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }

  /** A comment as a user makes it (the webhook for it is delivered separately). */
  addComment(pull: number, login: string, body: string, extra: Partial<FakeComment> = {}): FakeComment {
    const at = this.now()
    const comment = { id: this.id(), login, type: login.endsWith('[bot]') ? 'Bot' : 'User', body, createdAt: at, updatedAt: at, ...extra }
    this.comments.set(pull, [...(this.comments.get(pull) ?? []), comment])
    return comment
  }

  /** The latest check run the app wrote for `sha`. */
  latestRun(sha: string): FakeCheckRun | undefined {
    return this.checkRuns.filter((r) => r.headSha === sha).at(-1)
  }

  /** Every conclusion the app ever wrote, in order: a bypass shows up as a `success` that should not be. */
  conclusions(): string[] {
    return this.writes.filter((w) => w.path.includes('/check-runs') && typeof w.body.conclusion === 'string').map((w) => w.body.conclusion as string)
  }

  stickyComment(pull: number): FakeComment | undefined {
    return (this.comments.get(pull) ?? []).find((c) => c.login === this.appLogin && c.body.startsWith('<!-- dba-review:sticky -->'))
  }

  /** Comments the app wrote that are not the sticky one (command replies). */
  replies(pull: number): string[] {
    return (this.comments.get(pull) ?? []).filter((c) => c.login === this.appLogin && !c.body.startsWith('<!-- dba-review:sticky -->')).map((c) => c.body)
  }

  private blobSha(content: string): string {
    let sha = this.blobShas.get(content)
    if (sha === undefined) {
      sha = gitBlobSha(content)
      this.blobShas.set(content, sha)
      this.blobs.set(sha, content)
    }
    return sha
  }

  private user(login: string, type = login.endsWith('[bot]') ? 'Bot' : 'User') {
    return { login, id: 1, type, node_id: `U_${login}`, site_admin: false }
  }

  private record(method: string, path: string, body: unknown): Json {
    const json = (body ?? {}) as Json
    if (method !== 'GET') this.writes.push({ method, path: path.split('?')[0] as string, body: json })
    return json
  }

  /** Registers the interceptors; call again after `nock.cleanAll()`. */
  install(): void {
    const R = `/repos/${this.owner}/${this.repo}`
    const s = nock(API).persist()
    const json = (status: number, body: unknown): [number, unknown] => [status, body]
    const match = (pattern: string) => new RegExp(`^${pattern}(\\?.*)?$`)

    s.post(/^\/app\/installations\/\d+\/access_tokens$/).reply(validated(() => json(201, { token: 'ghs_fake', expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {} })))
    s.get('/app').reply(validated(() => json(200, { id: this.app.id, slug: this.app.slug, name: this.app.slug, html_url: `https://github.com/apps/${this.app.slug}`, external_url: 'https://github.com/acme/dba-review', owner: this.user('acme', 'Organization') })))

    s.get(match(`${R}/pulls/(\\d+)`)).reply(
      validated((_body, uri) => {
        const pull = this.pulls.get(Number(/pulls\/(\d+)/.exec(uri)?.[1]))
        if (!pull) return json(404, { message: 'Not Found' })
        return json(200, {
          number: pull.number,
          state: pull.state,
          merged: pull.merged,
          draft: false,
          user: this.user(pull.author.login, pull.author.type),
          head: { sha: pull.headSha, ref: 'changes' },
          base: { sha: pull.baseSha, ref: pull.baseRef },
        })
      }),
    )
    s.get(match(`${R}/pulls/(\\d+)/files`)).reply(
      validated((_body, uri) => {
        const pull = this.pulls.get(Number(/pulls\/(\d+)/.exec(uri)?.[1]))
        const rows = (pull?.files ?? []).map(pullFileRow)
        return json(200, rows)
      }),
    )
    s.get(match(`${R}/git/trees/([0-9a-f]+)`)).reply(
      validated((_body, uri) => {
        const sha = /trees\/([0-9a-f]+)/.exec(uri)?.[1] as string
        const files = this.trees.get(sha)
        if (!files) return json(404, { message: 'Not Found' })
        const tree = Object.entries(files).map(([path, content]) => ({ path, mode: '100644', type: 'blob', sha: this.blobSha(content), size: Buffer.byteLength(content) }))
        return json(200, { sha, url: `${API}${R}/git/trees/${sha}`, tree, truncated: false })
      }),
    )
    s.get(match(`${R}/git/blobs/([0-9a-f]+)`)).reply(
      validated((_body, uri) => {
        const sha = /blobs\/([0-9a-f]+)/.exec(uri)?.[1] as string
        const content = this.blobs.get(sha)
        if (content === undefined) return json(404, { message: 'Not Found' })
        return json(200, { sha, node_id: `B_${sha}`, size: Buffer.byteLength(content), url: `${API}${R}/git/blobs/${sha}`, content: Buffer.from(content).toString('base64'), encoding: 'base64' })
      }),
    )
    s.get(match(`/repos/${this.owner}/\\.github/contents/\\.github%2Fdba-review\\.yml`)).reply(validated(() => json(404, { message: 'Not Found' })))
    s.get(match(`${R}/codeowners/errors`)).reply(
      validated(() => json(200, { errors: this.codeownersErrors.map((e) => ({ line: e.line, column: 1, kind: 'Invalid owner', source: '', suggestion: null, message: e.message, path: '.github/CODEOWNERS' })) })),
    )
    s.get(match(`${R}/issues/(\\d+)/comments`)).reply(
      validated((_body, uri) => {
        const rows = (this.comments.get(Number(/issues\/(\d+)/.exec(uri)?.[1])) ?? []).map((c) => ({ id: c.id, body: c.body, user: this.user(c.login, c.type), created_at: c.createdAt, updated_at: c.updatedAt }))
        return json(200, rows)
      }),
    )
    s.post(match(`${R}/issues/(\\d+)/comments`)).reply(
      validated((body, uri) => {
        const { body: text } = this.record('POST', uri, body) as { body: string }
        const comment = this.addComment(Number(/issues\/(\d+)/.exec(uri)?.[1]), this.appLogin, text)
        return json(201, { id: comment.id, body: text, user: this.user(this.appLogin) })
      }),
    )
    s.patch(match(`${R}/issues/comments/(\\d+)`)).reply(
      validated((body, uri) => {
        const id = Number(/comments\/(\d+)/.exec(uri)?.[1])
        const { body: text } = this.record('PATCH', uri, body) as { body: string }
        for (const list of this.comments.values()) {
          const comment = list.find((c) => c.id === id)
          if (comment) {
            comment.body = text
            comment.updatedAt = this.now()
            return json(200, { id, body: text })
          }
        }
        return json(404, { message: 'Not Found' })
      }),
    )
    s.post(match(`${R}/issues/comments/(\\d+)/reactions`)).reply(
      validated((body, uri) => {
        const { content } = this.record('POST', uri, body) as { content: string }
        this.reactions.push({ commentId: Number(/comments\/(\d+)/.exec(uri)?.[1]), content })
        return json(201, { id: this.id(), content })
      }),
    )
    s.get(match(`${R}/pulls/(\\d+)/reviews`)).reply(
      validated((_body, uri) => {
        const rows = (this.reviews.get(Number(/pulls\/(\d+)/.exec(uri)?.[1])) ?? []).map((r) => ({ id: r.id, user: this.user(r.login), state: r.state, commit_id: r.commitId, submitted_at: r.submittedAt, body: '' }))
        return json(200, rows)
      }),
    )
    s.post(match(`${R}/pulls/(\\d+)/reviews`)).reply(
      validated((body, uri) => {
        const pull = Number(/pulls\/(\d+)/.exec(uri)?.[1])
        const review = this.record('POST', uri, body) as { comments?: Array<{ path: string; line: number; body: string }> }
        const list = this.reviewComments.get(pull) ?? []
        for (const c of review.comments ?? []) list.push({ id: this.id(), body: c.body, login: this.appLogin, path: c.path, line: c.line })
        this.reviewComments.set(pull, list)
        return json(200, { id: this.id(), state: 'COMMENTED' })
      }),
    )
    s.get(match(`${R}/pulls/(\\d+)/comments`)).reply(
      validated((_body, uri) => json(200, (this.reviewComments.get(Number(/pulls\/(\d+)/.exec(uri)?.[1])) ?? []).map((c) => ({ id: c.id, body: c.body, user: this.user(c.login) })))),
    )
    s.patch(match(`${R}/pulls/comments/(\\d+)`)).reply(
      validated((body, uri) => {
        const id = Number(/comments\/(\d+)/.exec(uri)?.[1])
        const { body: text } = this.record('PATCH', uri, body) as { body: string }
        for (const list of this.reviewComments.values()) for (const c of list) if (c.id === id) c.body = text
        return json(200, { id, body: text })
      }),
    )
    s.get(match(`${R}/commits/([0-9a-f]+)/check-runs`)).reply(
      validated((_body, uri) => {
        const sha = /commits\/([0-9a-f]+)/.exec(uri)?.[1]
        const runs = this.checkRuns.filter((r) => r.headSha === sha).reverse()
        return json(200, { total_count: runs.length, check_runs: runs.map((r) => ({ id: r.id, name: r.name, html_url: `https://github.com/${this.owner}/${this.repo}/runs/${r.id}`, app: { id: this.app.id } })) })
      }),
    )
    s.get(match(`${R}/commits/([0-9a-f]+)/pulls`)).reply(
      validated((_body, uri) => {
        const sha = /commits\/([0-9a-f]+)/.exec(uri)?.[1]
        return json(200, [...this.pulls.values()].filter((p) => p.headSha === sha).map((p) => ({ number: p.number, state: p.state })))
      }),
    )
    s.post(`${R}/check-runs`).reply(
      validated((body, uri) => {
        const b = this.record('POST', uri, body) as Json & { output?: Json }
        const run: FakeCheckRun = {
          id: this.id(),
          headSha: b.head_sha as string,
          name: b.name as string,
          status: (b.conclusion ? 'completed' : (b.status as string)) ?? 'queued',
          conclusion: (b.conclusion as string) ?? null,
          externalId: (b.external_id as string) ?? null,
          title: (b.output?.title as string) ?? '',
          summary: (b.output?.summary as string) ?? '',
          annotations: (b.output?.annotations as unknown[]) ?? [],
          actions: (b.actions as unknown[]) ?? [],
        }
        this.checkRuns.push(run)
        return json(201, { id: run.id, name: run.name, html_url: `https://github.com/${this.owner}/${this.repo}/runs/${run.id}` })
      }),
    )
    s.patch(match(`${R}/check-runs/(\\d+)`)).reply(
      validated((body, uri) => {
        const id = Number(/check-runs\/(\d+)/.exec(uri)?.[1])
        const b = this.record('PATCH', uri, body) as Json & { output?: Json }
        const run = this.checkRuns.find((r) => r.id === id)
        if (!run) return json(404, { message: 'Not Found' })
        if (b.status) run.status = b.status as string
        if (b.conclusion) Object.assign(run, { status: 'completed', conclusion: b.conclusion })
        if (b.external_id) run.externalId = b.external_id as string
        if (b.output) Object.assign(run, { title: b.output.title, summary: b.output.summary, annotations: [...run.annotations, ...((b.output.annotations as unknown[]) ?? [])] })
        if (b.actions) run.actions = b.actions as unknown[]
        return json(200, { id, name: run.name, html_url: `https://github.com/${this.owner}/${this.repo}/runs/${id}` })
      }),
    )
    s.get(/^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/?]+)$/).reply(
      validated((_body, uri) => {
        const [, org, slug, login] = /orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/?]+)/.exec(uri) as RegExpExecArray
        const state = this.teams.get(`${org}/${slug}`)?.get(login as string)
        return state ? json(200, { state, role: 'member', url: '' }) : json(404, { message: 'Not Found' })
      }),
    )
    s.get(match(`${R}/collaborators/([^/]+)/permission`)).reply(
      validated((_body, uri) => {
        const login = /collaborators\/([^/]+)\/permission/.exec(uri)?.[1] as string
        const permission = this.permissions.get(login) ?? 'read'
        return json(200, { permission, role_name: permission, user: this.user(login) })
      }),
    )
  }
}
