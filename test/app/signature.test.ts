import { createHmac, generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { assertWebhookSecret, startApp } from '../../src/runner.js'
import { appMock, repoMock, traffic } from '../mocks/github.js'
import { examplePayload, gitHubProblems, isolateNetwork, resetGitHub } from '../mocks/probot.js'

const SECRET = 'a-real-secret-5d1c'
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

const payload = examplePayload('merge_group', 'checks_requested')
const body = JSON.stringify(payload)
const sign = (text: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`

let started: Awaited<ReturnType<typeof startApp>>
let url: string

async function post(headers: Record<string, string>, content = body): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'merge_group', 'x-github-delivery': `sig-${Math.random()}`, ...headers },
    body: content,
  })
  return { status: response.status, text: await response.text() }
}

beforeAll(async () => {
  isolateNetwork()
  const port = await freePort()
  url = `http://127.0.0.1:${port}`
  started = await startApp({ APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'fatal', NODE_ENV: 'production' })
})
afterAll(() => started.stop())
beforeEach(resetGitHub)

describe('the webhook endpoint of the real server', () => {
  it('answers GET /ping for health checks', async () => {
    const response = await fetch(`${url}/ping`)
    expect([response.status, await response.text()]).toEqual([200, 'PONG'])
  })

  it('processes a correctly signed delivery', async () => {
    appMock.app()
    appMock.installationToken(payload.installation!.id)
    repoMock('octo-org', 'octo-repo').createCheckRun(31)
    expect(await post({ 'x-hub-signature-256': sign(body) })).toEqual({ status: 200, text: 'ok\n' })
    await started.app.queue.onIdle()
    expect(started.app.queue.failures).toEqual([])
    expect(traffic.requests.at(-1)).toMatchObject({ method: 'POST', path: '/repos/octo-org/octo-repo/check-runs', body: { name: 'dba-review', head_sha: payload.merge_group.head_sha, conclusion: 'success' } })
    expect(gitHubProblems()).toEqual({ pending: [], unmatched: [], invalid: [] })
  })

  it.each([
    ['a wrong signature', { 'x-hub-signature-256': sign(body, 'not-the-secret') }],
    ['a signature of other content', { 'x-hub-signature-256': sign(`${body} `) }],
    ['no signature', {}],
  ])('rejects %s with 400 and does nothing', async (_name, headers) => {
    const response = await post(headers)
    expect(response.status).toBe(400)
    await started.app.queue.onIdle()
    expect(traffic.requests).toEqual([])
    expect(gitHubProblems()).toEqual({ pending: [], unmatched: [], invalid: [] })
  })
})

describe('the runner refuses to start without a real webhook secret', () => {
  it.each([undefined, '', '   ', 'development'])('%j', (secret) => {
    expect(() => assertWebhookSecret(secret)).toThrow(/WEBHOOK_SECRET/)
  })

  it('startApp with APP_ID but the default secret', async () => {
    await expect(startApp({ APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 'development' })).rejects.toThrow('Probot\'s publicly known default')
    await expect(startApp({ APP_ID: '1', PRIVATE_KEY: privateKey })).rejects.toThrow('WEBHOOK_SECRET is not set')
  })

  it('accepts a real secret', () => expect(assertWebhookSecret(SECRET)).toBe(SECRET))
})
