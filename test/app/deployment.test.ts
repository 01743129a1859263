import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { HANDLED_EVENTS } from '../../src/app.js'

const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as { default_events: string[]; default_permissions: Record<string, string> }
const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8')

describe('app.yml', () => {
  it('subscribes to exactly the events the app handles', () => expect([...manifest.default_events].sort()).toEqual([...HANDLED_EVENTS].sort()))

  it('asks for the minimum permissions, and no commit statuses', () =>
    expect(manifest.default_permissions).toEqual({ checks: 'write', contents: 'read', pull_requests: 'write', issues: 'write', members: 'read', metadata: 'read', merge_queues: 'read' }))
})

describe('Dockerfile', () => {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
  it.each([
    ['is multi-stage', /FROM node:20-bookworm-slim AS build[\s\S]*\nFROM node:20-bookworm-slim\n/],
    ['compiles TypeScript in the build stage', /RUN npx tsc -p tsconfig\.app\.json/],
    ['listens on all interfaces', /HOST=0\.0\.0\.0/],
    ['runs as the non-root node user', /\nUSER node\n/],
    ['checks health on /ping', /HEALTHCHECK[\s\S]*\/ping/],
  ])('%s', (_name, pattern) => expect(dockerfile).toMatch(pattern))

  it('ships no compiler or dev dependencies in the runtime stage', () => {
    expect(runtime).not.toMatch(/npm (ci|install)|tsc/)
    expect(dockerfile).toMatch(/npm prune --omit=dev/)
  })
})
