/**
 * Replay benchmarks (`npm run bench:replay [-- <drizzle migrations folder>]`):
 * 1. cold start of the embedded backend (initdb + start + version check), target ≤ 1.5 s;
 * 2. warm replay (template exists) of one new 5-statement migration on a 50-migration base, request to
 *    report, target ≤ 500 ms;
 * 3. probing overhead: the same change applied with lock/rewrite tracing vs plainly, on clones of the
 *    same template on the same server, target ≤ 1.25×;
 * 4. a full replay of a real history (default: the corpus' simstudioai__sim), every migration pending.
 */
import { join } from 'node:path'
import { configSchema } from '../src/config/schema.js'
import { compareMigrationSets } from '../src/migrations/compare-migrations.js'
import { findMigrationSet } from '../src/migrations/find-migration-set.js'
import { FsSource } from '../src/migrations/fs-source.js'
import type { Migration, MigrationChange, MigrationSet } from '../src/migrations/types.js'
import { loadParser, parseMigration } from '../src/sql/parse.js'
import { limitsOf, policyOf, replayChange } from '../src/replay/replay.js'
import { runMigrations } from '../src/replay/run.js'
import { backendPid, Sandbox } from '../src/replay/sandbox.js'
import type { ReplayServer } from '../src/replay/server.js'
import { startReplayServer } from '../src/replay/start-server.js'
import { ensureTemplate, templateState } from '../src/replay/template.js'
import { Tracer } from '../src/replay/trace.js'
import { Watchdog } from '../src/replay/watchdog.js'
import { createHash } from 'node:crypto'

const CORPUS = process.env.DBA_REVIEW_CORPUS ?? '/work/shared/corpus'
const folder = process.argv[2] ?? join(CORPUS, 'simstudioai__sim')
const config = configSchema.parse({ migrations: { dir: '' } })

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b)
  return `min ${sorted[0]!.toFixed(0)} ms, median ${sorted[sorted.length >> 1]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (${times.length} runs)`
}

function median(times: number[]): number {
  return [...times].sort((a, b) => a - b)[times.length >> 1] as number
}

function migration(id: string, text: string, order: number): Migration {
  return { id, path: `drizzle/${id}.sql`, text, hash: createHash('sha256').update(text).digest('hex'), order, breakpoints: true, when: 1_700_000_000_000 + order * 1000, idx: order }
}

/** A 50-migration base shaped like an application's history: tables, then foreign keys, indexes and column changes. */
function syntheticBase(): Migration[] {
  const texts: string[] = []
  for (let i = 0; i < 20; i++) {
    texts.push(
      [
        `CREATE TABLE "t${i}" ("id" serial PRIMARY KEY NOT NULL, "name" varchar(100) NOT NULL, "owner_id" integer, "status" text DEFAULT 'new' NOT NULL, "created_at" timestamp with time zone DEFAULT now() NOT NULL);`,
        `CREATE INDEX "t${i}_name_idx" ON "t${i}" USING btree ("name");`,
      ].join('--> statement-breakpoint\n'),
    )
  }
  for (let i = 1; i < 16; i++) texts.push(`ALTER TABLE "t${i}" ADD CONSTRAINT "t${i}_owner_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."t${i - 1}"("id") ON DELETE cascade ON UPDATE no action;`)
  for (let i = 0; i < 15; i++) texts.push(`ALTER TABLE "t${i}" ADD COLUMN "note${i}" text;--> statement-breakpoint\nCREATE INDEX "t${i}_owner_idx" ON "t${i}" USING btree ("owner_id");`)
  return texts.map((text, i) => migration(`${String(i).padStart(4, '0')}_base`, text, i))
}

const CHANGE_SQL = [
  'ALTER TABLE "t3" ADD COLUMN "priority" integer DEFAULT 0 NOT NULL;',
  'CREATE INDEX "t3_priority_idx" ON "t3" USING btree ("priority");',
  'CREATE TABLE "audit" ("id" serial PRIMARY KEY NOT NULL, "t3_id" integer NOT NULL, "at" timestamp DEFAULT now() NOT NULL);',
  'ALTER TABLE "audit" ADD CONSTRAINT "audit_t3_fk" FOREIGN KEY ("t3_id") REFERENCES "public"."t3"("id") ON DELETE cascade;',
  'ALTER TABLE "t4" ALTER COLUMN "status" SET DEFAULT \'open\';',
].join('--> statement-breakpoint\n')

function drizzleChange(base: Migration[], added: Migration[]): MigrationChange {
  const set = (migrations: Migration[]): MigrationSet => ({ layout: 'drizzle', dir: 'drizzle', migrations, ignoredFiles: [], snapshots: [], problems: [] })
  return { base: set(base), head: set([...base, ...added]), added, edited: [], removed: [], changedSchemaFiles: [], changedFiles: added.map((m) => m.path) }
}

async function coldStart(): Promise<void> {
  const times: number[] = []
  for (let i = 0; i < 3; i++) {
    const start = performance.now()
    const server = await startReplayServer(config)
    times.push(performance.now() - start)
    await server.stop()
  }
  console.log(`1. cold start, embedded (initdb + start + version check): ${summary(times)}  [target ≤ 1500 ms]`)
}

