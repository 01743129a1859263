import { describe, expect, it } from 'vitest'
import { configSchema, type Config } from '../../src/config/schema.js'
import { buildCheckVerdict } from '../../src/gate/check-verdict.js'
import { classifyChange } from '../../src/gate/classify.js'
import { parseCommand } from '../../src/gate/commands.js'
import { evaluateGate, type ButtonApproval, type FingerprintObservation, type GateVerdict } from '../../src/gate/evaluate-gate.js'
import { buildFingerprint } from '../../src/gate/fingerprint.js'
import { comment, defaultPull, FakePullContext, type FakeValues } from './fake-pull-context.js'

const FP = 'f'.repeat(64)
const OLD_FP = 'e'.repeat(64)
const T0 = Date.parse('2026-03-01T10:00:00Z')
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()

const seen: FingerprintObservation[] = [{ headSha: defaultPull.headSha, fingerprint: FP, at: T0 }]
const dbaTeam = { 'acme/dba': { dana: 'active', pat: 'pending', author: 'active' } } as const

interface Case {
  name: string
  context?: Partial<FakeValues>
  config?: Record<string, unknown>
  paths?: string[]
  observations?: FingerprintObservation[]
  buttons?: ButtonApproval[]
  state: GateVerdict['state']
  /** Substring of the reason the (first) rejected attempt carries. */
  rejected?: string
  problem?: string
}

