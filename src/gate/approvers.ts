import type { Config } from '../config/schema.js'
import { findOwningRule, parseCodeowners, splitOwners, type OwnerSet } from './codeowners.js'
import type { Actor, PullContext, PullInfo } from './pull-context.js'

/**
 * Paths that the same people may approve. A login qualifies when it is listed in every set that applies
 * (CODEOWNERS owners narrowed by `approval.users`/`approval.teams`), or, for CODEOWNERS and config files,
 * also when it has admin permission.
 */
export interface ApproverGroup {
  paths: string[]
  /** Owners from CODEOWNERS; null when `approval.useCodeowners` is off. */
  codeowners: OwnerSet | null
  /** Owners from the config; null when the config names none. */
  configured: OwnerSet | null
  allowAdmins: boolean
}

export type ApproverSetup = { ok: true; groups: ApproverGroup[] } | { ok: false; problems: string[] }

function configuredOwners(config: Config): OwnerSet | null {
  const { users, teams } = config.approval
  return users.length + teams.length > 0 ? { users: [...users], teams: [...teams] } : null
}

/** The probe path standing for "the migrations folder" when CODEOWNERS or config files change. */
function migrationsProbe(config: Config): string {
  return `${config.migrations.dir.replace(/\/+$/, '')}/0000_dba_review_probe.sql`
}

/**
 * Who may approve which gated paths. Fails closed: a CODEOWNERS file with errors (ours or GitHub's), a
 * missing one, or a gated path that no one may approve makes the whole setup a problem list.
 */
export async function findApproverGroups(
  ctx: PullContext,
  config: Config,
  gated: { paths: readonly string[]; controlFiles: readonly string[] },
): Promise<ApproverSetup> {
  const configured = configuredOwners(config)
  const problems: string[] = []
  let ownersOf: (path: string) => OwnerSet | null = () => null
  if (config.approval.useCodeowners) {
    const source = await ctx.codeowners()
    if (source === null) return { ok: false, problems: ['no CODEOWNERS file on the base branch (.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS), and approval.useCodeowners is on'] }
    const parsed = parseCodeowners(source.text)
    const errors = [...source.githubErrors, ...parsed.errors]
    if (errors.length > 0) {
      const listed = errors.map((e) => `${source.path}:${e.line}: ${e.message}`)
      return { ok: false, problems: [`${source.path} on the base branch has errors, so GitHub ignores it and so does the gate:`, ...listed] }
    }
    ownersOf = (path) => {
      const owners = splitOwners(findOwningRule(parsed, path)?.owners ?? [])
      return owners.users.length + owners.teams.length > 0 ? owners : null
    }
  } else if (configured === null) {
    return { ok: false, problems: ['approval.useCodeowners is off and approval.users / approval.teams name no one'] }
  }

  const groups = new Map<string, ApproverGroup>()
  const add = (path: string, codeowners: OwnerSet | null, allowAdmins: boolean) => {
    const key = JSON.stringify([codeowners, allowAdmins])
    const group = groups.get(key)
    if (group) group.paths.push(path)
    else groups.set(key, { paths: [path], codeowners, configured, allowAdmins })
  }
  for (const path of gated.paths) {
    const control = gated.controlFiles.includes(path)
    const subject = control ? migrationsProbe(config) : path
    const owners = config.approval.useCodeowners ? ownersOf(subject) : null
    if (config.approval.useCodeowners && owners === null) {
      problems.push(control ? `${path}: changes the gate itself, and no DBA owns ${config.migrations.dir}/ in CODEOWNERS` : `${path}: no owner in CODEOWNERS, so no DBA can approve it`)
      continue
    }
    add(path, owners, control)
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, groups: [...groups.values()] }
}

/** `@user`, `@org/team`, `repository admins`: who may approve a group, for messages. */
export function describeApprovers(group: ApproverGroup): string[] {
  const names = (set: OwnerSet) => [...set.users.map((u) => `@${u}`), ...set.teams.map((t) => `@${t}`)]
  const base = group.codeowners ? names(group.codeowners) : names(group.configured ?? { users: [], teams: [] })
  const narrowed = group.codeowners && group.configured ? [`${base.join(', ')} (limited to ${names(group.configured).join(', ')})`] : base
  return group.allowAdmins ? [...narrowed, 'repository admins'] : narrowed
}

export type Authorization = { ok: true; groups: ApproverGroup[] } | { ok: false; reason: string }

export interface AuthorizationInput {
  actor: Actor
  pull: PullInfo
  config: Config
  /** The app's own login (`<slug>[bot]`). */
  appLogin: string
  groups: readonly ApproverGroup[]
}

function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/** Whether `login` is in `set`: listed by name, or an ACTIVE member of a listed team. */
async function qualifies(ctx: PullContext, set: OwnerSet, login: string, pending: string[]): Promise<boolean> {
  if (set.users.some((user) => sameLogin(user, login))) return true
  for (const team of set.teams) {
    const state = await ctx.teamMembership(team, login)
    if (state === 'active') return true
    if (state === 'pending') pending.push(team)
  }
  return false
}

/**
 * The one authorization check for every way of approving or revoking (comment, review, check-run button):
 * not a bot, not the author (unless allowed), pull request open, write access, and an owner of at least
 * one approver group. Returns the groups the actor may approve.
 */
export async function authorizeApprover(ctx: PullContext, input: AuthorizationInput): Promise<Authorization> {
  const { actor, pull, config, appLogin } = input
  if (actor.type !== 'User' || sameLogin(actor.login, appLogin) || actor.login.endsWith('[bot]')) {
    return { ok: false, reason: 'bots cannot approve' }
  }
  if (!config.approval.allowAuthor && sameLogin(actor.login, pull.author.login)) {
    return { ok: false, reason: 'the pull request author cannot approve their own change' }
  }
  if (pull.state !== 'open') return { ok: false, reason: `the pull request is ${pull.merged ? 'merged' : 'closed'}` }
  const permission = await ctx.permission(actor.login)
  const admin = permission === 'admin'
  if (permission !== 'admin' && permission !== 'write') {
    return { ok: false, reason: `@${actor.login} has ${permission} access to the repository; approvers need write access` }
  }
  const pending: string[] = []
  const granted: ApproverGroup[] = []
  for (const group of input.groups) {
    if (group.allowAdmins && admin) {
      granted.push(group)
      continue
    }
    const byCodeowners = group.codeowners === null || (await qualifies(ctx, group.codeowners, actor.login, pending))
    const byConfig = group.configured === null || (await qualifies(ctx, group.configured, actor.login, pending))
    if (byCodeowners && byConfig) granted.push(group)
  }
  if (granted.length > 0) return { ok: true, groups: granted }
  if (pending.length > 0) {
    return { ok: false, reason: `@${actor.login}'s membership of ${[...new Set(pending)].map((t) => `@${t}`).join(', ')} is pending (invitation not accepted)` }
  }
  const who = [...new Set(input.groups.flatMap(describeApprovers))].join(', ')
  return { ok: false, reason: `@${actor.login} is not an approver for the changed schema and migration files (approvers: ${who})` }
}
