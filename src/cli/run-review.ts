import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { allRules } from '../../rules/index.js'
import { CONFIG_PATH, type ConfigResult, findConfig, MAX_CONFIG_BYTES, parseConfig } from '../config/load-config.js'
import type { Config } from '../config/schema.js'
import { findTableStats } from '../config/table-stats.js'
import { type ConfigProblem, decodeConfigBytes, formatConfigProblem, loadYaml } from '../config/validate-document.js'
import type { Severity } from '../lint/finding.js'
import { findChangedFiles, watchedDirs } from '../migrations/compare-migrations.js'
import type { FileSource } from '../migrations/file-source.js'
import { FsSource } from '../migrations/fs-source.js'
import type { GitSource } from '../migrations/git-source.js'
import { renderGithub } from '../report/render-github.js'
import { renderJson } from '../report/render-json.js'
import { renderDrift, renderEstimates, renderLockGantt, renderLockTable, renderMigrationTable, renderReplayFailure, renderReplayTotals, renderTraffic } from '../report/render-replay.js'
import { renderReplayText } from '../report/render-replay-text.js'
import { renderSarif } from '../report/render-sarif.js'
import { painter, renderText } from '../report/render-text.js'
import { reviewChange } from '../review/review-change.js'
import type { ReplayReport } from '../replay/report.js'
import type { ReviewReport } from '../review/review-report.js'
import { type CliIo, EXIT, packageVersion, UsageError, useColor } from './cli-io.js'

/** Where the rule pages live, for SARIF `helpUri`. */
export const RULES_DOCS_URL = 'https://github.com/dba-review/dba-review/blob/main/docs/rules'

export const LINT_FORMATS = ['text', 'json', 'sarif', 'github'] as const
export type LintFormat = (typeof LINT_FORMATS)[number]

export const REPLAY_FORMATS = ['text', 'json', 'markdown'] as const
export type ReplayFormat = (typeof REPLAY_FORMATS)[number]

/** Command-line settings that override `replay:` in the config. */
export interface ReplayOverrides {
  backend?: Config['replay']['backend']
  databaseUrl?: string
  rows?: number
  probe?: boolean
}

export type ReviewArgs = {
  paths: string[]
  base?: string
  config?: string
  repo?: string
} & (
  | { command: 'lint'; format: LintFormat }
  | { command: 'review'; format: LintFormat; replay: ReplayOverrides }
  | { command: 'replay'; format: ReplayFormat; replay: ReplayOverrides }
)

/** One migrations folder to review: the repository-like root it is read from, and the folder inside it. */
interface Target {
  root: string
  dir: string
  /** Only these repository-relative files are reported (paths named on the command line); null = all. */
  files: Set<string> | null
}

// git (child_process and the git source) loads only for --base: a plain lint never runs it.
const gitTopLevel = async (dir: string): Promise<string> => {
  const { execFile } = await import('node:child_process')
  try {
    const { stdout } = await promisify(execFile)('git', ['-C', dir, 'rev-parse', '--show-toplevel'])
    return stdout.trim()
  } catch {
    throw new UsageError(`${dir} is not inside a git repository (needed for --base)`)
  }
}

const toPosix = (p: string): string => p.split(path.sep).join('/')

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

/** Paths name migration files or folders; a folder outside the repository is read on its own. */
async function targetsOf(paths: string[], repo: string, cwd: string, config: Config, needRepo: boolean): Promise<Target[]> {
  if (paths.length === 0) return [{ root: repo, dir: config.migrations.dir, files: null }]
  const byFolder = new Map<string, Set<string> | null>()
  for (const given of paths) {
    const absolute = path.resolve(cwd, given)
    const info = statSync(absolute, { throwIfNoEntry: false })
    if (!info) throw new UsageError(`${given}: no such file or folder`)
    const folder = info.isDirectory() ? absolute : path.dirname(absolute)
    const files = byFolder.has(folder) ? byFolder.get(folder)! : new Set<string>()
    if (info.isDirectory() || files === null) byFolder.set(folder, null)
    else byFolder.set(folder, files.add(absolute))
  }
  return [...byFolder].map(([folder, files]) => {
    if (!isInside(repo, folder) && needRepo) throw new UsageError(`${folder} is outside the repository ${repo}; --base compares versions of one repository`)
    const root = isInside(repo, folder) ? repo : path.dirname(folder)
    return { root, dir: toPosix(path.relative(root, folder)), files: files && new Set([...files].map((f) => toPosix(path.relative(root, f)))) }
  })
}

/** Findings and reviewed migrations of the named files only. */
function restrict(report: ReviewReport, files: Set<string>): ReviewReport {
  const findings = report.findings.filter((f) => files.has(f.file))
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 }
  for (const f of findings) counts[f.severity]++
  return { ...report, reviewed: report.reviewed.filter((m) => files.has(m.path)), findings, counts }
}