const cases: Case[] = [
  { name: 'no approval yet: waiting', state: 'waiting' },
  {
    name: 'active DBA team member approves by comment',
    context: { comments: [comment(1, 'dana', '/dba-approve looks safe', iso(1))], teams: dbaTeam, permissions: { dana: 'write' } },
    state: 'approved',
  },
  {
    name: 'approving review by a DBA counts',
    context: {
      reviews: [{ id: 9, author: { login: 'dana', type: 'User' }, state: 'APPROVED', commitId: defaultPull.headSha, submittedAt: iso(2), body: '' }],
      teams: dbaTeam,
      permissions: { dana: 'write' },
    },
    state: 'approved',
  },
  {
    name: 'approving review ignored when approval.reviews is off',
    config: { approval: { reviews: false } },
    context: {
      reviews: [{ id: 9, author: { login: 'dana', type: 'User' }, state: 'APPROVED', commitId: defaultPull.headSha, submittedAt: iso(2), body: '' }],
      teams: dbaTeam,
      permissions: { dana: 'write' },
    },
    state: 'waiting',
  },
  {
    name: 'the author cannot approve even as a DBA',
    context: { comments: [comment(1, 'author', '/dba-approve', iso(1))], teams: dbaTeam, permissions: { author: 'admin' } },
    state: 'waiting',
    rejected: 'author cannot approve',
  },
  {
    name: 'the author may approve when approval.allowAuthor is on',
    config: { approval: { allowAuthor: true } },
    context: { comments: [comment(1, 'author', '/dba-approve', iso(1))], teams: dbaTeam, permissions: { author: 'write' } },
    state: 'approved',
  },
  {
    name: 'edited approval comment does not count',
    context: { comments: [comment(1, 'dana', '/dba-approve', iso(1), { updatedAt: iso(3) })], teams: dbaTeam, permissions: { dana: 'write' } },
    state: 'waiting',
    rejected: 'edited',
  },
  {
    name: 'pending team member is rejected',
    context: { comments: [comment(1, 'pat', '/dba-approve', iso(1))], teams: dbaTeam, permissions: { pat: 'write' } },
    state: 'waiting',
    rejected: 'pending',
  },
  {
    name: 'owner without write access is rejected',
    context: { comments: [comment(1, 'dana', '/dba-approve', iso(1))], teams: dbaTeam, permissions: { dana: 'read' } },
    state: 'waiting',
    rejected: 'read access',
  },
  {
    name: 'a bot cannot approve',
    context: { comments: [comment(1, 'dependabot[bot]', '/dba-approve', iso(1), { author: { login: 'dependabot[bot]', type: 'Bot' } })] },
    state: 'waiting',
    rejected: 'bots cannot approve',
  },
  {
    name: 'approval given before the current content was reviewed is stale',
    observations: [
      { headSha: 'a'.repeat(40), fingerprint: OLD_FP, at: T0 },
      { headSha: defaultPull.headSha, fingerprint: FP, at: T0 + 5 * 60_000 },
    ],
    context: { comments: [comment(1, 'dana', '/dba-approve', iso(1))], teams: dbaTeam, permissions: { dana: 'write' } },
    state: 'waiting',
    rejected: 'earlier content',
  },
  {
    name: 'approval survives a push that keeps the fingerprint',
    observations: [
      { headSha: 'a'.repeat(40), fingerprint: FP, at: T0 },
      { headSha: defaultPull.headSha, fingerprint: FP, at: T0 + 5 * 60_000 },
    ],
    context: { comments: [comment(1, 'dana', '/dba-approve', iso(1))], teams: dbaTeam, permissions: { dana: 'write' } },
    state: 'approved',
  },
  {
    name: 'approval the app cannot bind to reviewed content does not count',
    observations: [],
    context: { comments: [comment(1, 'dana', '/dba-approve', iso(1))], teams: dbaTeam, permissions: { dana: 'write' } },
    state: 'waiting',
    rejected: 'before dba-review had reviewed',
  },
  {
    name: 'revoke by a DBA cancels the earlier approval',
    context: {
      comments: [comment(1, 'dana', '/dba-approve', iso(1)), comment(2, 'dana', '/dba-revoke', iso(2))],
      teams: dbaTeam,
      permissions: { dana: 'write' },
    },
    state: 'waiting',
    rejected: 'revoked by @dana',
  },
  {
    name: 'approval after a revoke counts again',
    context: {
      comments: [comment(1, 'dana', '/dba-approve', iso(1)), comment(2, 'dana', '/dba-revoke', iso(2)), comment(3, 'dana', '/dba-approve', iso(3))],
      teams: dbaTeam,
      permissions: { dana: 'write' },
    },
    state: 'approved',
  },
  {
    name: 'a revoke by a non-approver does nothing',
    context: {
      comments: [comment(1, 'dana', '/dba-approve', iso(1)), comment(2, 'mallory', '/dba-revoke', iso(2))],
      teams: dbaTeam,
      permissions: { dana: 'write', mallory: 'write' },
    },
    state: 'approved',
  },
  {
    name: 'an owner of other paths only is not an approver',
    context: {
      codeowners: { path: '.github/CODEOWNERS', text: '/drizzle/ @acme/dba\n/src/api/ @ann\n', githubErrors: [] },
      comments: [comment(1, 'ann', '/dba-approve', iso(1))],
      permissions: { ann: 'write' },
    },
    state: 'waiting',
    rejected: 'not an approver',
  },
  {
    name: 'approval.users narrows CODEOWNERS',
    config: { approval: { users: ['dana'] } },
    context: {
      comments: [comment(1, 'sam', '/dba-approve', iso(1))],
      teams: { 'acme/dba': { sam: 'active' } },
      permissions: { sam: 'write' },
    },
    state: 'waiting',
    rejected: 'not an approver',
  },
  {
    name: 'approval.teams replaces CODEOWNERS when useCodeowners is off',
    config: { approval: { useCodeowners: false, teams: ['acme/platform'] } },
    context: { codeowners: null, comments: [comment(1, 'olga', '/dba-approve', iso(1))], teams: { 'acme/platform': { olga: 'active' } }, permissions: { olga: 'write' } },
    state: 'approved',
  },
  {
    name: 'button approval bound to the current fingerprint counts',
    buttons: [{ actor: { login: 'dana', type: 'User' }, fingerprint: FP, at: T0 + 60_000, checkRunId: 55 }],
    context: { teams: dbaTeam, permissions: { dana: 'write' } },
    state: 'approved',
  },
  {
    name: 'button approval by a non-owner is rejected',
    buttons: [{ actor: { login: 'mallory', type: 'User' }, fingerprint: FP, at: T0 + 60_000, checkRunId: 55 }],
    context: { teams: dbaTeam, permissions: { mallory: 'write' } },
    state: 'waiting',
    rejected: 'not an approver',
  },
  {
    name: 'button approval on an older check run is stale',
    buttons: [{ actor: { login: 'dana', type: 'User' }, fingerprint: OLD_FP, at: T0 + 60_000, checkRunId: 54 }],
    context: { teams: dbaTeam, permissions: { dana: 'write' } },
    state: 'waiting',
    rejected: 'earlier content',
  },
  {
    name: 'CODEOWNERS with errors fails closed',
    context: { codeowners: { path: '.github/CODEOWNERS', text: '/drizzle/ @acme/dba\n', githubErrors: [{ line: 1, message: 'Unknown owner' }] } },
    state: 'blocked',
    problem: '.github/CODEOWNERS:1: Unknown owner',
  },
  { name: 'no CODEOWNERS fails closed', context: { codeowners: null }, state: 'blocked', problem: 'no CODEOWNERS file' },
  {
    name: 'a changed migration without an owner fails closed',
    context: { codeowners: { path: 'CODEOWNERS', text: '/src/ @ann\n', githubErrors: [] } },
    state: 'blocked',
    problem: 'no owner in CODEOWNERS',
  },
  {
    name: 'closed pull request: nothing counts',
    context: { pull: { state: 'closed' }, comments: [comment(1, 'dana', '/dba-approve', iso(1))], teams: dbaTeam, permissions: { dana: 'write' } },
    state: 'closed',
  },
  {
    name: 'a change to CODEOWNERS needs a DBA even without migrations',
    paths: ['.github/CODEOWNERS'],
    context: { comments: [comment(1, 'dana', '/dba-approve', iso(1))], teams: dbaTeam, permissions: { dana: 'write' } },
    state: 'approved',
  },
  {
    name: 'a change to CODEOWNERS may be approved by a repository admin',
    paths: ['.github/CODEOWNERS'],
    context: { comments: [comment(1, 'root', '/dba-approve', iso(1))], permissions: { root: 'admin' } },
    state: 'approved',
  },
  {
    name: 'a repository admin cannot approve migrations without owning them',
    context: { comments: [comment(1, 'root', '/dba-approve', iso(1))], permissions: { root: 'admin' } },
    state: 'waiting',
    rejected: 'not an approver',
  },
]

