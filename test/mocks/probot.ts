import { generateKeyPairSync } from 'node:crypto'
import { Writable } from 'node:stream'
import nock from 'nock'
import { pino } from 'pino'
import { Probot, ProbotOctokit } from 'probot'
import { createDbaReviewApp, type DbaReviewApp } from '../../src/app.js'
import type { ReviewChangeFn } from '../../src/jobs/review-job.js'
import { traffic } from './github.js'
import { createRequire } from 'node:module'
import type { WebhookDefinition } from '@octokit/webhooks-examples'
import type { WebhookEventMap, WebhookEventName } from '@octokit/webhooks-types'

/** One RSA key per test file: Probot signs its app JWTs with it (the token endpoint is mocked). */
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey

export const WEBHOOK_SECRET = 'test-secret-3f9a'

export interface TestApp extends DbaReviewApp {
  probot: Probot
  /** Structured log lines the app wrote. */
  logs: Array<Record<string, unknown>>
}

/**
 * Retries and throttling off, so every request is one nock interceptor and writes are not spaced 1-3 s
 * apart. A function: Probot merges its own throttle options over object defaults, but this runs after.
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object), enabled: false },
}))

export async function createTestApp(options: { reviewChange: ReviewChangeFn; clock?: () => number; concurrency?: number }): Promise<TestApp> {
  const logs: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  const probot = new Probot({ appId: 1, privateKey, secret: WEBHOOK_SECRET, Octokit: TestOctokit, log: pino({ level: 'info' }, stream) })
  const app = createDbaReviewApp({ reviewChange: options.reviewChange, ...(options.clock ? { clock: options.clock } : {}), ...(options.concurrency ? { concurrency: options.concurrency } : {}) })
  await probot.load(app.appFn)
  return { ...app, probot, logs }
}

/** Test isolation: no real network (loopback stays open for the HTTP server and PostgreSQL), clean interceptors. */
export function isolateNetwork(): void {
  nock.disableNetConnect()
  nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'))
}

/** Asserts the GitHub side of a test: every interceptor used, nothing unexpected, nothing GitHub would reject. */
export function gitHubProblems(): { pending: string[]; unmatched: string[]; invalid: string[] } {
  return { pending: nock.pendingMocks(), unmatched: [...traffic.unmatched], invalid: [...traffic.problems] }
}

export function resetGitHub(): void {
  nock.cleanAll()
  traffic.reset()
}

const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[]

/**
 * A deep copy of GitHub's own example payload for `event.action` (from @octokit/webhooks-examples),
 * the first with an installation (the app needs one), to adapt only where a field must change.
 */
export function examplePayload<E extends WebhookEventName>(event: E, action: string): WebhookEventMap[E] {
  const definition = definitions.find((d) => d.name === event)
  const examples = (definition?.examples ?? []) as Array<Record<string, unknown>>
  const found = examples.find((e) => e.action === action && e.installation) ?? examples.find((e) => e.action === action)
  if (!found) throw new Error(`no example payload for ${event}.${action}`)
  return structuredClone(found) as unknown as WebhookEventMap[E]
}

/** Delivers a payload the way `probot.receive` does (no signature check; the HTTP tests cover signatures). */
export async function deliver(app: TestApp, name: WebhookEventName, payload: object, id: string): Promise<void> {
  // The example payloads are typed by @octokit/webhooks-types, Probot by its OpenAPI webhook types.
  await app.probot.receive({ id, name, payload } as never)
}
