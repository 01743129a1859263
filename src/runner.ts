import { run } from 'probot'
import type { ReplayBackend } from './jobs/app-review.js'
import { ReviewThread } from './jobs/review-thread.js'
import { createDbaReviewApp } from './app.js'

/**
 * Refuses a missing or default webhook secret: Probot would silently verify signatures with the literal
 * `development`, and anyone could then send the app forged events.
 */
export function assertWebhookSecret(secret: string | undefined): string {
  if (secret === undefined || secret.trim() === '') throw new Error('WEBHOOK_SECRET is not set: refusing to start without verifying webhook signatures')
  if (secret === 'development') throw new Error('WEBHOOK_SECRET is "development", Probot\'s publicly known default: set the secret configured in the GitHub App')
  return secret
}

/**
 * Starts the app server (Probot's: `GET /ping` health check, webhooks on `WEBHOOK_PATH`). Without
 * `APP_ID` it starts Probot's manifest setup flow instead, which registers the app from `app.yml` and
 * writes `.env`; with `APP_ID` a real webhook secret is required.
 */
export async function startApp(env: NodeJS.ProcessEnv = process.env) {
  if (env.APP_ID) assertWebhookSecret(env.WEBHOOK_SECRET)
  const backend = (env.DBA_REVIEW_REPLAY_BACKEND ?? 'embedded') as ReplayBackend['backend']
  if (!['embedded', 'docker', 'url'].includes(backend)) throw new Error(`DBA_REVIEW_REPLAY_BACKEND must be embedded, docker or url; got "${backend}"`)
  // Lint and replay run on their own thread, with the replay servers: webhooks are answered meanwhile.
  const reviews = new ReviewThread({
    backend,
    ...(env.DBA_REVIEW_REPLAY_DATABASE_URL ? { databaseUrl: env.DBA_REVIEW_REPLAY_DATABASE_URL } : {}),
    ...(env.DBA_REVIEW_REPLAY_TEMP_DIR ? { tempDir: env.DBA_REVIEW_REPLAY_TEMP_DIR } : {}),
  })
  const app = createDbaReviewApp({
    reviewChange: reviews.review,
    ...(env.DBA_REVIEW_RULES_URL ? { rulesDocsUrl: env.DBA_REVIEW_RULES_URL } : {}),
    concurrency: Number(env.DBA_REVIEW_CONCURRENCY ?? 2),
  })
  // Probot's throttling does not retry secondary rate limits; the failed job is re-queued after `retry-after`.
  const server = await run(app.appFn, { env })
  const stop = async () => {
    app.queue.close()
    await server.stop()
    await reviews.close()
  }
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)))
  return { server, app, stop }
}
