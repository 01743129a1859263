import { parseArgs, type ParseArgsConfig } from 'node:util'
import { type CliIo, EXIT, packageVersion, UsageError } from './cli-io.js'

// Only node built-ins are imported up here: each command loads its own modules when it runs, so
// `--version`, `--help` and `rules` never pay for the parser, the replay engine or pg.

const USAGE = `Usage: dba-review <command> [options]

Commands:
  lint [paths…]      Lint migrations (files or folders; default: the configured migrations folder)
  review [paths…]    Lint and replay a change, one report
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

const REVIEW_HELP = (command: string, what: string) => `Usage: dba-review ${command} [paths…] [options]

${what}

Paths are migration files or folders (default: migrations.dir from the config). Without --base, every
migration is reviewed as if deployed on its own after its predecessors.

Options:
  --base <git-ref>       Review only migrations new or changed since this ref, with its migrations as context
  -f, --format <format>  text (default), json, sarif or github (workflow annotations)
  -c, --config <file>    Config file (default: <repo>/.github/dba-review.yml; missing = defaults)
  --repo <dir>           Repository root (default: .)
  -h, --help             Show this help`

const HELP: Record<string, string> = {
  lint: REVIEW_HELP('lint', 'Lints migrations with PostgreSQL\'s own parser and the rule catalogue.'),
  review: REVIEW_HELP('review', 'Reviews a change: lint, then (when replay is enabled and available) replay on PostgreSQL 16; one report.'),
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

  switch (command) {
    case 'lint':
    case 'review': {
      const { values, positionals } = parse(rest, REVIEW_OPTIONS)
      if (values.help) return printHelp(help, io)
      const { LINT_FORMATS, runReview } = await import('./run-review.js')
      const format = oneOf(values.format, LINT_FORMATS, '--format')
      return runReview({ paths: positionals, format, repo: values.repo, ...(values.base ? { base: values.base } : {}), ...(values.config ? { config: values.config } : {}) }, io)
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

/** The process entry (bin/dba-review.js). */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  })
}
