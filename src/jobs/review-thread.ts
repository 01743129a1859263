import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { FileSource } from '../migrations/file-source.js'
import type { ReviewReport } from '../review/review-report.js'
import type { ReplayBackend } from './app-review.js'
import type { FromWorker, ToWorker } from './review-protocol.js'
import type { ReviewChangeFn } from './review-job.js'

interface Pending {
  sources: { base: FileSource | null; head: FileSource }
  resolve: (report: ReviewReport) => void
  reject: (error: Error) => void
}

/**
 * Runs reviews (lint, replay) on one worker thread that keeps its replay servers warm, so the thread that
 * answers GitHub's webhooks never blocks behind parsing and linting. A crashed worker fails the reviews
 * it had and is started again for the next one.
 */
export class ReviewThread {
  private worker: Worker | null = null
  private readonly pending = new Map<number, Pending>()
  private nextId = 0

  constructor(private readonly settings: ReplayBackend) {}

  readonly review: ReviewChangeFn = (options) =>
    new Promise<ReviewReport>((resolve, reject) => {
      const id = ++this.nextId
      this.pending.set(id, { sources: { base: options.base, head: options.head }, resolve, reject })
      const { base, head, ...rest } = options
      this.post({ type: 'review', id, options: { ...rest, baseLabel: base?.label ?? null, headLabel: head.label } })
      // A review in flight keeps the process alive; an idle worker does not.
      this.worker?.ref()
    })

  async close(): Promise<void> {
    const worker = this.worker
    if (!worker) return
    this.worker = null
    const exited = new Promise((resolve) => worker.once('exit', resolve))
    worker.postMessage({ type: 'stop' } satisfies ToWorker)
    await exited
  }

  private post(message: ToWorker): void {
    this.start().postMessage(message)
  }

  private start(): Worker {
    if (this.worker) return this.worker
    const self = fileURLToPath(import.meta.url)
    const script = new URL(`./review-worker${extname(self)}`, import.meta.url)
    // From TypeScript sources (tests, benchmarks) the worker registers tsx's loader first; the built app runs .js.
    const worker =
      extname(self) === '.ts'
        ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script.href)}) })`, { eval: true, workerData: this.settings })
        : new Worker(script, { workerData: this.settings })
    worker.on('message', (message: FromWorker) => void this.receive(worker, message))
    worker.on('error', (error) => this.failAll(error))
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null
      if (this.pending.size > 0) this.failAll(new Error(`the review thread exited (code ${code})`))
    })
    worker.unref()
    this.worker = worker
    return worker
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error)
    this.pending.clear()
  }

  private async receive(worker: Worker, message: FromWorker): Promise<void> {
    if (message.type === 'read') {
      const source = this.pending.get(message.reviewId)?.sources[message.source]
      try {
        if (!source) throw new Error(`no ${message.source} source for review ${message.reviewId}`)
        const value = message.op === 'list' ? await source.list(message.arg) : await source.read(message.arg)
        worker.postMessage({ type: 'read-result', readId: message.readId, value } satisfies ToWorker)
      } catch (error) {
        worker.postMessage({ type: 'read-result', readId: message.readId, error: error instanceof Error ? error.message : String(error) } satisfies ToWorker)
      }
      return
    }
    const pending = this.pending.get(message.id)
    this.pending.delete(message.id)
    if (this.pending.size === 0) worker.unref()
    if (message.type === 'done') pending?.resolve(message.report)
    else pending?.reject(new Error(message.message))
  }
}
