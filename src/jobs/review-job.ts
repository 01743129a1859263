import { createHash } from 'node:crypto'
import type { Config } from '../config/schema.js'
import { findTableStats } from '../config/table-stats.js'
import { buildCheckVerdict } from '../gate/check-verdict.js'
import { buildReviewedPathFilter, classifyChange } from '../gate/classify.js'
import { evaluateGate, type GateVerdict } from '../gate/evaluate-gate.js'
import { buildFingerprint } from '../gate/fingerprint.js'
import { TooManyFilesError, type ChangedFile, type PullContext } from '../gate/pull-context.js'
import type { TableStats } from '../lint/engine.js'
import type { FileSource } from '../migrations/file-source.js'
import {
  batchAnnotations,
  renderCheckRun,
  renderNoChangesCheck,
  renderSetupFailureCheck,
  type CheckRunRender,
  type ReviewOutcome,
} from '../report/render-check-run.js'
import { buildInlineComments, planInlineComments } from '../report/render-inline-comments.js'
import { renderNoChangesComment, renderStickyComment, STICKY_MARKER } from '../report/render-sticky-comment.js'
import type { ReviewReport } from '../review/review-report.js'
import type { AppState, CachedReview } from './app-state.js'
import type { CheckRunRef, CheckRunWrite, ConfigResult, RepoGateway, TreeSource } from './gateway.js'
import type { JobLogger } from './queue.js'

/** The review entry point (`src/review/review-change.ts`), injected so tests and benchmarks choose it. */
export type ReviewChangeFn = (options: { base: FileSource | null; head: FileSource; changedFiles: string[]; config: Config; tableStats?: TableStats }) => Promise<ReviewReport>

export interface JobDeps {
  state: AppState
  reviewChange: ReviewChangeFn
  /** The app's login (`<slug>[bot]`), to recognise its own comments and refuse its own approvals. */
  appLogin: string
  /** Base URL of the rule pages linked from comments. */
  rulesDocsUrl: string
  /** Whether an error should be retried by the queue (then follow-up writes rethrow it instead of logging). */
  isRetryable(error: unknown): boolean
}

export interface ReviewJob {
  pull: number
  /** Lint and replay again even if this content was reviewed (Re-run button, `/dba-recheck`). */
  force: boolean
}

/** What a review job decided, for commands that report on it. */
export interface ReviewResult {
  gate: GateVerdict
  headSha: string
  fingerprint: string
  config: Config
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex')
}

function pullKey(gw: RepoGateway, pull: number): string {
  return `${gw.owner}/${gw.repo}#${pull}`
}

/** Only CODEOWNERS or config files changed: there is nothing to lint, replay or comment on inline. */
function nothingToReview(): CachedReview {
  return { report: null, files: new Map(), patches: new Map(), inlinePublished: true }
}

function memo<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = null
  return () => (value ??= load())
}

/**
 * Writes the check run for `headSha`. Annotations go to a run exactly once, the first 50 with the write that
 * creates or completes it and the rest in follow-up updates (GitHub appends annotations on every update, so
 * re-sending them would duplicate them). A later gate-only change updates the run in place, and not at all
 * when nothing changed.
 */
async function publishCheck(gw: RepoGateway, deps: JobDeps, headSha: string, render: CheckRunRender, externalId: string, target: CheckRunRef | 'new'): Promise<CheckRunRef> {
  const recordKey = `${gw.owner}/${gw.repo}@${headSha}`
  const write: CheckRunWrite = { status: 'completed', conclusion: render.conclusion, title: render.title, summary: render.summary, actions: render.actions, externalId }
  const digest = hashOf(write)
  const record = target === 'new' ? undefined : deps.state.checkRun(recordKey)
  const known = record !== undefined && target !== 'new' && record.id === target.id
  if (known && record.lastWrite === digest) return target as CheckRunRef
  // A run found through the API (after a restart) may already carry annotations: leave it alone.
  const batches = target === 'new' || (known && !record.annotated) ? batchAnnotations(render.annotations) : []
  let run: CheckRunRef
  if (target === 'new') run = await gw.createCheckRun(headSha, { ...write, annotations: batches[0] ?? [] })
  else {
    run = target
    await gw.updateCheckRun(run.id, { ...write, annotations: batches[0] ?? [] })
  }
  for (const batch of batches.slice(1)) await gw.updateCheckRun(run.id, { ...write, annotations: batch })
  deps.state.setCheckRun(recordKey, { id: run.id, htmlUrl: run.htmlUrl, lastWrite: digest, annotated: true })
  return run
}

