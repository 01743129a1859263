/**
 * `npm run bench:webhook [-- --seconds 10 --rate 50 --runs 20]`: the GitHub App under load, with GitHub's
 * API mocked in-process (the stateful fake of the tests, OpenAPI validation included) and the real review
 * (lint, and replay on an embedded PostgreSQL 16).
 *
 * 1. Webhook acknowledgement: signed deliveries over HTTP at `rate`/s for `seconds` s, a realistic mix
 *    (plain comments, and synchronize events that queue reviews which run meanwhile on the same 2 cores).
 *    Prints p50/p95/p99/max of the time to GitHub's answer; target p99 ≤ 50 ms.
 * 2. synchronize → completed check: a typical change (one new migration on a 50-migration base, warm
 *    template), `runs` times; prints p50/p95 from the delivery to the completed check run; targets ≤ 2 s / ≤ 5 s.
 *
 * Requests are not validated against the OpenAPI description here (the tests do that). Writes are not
 * spaced as Probot's throttling spaces them on GitHub (≥ 1 s between writes, 3 s between
 * comments): that pacing is GitHub's rule, not the app's latency, and would dominate part 2.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createNodeMiddleware } from 'probot'
import { ReviewThread } from '../src/jobs/review-thread.js'
import { GitHubFake } from '../test/mocks/github-fake.js'
import { journal } from '../test/mocks/fixture-repo.js'
import { traffic } from '../test/mocks/github.js'
import { createTestApp, examplePayload, isolateNetwork, WEBHOOK_SECRET } from '../test/mocks/probot.js'
import { commentEvent, pullEvent } from '../test/mocks/scenario.js'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, rate: { type: 'string', default: '50' }, runs: { type: 'string', default: '20' } } })
const seconds = Number(values.seconds)
const rate = Number(values.rate)
const runs = Number(values.runs)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}
const fmt = (ms: number) => `${ms.toFixed(1)} ms`
const sha = () => randomBytes(20).toString('hex')

// A 50-migration Drizzle history on the base branch.
const tags = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(4, '0')}_t${i}`)
const baseTree: Record<string, string> = {
  '.github/CODEOWNERS': '* @Codertocat\n/drizzle/ @Octocoders/dba\n',
  '.github/dba-review.yml': 'paths:\n  migrations: ["drizzle/**"]\n',
  'drizzle/meta/_journal.json': journal(tags),
}
tags.forEach((tag, i) => {
  baseTree[`drizzle/${tag}.sql`] = `CREATE TABLE "t${i}" (\n\t"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY NOT NULL,\n\t"name" text NOT NULL\n);\n`
})
const BASE = sha()

/** A head with one new migration; `n` makes its content (and so the fingerprint) new each time. */
function headWith(n: number): { tree: Record<string, string>; files: Array<{ path: string; status: 'added' | 'modified'; content?: string; patch?: string }> } {
  const tag = `0050_change_${n}`
  const sql = `SET lock_timeout = '2s';--> statement-breakpoint\nALTER TABLE "t7" ADD COLUMN "note_${n}" text;\n`
  return {
    tree: { ...baseTree, [`drizzle/${tag}.sql`]: sql, 'drizzle/meta/_journal.json': journal([...tags, tag]) },
    files: [
      { path: `drizzle/${tag}.sql`, status: 'added', content: sql },
      { path: 'drizzle/meta/_journal.json', status: 'modified', patch: '@@ -1,1 +1,1 @@\n-{}\n+{}' },
    ],
  }
}

isolateNetwork()
// The tests validate every request against GitHub's OpenAPI description; here it would run in the app's
// process and be timed as the app's own latency.
traffic.validate = false
const github = new GitHubFake('Codertocat', 'Hello-World')
github.install()
github.trees.set(BASE, baseTree)
github.teams.set('Octocoders/dba', new Map([['dana', 'active']]))
const PULLS = 20
for (let number = 1; number <= PULLS; number++) {
  const head = headWith(number)
  const headSha = sha()
  github.trees.set(headSha, head.tree)
  github.pulls.set(number, { number, author: { login: 'erin', type: 'User' }, state: 'open', merged: false, headSha, baseSha: BASE, baseRef: 'main', files: head.files })
}

const reviews = new ReviewThread({ backend: 'embedded' })
const app = await createTestApp({ reviewChange: reviews.review })
const middleware = await createNodeMiddleware(app.appFn, { probot: app.probot })
const http = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()))
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/github/webhooks`
let deliveries = 0

async function deliver(event: string, payload: object): Promise<number> {
  const body = JSON.stringify(payload)
  const started = performance.now()
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': `bench-${++deliveries}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
    },
    body,
  })
  await response.text()
  if (response.status !== 200) throw new Error(`delivery answered ${response.status}`)
  return performance.now() - started
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2))
}

