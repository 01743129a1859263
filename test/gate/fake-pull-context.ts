import type {
  ChangedFile,
  CodeownersSource,
  MembershipState,
  Permission,
  PullComment,
  PullContext,
  PullInfo,
  PullReview,
} from '../../src/gate/pull-context.js'

export interface FakeValues {
  pull: Partial<PullInfo>
  files: ChangedFile[]
  filesError: Error
  comments: PullComment[]
  reviews: PullReview[]
  /** `org/team` → login → state. */
  teams: Record<string, Record<string, MembershipState>>
  /** login → permission; unlisted logins have `read` (a public repository). */
  permissions: Record<string, Permission>
  codeowners: CodeownersSource | null
}

export const defaultPull: PullInfo = {
  number: 7,
  author: { login: 'author', type: 'User' },
  state: 'open',
  merged: false,
  draft: false,
  headSha: 'h'.repeat(40),
  baseSha: 'b'.repeat(40),
  baseRef: 'main',
}

/** A hand-written PullContext (policy-bot's pulltest.Context): plain values with sensible defaults. */
export class FakePullContext implements PullContext {
  readonly owner = 'acme'
  readonly repo = 'shop'
  readonly number = defaultPull.number
  /** Every membership and permission lookup, to show what the gate asked. */
  readonly lookups: string[] = []

  constructor(private readonly v: Partial<FakeValues> = {}) {}

  async pull(): Promise<PullInfo> {
    return { ...defaultPull, ...this.v.pull }
  }
  async changedFiles(): Promise<ChangedFile[]> {
    if (this.v.filesError) throw this.v.filesError
    return this.v.files ?? []
  }
  async comments(): Promise<PullComment[]> {
    return this.v.comments ?? []
  }
  async reviews(): Promise<PullReview[]> {
    return this.v.reviews ?? []
  }
  async teamMembership(team: string, login: string): Promise<MembershipState> {
    this.lookups.push(`team ${team} ${login}`)
    return this.v.teams?.[team]?.[login] ?? null
  }
  async permission(login: string): Promise<Permission> {
    this.lookups.push(`permission ${login}`)
    return this.v.permissions?.[login] ?? 'read'
  }
  async codeowners(): Promise<CodeownersSource | null> {
    return this.v.codeowners === undefined ? { path: '.github/CODEOWNERS', text: '/drizzle/ @acme/dba\n', githubErrors: [] } : this.v.codeowners
  }
}

export function comment(id: number, login: string, body: string, createdAt: string, extra: Partial<PullComment> = {}): PullComment {
  return { id, author: { login, type: 'User' }, body, createdAt, updatedAt: createdAt, ...extra }
}