/** Follow-up writes (comment, inline review) never fail the evaluation, except to be retried later. */
async function followUp(deps: JobDeps, log: JobLogger, what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write()
  } catch (error) {
    if (deps.isRetryable(error)) throw error
    log.warn({ err: error }, `could not update the ${what}`)
  }
}

/** The one sticky comment: the hidden marker AND the app's login (another bot could copy the marker). */
async function upsertStickyComment(gw: RepoGateway, ctx: PullContext, appLogin: string, body: string, createIfMissing: boolean): Promise<void> {
  const existing = (await ctx.comments()).find((c) => c.author.login === appLogin && c.body.startsWith(STICKY_MARKER))
  if (existing === undefined) {
    if (createIfMissing) await gw.createComment(ctx.number, body)
    return
  }
  if (existing.body !== body) await gw.updateComment(existing.id, body)
}

async function upsertInlineComments(gw: RepoGateway, pull: number, headSha: string, review: CachedReview, rulesDocsUrl: string): Promise<void> {
  const desired = buildInlineComments(review.report?.findings ?? [], review.files, review.patches, rulesDocsUrl)
  const existing = await gw.listInlineComments(pull)
  const plan = planInlineComments(desired, existing)
  if (plan.create.length > 0) await gw.createReview(pull, headSha, plan.create)
  for (const update of plan.update) await gw.updateInlineComment(update.id, update.body)
}

async function readTexts(source: FileSource, paths: readonly string[]): Promise<Map<string, string>> {
  const texts = new Map<string, string>()
  for (const path of new Set(paths)) {
    const bytes = await source.read(path)
    if (bytes !== null) texts.set(path, bytes.toString('utf8'))
  }
  return texts
}

async function runLintAndReplay(
  deps: JobDeps,
  log: JobLogger,
  input: { base: TreeSource; head: TreeSource; files: readonly ChangedFile[]; paths: string[]; config: Config },
): Promise<CachedReview> {
  const stats = await findTableStats(input.base, input.config.lint.tableStats)
  if (stats.problems.length > 0) log.warn({ problems: stats.problems }, 'table stats file has problems; valid entries are used')
  const report = await deps.reviewChange({ base: input.base, head: input.head, changedFiles: input.paths, config: input.config, tableStats: stats.stats })
  const withFindings = report.findings.map((f) => f.file)
  const patches = new Map(input.files.filter((f) => f.patch !== undefined).map((f) => [f.path, f.patch as string]))
  return { report, files: await readTexts(input.head, withFindings), patches, inlinePublished: false }
}

/** A pull request as one job reads it: each part is fetched once, on first use. */
export interface OpenedPull {
  ctx: PullContext
  base: () => Promise<TreeSource>
  config: () => Promise<ConfigResult>
}

export function openPull(gw: RepoGateway, number: number): OpenedPull {
  const base = memo(async () => {
    const { baseSha, baseRef } = await ctx.pull()
    return gw.tree(baseSha, baseRef)
  })
  const ctx = gw.pullContext(number, base)
  return { ctx, base, config: memo(async () => gw.config(await base())) }
}

/**
 * One evaluation of a pull request, from GitHub's current state: config and CODEOWNERS from the base,
 * changed files, the content fingerprint at the head, lint and replay when this content has not been
 * reviewed yet, the DBA gate, then the check run, the sticky comment and the inline review.
 * Returns null when there was nothing to gate (closed pull request, setup failure, no gated files).
 */