// Warm-up: start PostgreSQL, build the base template, load the parser and the validator.
const warm = performance.now()
await deliver('pull_request', pullEvent('synchronize', github.pulls.get(1)!.headSha, 1))
await app.queue.onIdle()
console.log(`warm-up (PostgreSQL start, template build, first review): ${fmt(performance.now() - warm)}`)

/** Deliveries at `rate`/s for `seconds` s; `pushes`: whether 2 in 5 are pushes that queue real reviews. */
async function load(pushes: boolean): Promise<{ acks: number[]; rate: number; loopP99: number }> {
  const acks: number[] = []
  const pending: Array<Promise<void>> = []
  const total = seconds * rate
  const loop = monitorEventLoopDelay({ resolution: 5 })
  loop.enable()
  const loadStart = performance.now()
  for (let i = 0; i < total; i++) {
    const due = loadStart + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const number = (i % PULLS) + 1
    let send: Promise<number>
    if (pushes && i % 5 < 2) {
      // A push: new content, so a real review is queued behind the webhook.
      const head = headWith(1000 + i)
      const headSha = sha()
      github.trees.set(headSha, head.tree)
      Object.assign(github.pulls.get(number)!, { headSha, files: head.files })
      send = deliver('pull_request', pullEvent('synchronize', headSha, number))
    } else {
      const comment = github.addComment(number, 'mallory', `Looks fine ${i}`)
      send = deliver('issue_comment', commentEvent('created', comment, number))
    }
    pending.push(send.then((ms) => void acks.push(ms)))
  }
  await Promise.all(pending)
  loop.disable()
  return { acks: acks.sort((a, b) => a - b), rate: acks.length / ((performance.now() - loadStart) / 1000), loopP99: loop.percentile(99) / 1e6 }
}

console.log(`load average before: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores; other processes count)`)
for (const pushes of [false, true]) {
  const result = await load(pushes)
  const { acks } = result
  console.log(`\n1${pushes ? 'b' : 'a'}. webhook acknowledgement, ${acks.length} deliveries at ${rate}/s (${result.rate.toFixed(1)}/s achieved), ${pushes ? '2 in 5 pushes queueing real reviews (lint + replay) meanwhile' : 'comments only (no review work)'}:`)
  console.log(`   p50 ${fmt(percentile(acks, 50))} · p95 ${fmt(percentile(acks, 95))} · p99 ${fmt(percentile(acks, 99))} (target ≤ 50 ms) · max ${fmt(acks.at(-1) ?? NaN)} · event-loop delay p99 ${fmt(result.loopP99)}`)
  const drain = performance.now()
  await app.queue.onIdle()
  if (pushes) console.log(`   queued reviews drained ${fmt(performance.now() - drain)} after the last delivery`)
}

// 2. synchronize → completed check, one change at a time on a warm template.
const times: number[] = []
for (let run = 0; run < runs; run++) {
  const head = headWith(5000 + run)
  const headSha = sha()
  github.trees.set(headSha, head.tree)
  Object.assign(github.pulls.get(1)!, { headSha, files: head.files })
  const started = performance.now()
  await deliver('pull_request', pullEvent('synchronize', headSha, 1))
  await waitFor(() => github.latestRun(headSha)?.status === 'completed')
  times.push(performance.now() - started)
  await app.queue.onIdle()
  const summary = github.latestRun(headSha)?.summary ?? ''
  if (!/\*\*Replay\*\* on PostgreSQL 16[^\n]*passed/.test(summary)) throw new Error(`run ${run}: the check run shows no passed replay:\n${summary}`)
}
times.sort((a, b) => a - b)
console.log(`\n2. synchronize → completed check (1 new migration on a 50-migration base, warm template), ${runs} runs:`)
console.log(`   p50 ${fmt(percentile(times, 50))} (target ≤ 2 s) · p95 ${fmt(percentile(times, 95))} (target ≤ 5 s) · min ${fmt(times[0] ?? NaN)} · max ${fmt(times.at(-1) ?? NaN)}`)
const failures = app.queue.failures.length
if (failures > 0) console.log(`\n${failures} job(s) failed; first: ${String(app.queue.failures[0]?.error)}`)

await new Promise((resolve) => http.close(resolve))
await reviews.close()
process.exit(failures > 0 ? 1 : 0)
