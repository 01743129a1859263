import { parentPort, workerData } from 'node:worker_threads'
import { allRules } from '../../rules/index.js'
import type { FileSource } from '../migrations/file-source.js'
import { createAppReview, ReplayServers, type ReplayBackend } from './app-review.js'
import type { FromWorker, ToWorker } from './review-protocol.js'

/**
 * The review thread: parsing, linting and driving the replay run here, so the webhook thread never waits
 * behind them. Files are read on demand from the main thread, which owns the GitHub connection.
 */

const port = parentPort
if (!port) throw new Error('review-worker.ts runs as a worker thread')
const servers = new ReplayServers(workerData as ReplayBackend)
const review = createAppReview(allRules, servers)
const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
let nextRead = 0

function send(message: FromWorker): void {
  port!.postMessage(message)
}

/** A FileSource whose reads are answered by the main thread. */
function remoteSource(reviewId: number, source: 'base' | 'head', label: string): FileSource {
  const ask = (op: 'list' | 'read', arg: string) =>
    new Promise<unknown>((resolve, reject) => {
      const readId = ++nextRead
      waiting.set(readId, { resolve, reject })
      send({ type: 'read', readId, reviewId, source, op, arg })
    })
  return {
    label,
    list: async (dir) => (await ask('list', dir)) as string[],
    read: async (path) => {
      const bytes = (await ask('read', path)) as Uint8Array | null
      return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    },
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'read-result') {
    const pending = waiting.get(message.readId)
    waiting.delete(message.readId)
    if (message.error !== undefined) pending?.reject(new Error(message.error))
    else pending?.resolve(message.value)
    return
  }
  if (message.type === 'stop') {
    void servers.stopAll().then(() => port.close())
    return
  }
  const { id, options } = message
  review({
    ...options,
    base: options.baseLabel === null ? null : remoteSource(id, 'base', options.baseLabel),
    head: remoteSource(id, 'head', options.headLabel),
  }).then(
    (report) => send({ type: 'done', id, report }),
    (error: unknown) => send({ type: 'failed', id, message: error instanceof Error ? error.message : String(error) }),
  )
})