async function loadConfig(args: ReviewArgs, root: string, cwd: string): Promise<ConfigResult> {
  if (!args.config) return findConfig(new FsSource(root), allRules)
  let bytes: Buffer
  try {
    bytes = readFileSync(path.resolve(cwd, args.config))
  } catch (error) {
    throw new UsageError(`--config ${args.config}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
  const decoded = decodeConfigBytes(bytes, args.config, MAX_CONFIG_BYTES)
  if ('problem' in decoded) return { ok: false, problems: [decoded.problem] }
  await loadYaml()
  return parseConfig(decoded.text, args.config, allRules)
}

function warn(io: CliIo, problems: ConfigProblem[]): void {
  for (const problem of problems) io.stderr.write(`warning: ${formatConfigProblem(problem)}\n`)
}

/** `dba-review lint`, `review` and `replay`: review migrations, print the result in a format, return the exit code. */
export async function runReview(args: ReviewArgs, io: CliIo): Promise<number> {
  const repo = path.resolve(io.cwd, args.repo ?? '.')
  const repoInfo = statSync(repo, { throwIfNoEntry: false })
  if (!repoInfo?.isDirectory()) throw new UsageError(`--repo ${args.repo ?? '.'}: no such folder`)
  const root = args.base ? await gitTopLevel(repo) : repo

  const loaded = await loadConfig(args, root, io.cwd)
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.stderr.write(`error: ${formatConfigProblem(problem)}\n`)
    throw new UsageError(`invalid configuration in ${loaded.problems[0]?.file ?? CONFIG_PATH}`)
  }
  warn(io, loaded.problems)
  const config = withReplay(loaded.config, args)
  const stats = await findTableStats(new FsSource(root), config.lint.tableStats)
  warn(io, stats.problems)

  const targets = await targetsOf(args.paths, root, io.cwd, config, Boolean(args.base))
  let base: GitSource | null = null
  let forkPoint: GitSource | null = null
  try {
    if (args.base) {
      const { openForkPointSource, openGitSource } = await import('../migrations/git-source.js')
      const usage = (error: Error) => Promise.reject(new UsageError(error.message))
      base = await openGitSource(root, args.base).catch(usage)
      forkPoint = await openForkPointSource(root, base).catch(usage)
    }
    const reports: ReviewReport[] = []
    for (const target of targets) {
      const targetConfig = { ...config, migrations: { ...config.migrations, dir: target.dir } }
      const head: FileSource = new FsSource(target.root)
      // What the branch changed: against where it left the base, not against what the base did since.
      const since = forkPoint ?? base
      const changedFiles = since ? await findChangedFiles(since, head, watchedDirs(targetConfig)) : []
      const replay = args.command === 'lint' ? {} : { replay: {} }
      const report = await reviewChange({ base, head, changedFiles, config: targetConfig, tableStats: stats.stats, rules: allRules, ...replay })
      // Without a base every migration is reviewed: none at all usually means the wrong folder.
      if (!base && report.reviewed.length === 0) io.stderr.write(`note: no migrations found in ${path.join(target.root, target.dir)}\n`)
      reports.push(target.files ? restrict(report, target.files) : report)
    }
    io.stdout.write(args.command === 'replay' ? renderReplay(reports, args.format, io) : render(reports, args.format, io))
    const failed = reports.flatMap((r) => (r.replay?.status === 'error' ? [r.replay.error ?? 'unknown error'] : []))
    for (const reason of failed) io.stderr.write(`dba-review: the replay could not run: ${reason}\n`)
    if (failed.length) return EXIT.couldNotRun
    // `replay` answers for the replay alone; lint and review for every finding.
    const errors = args.command === 'replay' ? reports.some((r) => r.replay?.findings.some((f) => f.severity === 'error')) : reports.some((r) => r.counts.error > 0)
    return errors ? EXIT.errorFindings : EXIT.clean
  } finally {
    base?.close()
    forkPoint?.close()
  }
}

/** `review` replays when the config enables it; `replay` always does. Command-line settings win. */
function withReplay(config: Config, args: ReviewArgs): Config {
  if (args.command === 'lint') return config
  const { backend, databaseUrl, rows, probe } = args.replay
  const replay = { ...config.replay, enabled: args.command === 'replay' || config.replay.enabled }
  if (databaseUrl !== undefined) Object.assign(replay, { databaseUrl, backend: backend ?? 'url' })
  if (backend !== undefined) replay.backend = backend
  if (rows !== undefined) replay.rows = rows
  if (probe !== undefined) replay.probe = probe
  if (replay.backend === 'url' && !replay.databaseUrl) throw new UsageError('the url backend needs --database-url (or replay.databaseUrl in the config)')
  return { ...config, replay }
}

/** The replay sections the pull-request comment uses, in reading order. */
function replayMarkdown(replay: ReplayReport): string {
  const failure = replay.status === 'passed' ? '' : renderReplayFailure(replay)
  const sections = [renderReplayTotals(replay), failure, renderMigrationTable(replay), renderLockTable(replay), renderLockGantt(replay), renderTraffic(replay), renderEstimates(replay), renderDrift(replay)]
  return ['## Replay', ...sections.filter(Boolean)].join('\n\n')
}

function renderReplay(reports: ReviewReport[], format: ReplayFormat, io: CliIo): string {
  const replays = reports.flatMap((r) => (r.replay ? [r.replay] : []))
  switch (format) {
    case 'json':
      return `${JSON.stringify(replays.length === 1 ? replays[0] : replays, null, 2)}\n`
    case 'markdown':
      return `${replays.map(replayMarkdown).join('\n\n')}\n`
    case 'text': {
      const paint = painter(useColor(io))
      return `${replays.flatMap((r) => renderReplayText(r, paint)).join('\n')}\n`
    }
  }
}

function render(reports: ReviewReport[], format: LintFormat, io: CliIo): string {
  switch (format) {
    case 'text':
      return renderText(reports, { color: useColor(io) })
    case 'json':
      return renderJson(reports)
    case 'sarif':
      return renderSarif(reports, { rules: allRules, toolVersion: packageVersion(), rulesDocsUrl: RULES_DOCS_URL })
    case 'github':
      return renderGithub(reports)
  }
}
