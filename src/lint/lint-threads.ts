import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { allRules } from '../../rules/index.js'
import { startWorker } from '../threads/start-worker.js'
import { lintChange, type LintOptions, reviewBatches } from './engine.js'
import { compareFindings, type Finding } from './finding.js'

export interface ShardJob {
  id: number
  options: Omit<LintOptions, 'rules'>
  ruleIds: string[]
}

export type ShardResult = { id: number; findings: Finding[] } | { id: number; error: string }

export interface Shard {
  from: number
  to: number
}

/**
 * Costs of a helper thread in units of linting one byte of migration SQL (measured on the corpus
 * benchmark): starting it (loading the modules, compiling the parser), and parsing a byte of the
 * migrations before its shard, which it needs as context. A misestimate only unbalances the shards.
 */
const HELPER_START_BYTES = 60_000
const CONTEXT_BYTE_COST = 0.2
/** More threads than this gain little: each pays its start and the parse of the history before its shard. */
const MAX_LINT_THREADS = 4

/** Threads (this one included) a run may lint on by default: one per CPU, at most `MAX_LINT_THREADS`. */
export function defaultLintThreads(): number {
  return Math.min(availableParallelism(), MAX_LINT_THREADS)
}

/** Below this much SQL a run finishes before a helper would have started. */
const MIN_PARALLEL_BYTES = 2 * HELPER_START_BYTES

/**
 * Splits batches (by their SQL size) into consecutive shards: the first for this thread, one for each
 * helper, so that all finish together. Each helper pays its start and its context; the smallest finishing
 * time that covers every batch is found by bisection.
 */
export function planShards(weights: readonly number[], helpers: number, helperStart = HELPER_START_BYTES): Shard[] {
  const prefix = [0]
  for (const weight of weights) prefix.push(prefix[prefix.length - 1]! + weight)
  const total = prefix[weights.length]!
  const plan = (limit: number): Shard[] | null => {
    const shards: Shard[] = []
    let from = 0
    for (let thread = 0; thread <= helpers && from < weights.length; thread++) {
      const overhead = thread === 0 ? 0 : helperStart + CONTEXT_BYTE_COST * prefix[from]!
      let to = from
      while (to < weights.length && overhead + prefix[to + 1]! - prefix[from]! <= limit) to++
      if (to > from) shards.push({ from, to })
      from = to
    }
    return from === weights.length ? shards : null
  }
  let low = 0
  let high = total
  let best = plan(high) ?? [{ from: 0, to: weights.length }]
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2)
    const shards = plan(middle)
    if (shards) {
      best = shards
      high = middle
    } else low = middle
  }
  return best
}

/**
 * Lints a run on this thread and, when the run is large enough to pay for them, on helper threads too:
 * linting a whole history reviews every migration as its own batch, and batches split into shards whose
 * findings are exactly those of one thread. Helpers start on first use and serve later runs; a helper
 * that fails has its shard linted here, so nothing is lost.
 */
export class LintThreads {
  private readonly workers = new Map<number, Worker>()
  private readonly pending = new Map<number, { worker: Worker; settle: (result: ShardResult) => void }>()
  private nextId = 0
  /** Shards linted on helper threads, and those linted here after their helper failed. */
  readonly counts = { helperShards: 0, recovered: 0 }
  /** Why a helper last failed, for the user. */
  lastFailure: string | undefined

  constructor(private readonly helpers: number) {}

  async lint(options: LintOptions): Promise<Finding[]> {
    const builtIn = new Set<unknown>(allRules)
    const weights = reviewBatches(options.change).map((batch) => batch.reduce((sum, migration) => sum + migration.text.length, 0))
    const total = weights.reduce((sum, weight) => sum + weight, 0)
    // Helpers load the built-in rules themselves; a run with other rules stays on this thread.
    if (this.helpers < 1 || total < MIN_PARALLEL_BYTES || !options.rules.every((rule) => builtIn.has(rule))) return lintChange(options)
    const [own, ...others] = planShards(weights, this.helpers, this.workers.size > 0 ? 0 : HELPER_START_BYTES)
    if (!own || others.length === 0) return lintChange(options)
    const { rules, ...shared } = options
    const ruleIds = rules.map((rule) => rule.meta.id)
    const remote = others.map((shard, i) =>
      this.run(i, { ...shared, shard }, ruleIds).then(
        (findings) => {
          this.counts.helperShards++
          return findings
        },
        (error: Error) => {
          this.counts.recovered++
          this.lastFailure = error.message.split('\n')[0]
          return lintChange({ ...options, shard })
        },
      ),
    )
    const findings = lintChange({ ...options, shard: own })
    for (const part of await Promise.all(remote)) findings.push(...part)
    return findings.sort(compareFindings)
  }

  async close(): Promise<void> {
    const workers = [...this.workers.values()]
    this.workers.clear()
    await Promise.all(workers.map((worker) => worker.terminate()))
  }

  private run(index: number, options: ShardJob['options'], ruleIds: string[]): Promise<Finding[]> {
    const worker = this.worker(index)
    const id = ++this.nextId
    // A job in flight keeps the process alive; an idle helper does not.
    worker.ref()
    return new Promise<Finding[]>((resolve, reject) => {
      const settle = (result: ShardResult) => ('error' in result ? reject(new Error(result.error)) : resolve(result.findings))
      this.pending.set(id, { worker, settle })
      worker.postMessage({ id, options, ruleIds } satisfies ShardJob)
    }).finally(() => {
      if (![...this.pending.values()].some((job) => job.worker === worker)) worker.unref()
    })
  }

  private settle(result: ShardResult): void {
    const job = this.pending.get(result.id)
    this.pending.delete(result.id)
    job?.settle(result)
  }

  private worker(index: number): Worker {
    const existing = this.workers.get(index)
    if (existing) return existing
    const worker = startWorker('lint-worker', import.meta.url)
    worker.on('message', (result: ShardResult) => this.settle(result))
    // A helper that crashes fails its jobs (their shards are linted here instead) and is replaced on next use.
    const fail = (error: string): void => {
      if (this.workers.get(index) === worker) this.workers.delete(index)
      for (const [id, job] of this.pending) if (job.worker === worker) this.settle({ id, error })
    }
    worker.on('error', (error) => fail(error.message))
    worker.on('exit', (code) => fail(`the lint helper exited (code ${code})`))
    worker.unref()
    this.workers.set(index, worker)
    return worker
  }
}