describe('evaluateGate', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const config: Config = configSchema.parse(c.config ?? {})
      const ctx = new FakePullContext(c.context)
      const change = classifyChange(c.paths ?? ['drizzle/0007_add_index.sql'], config)
      const verdict = await evaluateGate(ctx, {
        config,
        appLogin: 'dba-review[bot]',
        pull: await ctx.pull(),
        gated: { paths: change.gated, controlFiles: change.controlFiles },
        fingerprint: FP,
        observations: c.observations ?? seen,
        buttons: c.buttons ?? [],
      })
      expect(verdict.state).toBe(c.state)
      if (c.rejected !== undefined) expect(verdict.rejected[0]?.reason).toContain(c.rejected)
      if (c.problem !== undefined) expect(verdict.problems.join('\n')).toContain(c.problem)
    })
  }

  it('rechecks membership for every evaluation (no stored approved flag)', async () => {
    const config = configSchema.parse({})
    const ctx = new FakePullContext({ comments: [comment(1, 'dana', '/dba-approve', iso(1))], teams: dbaTeam, permissions: { dana: 'write' } })
    await evaluateGate(ctx, {
      config,
      appLogin: 'dba-review[bot]',
      pull: await ctx.pull(),
      gated: { paths: ['drizzle/1.sql'], controlFiles: [] },
      fingerprint: FP,
      observations: seen,
      buttons: [],
    })
    expect(ctx.lookups).toEqual(['permission dana', 'team acme/dba dana'])
  })
})

describe('parseCommand', () => {
  const config = configSchema.parse({})
  it.each([
    ['/dba-approve', { kind: 'approve', note: '' }],
    ['/dba-approve  index is small\nmore text', { kind: 'approve', note: 'index is small' }],
    ['\n\n/dba-revoke', { kind: 'revoke' }],
    ['/dba-recheck', { kind: 'recheck' }],
    ['/dba-help', { kind: 'help' }],
    ['> /dba-approve', null],
    ['please /dba-approve', null],
    ['/dba-approved', null],
  ])('%j', (body, expected) => expect(parseCommand(body, config)).toEqual(expected))

  it('follows a configured command word', () => {
    const custom = configSchema.parse({ approval: { command: '/db-approve' } })
    expect(parseCommand('/db-approve ok', custom)).toEqual({ kind: 'approve', note: 'ok' })
    expect(parseCommand('/db-revoke', custom)).toEqual({ kind: 'revoke' })
  })
})

describe('buildFingerprint', () => {
  const config = configSchema.parse({})
  const files = [
    { path: 'drizzle/0001_a.sql', contentId: '1' },
    { path: 'drizzle/meta/_journal.json', contentId: '2' },
  ]
  it('does not depend on file order', () => expect(buildFingerprint(files, config)).toBe(buildFingerprint([...files].reverse(), config)))
  it('changes with content', () =>
    expect(buildFingerprint([{ path: 'drizzle/0001_a.sql', contentId: '3' }, files[1]!], config)).not.toBe(buildFingerprint(files, config)))
  it('changes with the effective config', () =>
    expect(buildFingerprint(files, configSchema.parse({ rules: { 'ban-drop-table': 'off' } }))).not.toBe(buildFingerprint(files, config)))
})

describe('buildCheckVerdict', () => {
  const report = (error: number, warning: number) => ({
    version: 1 as const,
    migrationsDir: 'drizzle',
    layout: 'drizzle' as const,
    transactionMode: 'all-pending' as const,
    reviewed: [],
    findings: [],
    counts: { error, warning, notice: 0 },
  })
  const gate = (state: GateVerdict['state']): GateVerdict => ({
    state,
    summary: state === 'approved' ? 'Approved by @dana.' : 'Waiting.',
    approvedBy: [],
    rejected: [],
    approvers: [{ paths: ['drizzle/1.sql'], who: ['@acme/dba'] }],
    problems: [],
  })
  it.each([
    ['errors fail even when approved', report(1, 0), 'approved', 'failure'],
    ['only approval missing', report(0, 2), 'waiting', 'action_required'],
    ['approved', report(0, 2), 'approved', 'success'],
    ['gate misconfigured', report(0, 0), 'blocked', 'failure'],
    ['control files only, waiting', null, 'waiting', 'action_required'],
  ] as const)('%s', (_name, r, state, conclusion) => expect(buildCheckVerdict(r, gate(state), '/dba-approve').conclusion).toBe(conclusion))
})
