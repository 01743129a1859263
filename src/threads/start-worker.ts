import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * Starts the worker module `name` that sits beside the calling module (`from` is its `import.meta.url`),
 * in the built output (`.js`) and from TypeScript sources alike: there (tests, benchmarks) the worker
 * registers tsx's loader before importing itself.
 */
export function startWorker(name: string, from: string, options: WorkerOptions = {}): Worker {
  const extension = extname(fileURLToPath(from))
  const script = new URL(`./${name}${extension}`, from)
  if (extension !== '.ts') return new Worker(script, options)
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script.href)}) })`, { ...options, eval: true })
}
