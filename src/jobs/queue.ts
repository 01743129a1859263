import { BoundedMap } from './bounded-map.js'

/** The subset of pino's logger jobs use. */
export interface JobLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  child(bindings: object): JobLogger
}

export interface JobSpec {
  /** Jobs with the same key run one after another (one pull request: `owner/repo#number`). */
  key: string
  /**
   * Pending jobs with the same coalesce key do the same work (same pull request, head SHA and kind): the
   * later one is dropped. Null for jobs that must each run (a command must be answered).
   */
  coalesceKey: string | null
  /** `X-GitHub-Delivery`: a redelivery of a seen id is dropped. */
  deliveryId: string
  log: JobLogger
  run(log: JobLogger): Promise<void>
}

export type EnqueueResult = 'queued' | 'duplicate-delivery' | 'coalesced'

export interface QueueOptions {
  concurrency: number
  maxAttempts: number
  /** Milliseconds to wait before retrying after `error`, or null when the error is final. */
  retryDelay(error: unknown): number | null
}

interface Entry {
  spec: JobSpec
  attempt: number
}

/**
 * The in-process job queue behind the webhook: handlers enqueue and return, so GitHub gets its answer in
 * milliseconds and the review runs after the response. Per pull request jobs run in order; across pull
 * requests up to `concurrency` at once. Secondary rate limits and other retryable errors put the job back
 * after the delay GitHub asked for. Jobs live in memory: a restart drops queued work, and the next
 * event for that pull request (or `/dba-recheck`) redoes it from GitHub's state.
 */
export class JobQueue {
  private readonly seenDeliveries = new BoundedMap<string, true>(50_000)
  private readonly waiting = new Map<string, Entry[]>()
  private readonly runningKeys = new Set<string>()
  private readonly ready: string[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private active = 0
  private idleWaiters: Array<() => void> = []
  /** Jobs that failed for good, for tests and the health of the process. */
  readonly failures: Array<{ deliveryId: string; key: string; error: unknown }> = []

  constructor(private readonly options: QueueOptions) {}

  enqueue(spec: JobSpec): EnqueueResult {
    const deliveryKey = `${spec.deliveryId}:${spec.coalesceKey ?? spec.key}`
    if (this.seenDeliveries.has(deliveryKey)) return 'duplicate-delivery'
    this.seenDeliveries.set(deliveryKey, true)
    const queue = this.waiting.get(spec.key) ?? []
    if (spec.coalesceKey !== null && queue.some((e) => e.spec.coalesceKey === spec.coalesceKey)) return 'coalesced'
    this.push({ spec, attempt: 1 })
    return 'queued'
  }

  /** Resolves when nothing is queued, running or waiting for a retry. */
  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Drops retries that have not started yet (shutdown). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.settle()
  }

  private isIdle(): boolean {
    return this.active === 0 && this.waiting.size === 0 && this.timers.size === 0
  }

  private push(entry: Entry): void {
    const queue = this.waiting.get(entry.spec.key)
    if (queue) queue.push(entry)
    else {
      this.waiting.set(entry.spec.key, [entry])
      this.ready.push(entry.spec.key)
    }
    // After the current tick: the webhook answer goes out before any job work starts.
    setImmediate(() => this.pump())
  }

  private pump(): void {
    while (this.active < this.options.concurrency) {
      const index = this.ready.findIndex((key) => !this.runningKeys.has(key))
      if (index === -1) return
      const key = this.ready.splice(index, 1)[0] as string
      const queue = this.waiting.get(key)
      const entry = queue?.shift()
      if (!queue || !entry) continue
      if (queue.length === 0) this.waiting.delete(key)
      else this.ready.push(key)
      this.start(entry)
    }
  }

  private start(entry: Entry): void {
    const { spec } = entry
    this.active++
    this.runningKeys.add(spec.key)
    const log = spec.log.child({ attempt: entry.attempt })
    const started = Date.now()
    spec
      .run(log)
      .then(
        () => log.info({ ms: Date.now() - started }, 'job done'),
        (error: unknown) => this.failed(entry, log, error),
      )
      .finally(() => {
        this.active--
        this.runningKeys.delete(spec.key)
        this.pump()
        this.settle()
      })
  }

  private failed(entry: Entry, log: JobLogger, error: unknown): void {
    const delay = this.options.retryDelay(error)
    if (delay !== null && entry.attempt < this.options.maxAttempts) {
      log.warn({ err: error, retryInMs: delay }, 'job hit a retryable error; re-queued')
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        this.push({ spec: entry.spec, attempt: entry.attempt + 1 })
      }, delay)
      this.timers.add(timer)
      return
    }
    log.error({ err: error }, 'job failed')
    this.failures.push({ deliveryId: entry.spec.deliveryId, key: entry.spec.key, error })
  }

  private settle(): void {
    if (!this.isIdle()) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}

/** Thrown by a job that should run again later (e.g. GitHub does not list a just-created comment yet). */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason)
    this.name = 'RetryLater'
  }
}