async function warmReplay(server: ReplayServer, change: MigrationChange): Promise<void> {
  const first = await replayChange(change, config, { server })
  console.log(`2. warm replay, 1 migration of 5 statements on a 50-migration base: template built in ${first.base.buildMs?.toFixed(0)} ms (status ${first.status})`)
  const times: number[] = []
  for (let i = 0; i < 10; i++) {
    const start = performance.now()
    const report = await replayChange(change, config, { server })
    times.push(performance.now() - start)
    if (report.base.template !== 'reused' || report.status !== 'passed') throw new Error(`unexpected: ${report.status} ${report.base.template}`)
  }
  console.log(`   request → report: ${summary(times)}  [target ≤ 500 ms]`)
}

/**
 * One replay of the change, traced or plain: clone, session, apply, clean-up. Returns the time to apply
 * it (tracing work included: the template state, the scan baselines, every observation) and the time
 * from clone to clean-up.
 */
async function replayOnce(server: ReplayServer, change: MigrationChange, traced: boolean): Promise<{ applyMs: number; totalMs: number }> {
  const limits = limitsOf(config)
  const policy = policyOf(config)
  const drizzle = { schema: 'drizzle', table: '__drizzle_migrations' }
  const total = performance.now()
  const templated = await ensureTemplate(server, { migrations: change.base?.migrations ?? [], mode: 'all-pending', drizzle, policy, limits })
  if (!templated.ok) throw new Error('base failed')
  const sandbox = await Sandbox.open(server, { template: templated.template.database, templateOwner: templated.template.owner, limits })
  let applyMs = 0
  try {
    const client = await sandbox.connect()
    const pid = await backendPid(client)
    const parsed = change.head.migrations.map(parseMigration)
    const start = performance.now()
    const state = traced ? await templateState(server, templated.template, sandbox.admin) : undefined
    const tracer = state ? new Tracer(state.capture, state.initial) : undefined
    const run = await runMigrations(
      { admin: sandbox.admin, adminPid: sandbox.adminPid, client, pid, watchdog: new Watchdog(server, sandbox.database, limits), policy, tracer, clock: () => performance.now() - start },
      { migrations: parsed, mode: 'all-pending', drizzle },
    )
    if (run.stop) throw new Error('change failed')
    applyMs = performance.now() - start
  } finally {
    await sandbox.dispose()
  }
  return { applyMs, totalMs: performance.now() - total }
}

async function probingOverhead(server: ReplayServer, change: MigrationChange): Promise<void> {
  const plain: Array<{ applyMs: number; totalMs: number }> = []
  const traced: Array<{ applyMs: number; totalMs: number }> = []
  for (let i = 0; i < 21; i++) {
    plain.push(await replayOnce(server, change, false))
    traced.push(await replayOnce(server, change, true))
  }
  const ratio = (pick: (r: { applyMs: number; totalMs: number }) => number) => (median(traced.map(pick)) / median(plain.map(pick))).toFixed(2)
  console.log('3. probing overhead, same change and server, alternating plain and traced runs:')
  console.log(`   replay (clone → apply → clean-up): plain ${summary(plain.map((r) => r.totalMs))}; traced ${summary(traced.map((r) => r.totalMs))}`)
  console.log(`   traced / plain replay time (medians): ${ratio((r) => r.totalMs)}×  [target ≤ 1.25×]`)
  console.log(`   applying the 5 statements alone: plain ${summary(plain.map((r) => r.applyMs))}; traced ${summary(traced.map((r) => r.applyMs))}; ratio ${ratio((r) => r.applyMs)}×`)
}

async function fullHistory(server: ReplayServer): Promise<void> {
  const set = await findMigrationSet(new FsSource(folder), config)
  const change = compareMigrationSets(null, set, [], config)
  const start = performance.now()
  const report = await replayChange(change, config, { server })
  const ms = performance.now() - start
  const applied = report.migrations.filter((m) => m.status === 'applied').length
  const executed = report.migrations.flatMap((m) => m.statements).filter((s) => s.status === 'ok').length
  console.log(`4. full replay of ${folder}: ${set.migrations.length} migrations, status ${report.status} in ${ms.toFixed(0)} ms (change ${report.totals.ms.toFixed(0)} ms)`)
  console.log(`   ${applied} migrations applied, ${executed} statements traced, ${report.transactions.length} transactions, ${report.locks.length} locks on pre-existing relations`)
  for (const finding of report.findings.filter((f) => f.severity === 'error')) console.log(`   ${finding.ruleId} ${finding.file}:${finding.range.start.line}: ${finding.message}`)
}

await loadParser()
await coldStart()
const server = await startReplayServer(config)
try {
  const change = drizzleChange(syntheticBase(), [migration('0050_change', CHANGE_SQL, 50)])
  await warmReplay(server, change)
  await probingOverhead(server, change)
  await fullHistory(server)
} finally {
  await server.stop()
}
