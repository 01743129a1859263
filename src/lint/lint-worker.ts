import { parentPort } from 'node:worker_threads'
import { allRules } from '../../rules/index.js'
import { loadParser } from '../sql/parse.js'
import { lintChange } from './engine.js'
import type { ShardJob, ShardResult } from './lint-threads.js'

/** A lint helper thread: lints the shards it is sent, with the built-in rules the job names. */
const port = parentPort
if (!port) throw new Error('lint-worker runs as a worker thread')
const parser = loadParser()

port.on('message', async ({ id, options, ruleIds }: ShardJob) => {
  try {
    await parser
    const wanted = new Set(ruleIds)
    const findings = lintChange({ ...options, rules: allRules.filter((rule) => wanted.has(rule.meta.id)) })
    port.postMessage({ id, findings } satisfies ShardResult)
  } catch (error) {
    port.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ShardResult)
  }
})