export async function runReviewJob(gw: RepoGateway, job: ReviewJob, deps: JobDeps, log: JobLogger, opened: OpenedPull = openPull(gw, job.pull)): Promise<ReviewResult | null> {
  const key = pullKey(gw, job.pull)
  const { ctx, base } = opened
  const pull = await ctx.pull()
  if (pull.state !== 'open') {
    deps.state.forget(key)
    log.info({ state: pull.state }, 'pull request is not open; nothing to do')
    return null
  }
  deps.state.rememberPull(`${gw.owner}/${gw.repo}@${pull.headSha}`, job.pull)
  const existingRun = async () => {
    const known = deps.state.checkRun(`${gw.owner}/${gw.repo}@${pull.headSha}`)
    return known ? { id: known.id, htmlUrl: known.htmlUrl } : await gw.findCheckRun(pull.headSha)
  }
  const publishSetupFailure = async (render: CheckRunRender) => {
    await publishCheck(gw, deps, pull.headSha, render, 'setup-failure', (await existingRun()) ?? 'new')
  }

  const config = await opened.config()
  if (!config.ok) {
    log.warn({ problems: config.problems }, 'invalid config; failing closed')
    await publishSetupFailure(renderSetupFailureCheck(`Invalid config: ${config.source}`, config.problems, `Fix the config on the base branch (${pull.baseRef}), then re-run the review.`))
    return null
  }
  let files: ChangedFile[]
  try {
    files = await ctx.changedFiles()
  } catch (error) {
    if (!(error instanceof TooManyFilesError)) throw error
    await publishSetupFailure(renderSetupFailureCheck('Too many changed files to review', [error.message], 'Split the pull request so it changes fewer than 3,000 files.'))
    return null
  }
  const paths = files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path]))
  const change = classifyChange(paths, config.config)
  if (change.gated.length === 0) {
    await publishCheck(gw, deps, pull.headSha, renderNoChangesCheck(), 'no-changes', (await existingRun()) ?? 'new')
    await followUp(deps, log, 'sticky comment', () => upsertStickyComment(gw, ctx, deps.appLogin, renderNoChangesComment(), false))
    return null
  }

  const head = await gw.tree(pull.headSha, 'head')
  const reviewed = buildReviewedPathFilter(config.config)
  const fingerprint = buildFingerprint(
    head.entries().filter((e) => reviewed(e.path)),
    config.config,
  )
  const observations = deps.state.observe(key, pull.headSha, fingerprint)
  log.info({ headSha: pull.headSha, fingerprint: fingerprint.slice(0, 12), gated: change.gated.length }, 'evaluating')

  const needsReview = change.migrationFiles.length + change.schemaFiles.length > 0
  const reviewKey = `${key}:${fingerprint}:${pull.baseSha}`
  const cached = needsReview ? deps.state.review(reviewKey) : nothingToReview()
  let current: CachedReview
  let target: CheckRunRef | 'new'
  if (cached && !job.force) {
    current = cached
    target = (await existingRun()) ?? 'new'
  } else {
    target = await gw.createCheckRun(pull.headSha, { status: 'in_progress', title: 'Reviewing the migrations…', summary: 'Linting and replaying the change on PostgreSQL.', externalId: fingerprint })
    deps.state.setCheckRun(`${gw.owner}/${gw.repo}@${pull.headSha}`, { id: target.id, htmlUrl: target.htmlUrl, lastWrite: null, annotated: false })
    try {
      current = needsReview ? await runLintAndReplay(deps, log, { base: await base(), head, files, paths, config: config.config }) : nothingToReview()
    } catch (error) {
      if (deps.isRetryable(error)) throw error
      // The run must not stay in_progress: that blocks the merge without saying why.
      log.error({ err: error }, 'the review failed')
      const message = error instanceof Error ? error.message : String(error)
      await publishCheck(gw, deps, pull.headSha, renderSetupFailureCheck('The review could not run', [message], 'Re-run the review; if it fails again, the app\'s operator needs the logs.'), fingerprint, target)
      return null
    }
    deps.state.setReview(reviewKey, current)
  }

  const gate = await evaluateGate(ctx, {
    config: config.config,
    appLogin: deps.appLogin,
    pull,
    gated: { paths: change.gated, controlFiles: change.controlFiles },
    fingerprint,
    observations,
    buttons: deps.state.buttonApprovals(key),
  })
  const outcome: ReviewOutcome = {
    report: current.report,
    gate,
    verdict: buildCheckVerdict(current.report, gate, config.config.approval.command),
    headSha: pull.headSha,
    fingerprint,
    approveCommand: config.config.approval.command,
    rulesDocsUrl: deps.rulesDocsUrl,
  }
  const run = await publishCheck(gw, deps, pull.headSha, renderCheckRun(outcome), fingerprint, target)
  log.info({ conclusion: outcome.verdict.conclusion, gate: gate.state, checkRun: run.id }, 'published')
  await followUp(deps, log, 'sticky comment', () => upsertStickyComment(gw, ctx, deps.appLogin, renderStickyComment(outcome, run.htmlUrl), true))
  if (!current.inlinePublished) {
    await followUp(deps, log, 'inline review', async () => {
      await upsertInlineComments(gw, job.pull, pull.headSha, current, deps.rulesDocsUrl)
      current.inlinePublished = true
    })
  }
  return { gate, headSha: pull.headSha, fingerprint, config: config.config }
}
