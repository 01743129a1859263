import { run } from 'probot'
import { allRules } from '../rules/index.js'
import { reviewChange } from './review/review-change.js'
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
  const app = createDbaReviewApp({
    reviewChange: (options) => reviewChange({ ...options, rules: allRules }),
    ...(env.DBA_REVIEW_RULES_URL ? { rulesDocsUrl: env.DBA_REVIEW_RULES_URL } : {}),
    concurrency: Number(env.DBA_REVIEW_CONCURRENCY ?? 2),
  })
  // Probot's throttling does not retry secondary rate limits; the failed job is re-queued after `retry-after`.
  const server = await run(app.appFn, { env })
  process.once('SIGTERM', () => {
    app.queue.close()
    void server.stop().then(() => process.exit(0))
  })
  return { server, app }
}
