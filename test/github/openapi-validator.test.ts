import { describe, expect, it } from 'vitest'
import { validateGitHubRequest } from '../mocks/openapi.js'

const R = '/repos/acme/shop'
const output = { title: 'Waiting for DBA approval', summary: 'ok' }

describe('validateGitHubRequest (GitHub\'s OpenAPI description)', () => {
  it('accepts a valid check run', () => {
    expect(validateGitHubRequest('POST', `${R}/check-runs`, { name: 'dba-review', head_sha: 'a'.repeat(40), status: 'completed', conclusion: 'action_required', output })).toEqual([])
  })

  it.each([
    ['an unknown route', 'GET', '/repos/acme/shop/nope', undefined, 'no such route'],
    ['a wrong method', 'DELETE', `${R}/check-runs/5`, undefined, 'has no DELETE operation'],
    ['a non-integer path parameter', 'GET', `${R}/pulls/abc`, undefined, 'must be integer'],
    ['an unknown query parameter', 'GET', `${R}/pulls/2/files?per_page=100&everything=1`, undefined, 'unknown query parameter everything'],
    ['a missing required field', 'POST', `${R}/check-runs`, { name: 'dba-review', output }, "must have required property 'head_sha'"],
    ['a wrongly typed field', 'POST', `${R}/issues/2/comments`, { body: 42 }, '/body must be string'],
    ['an invalid enum value', 'POST', `${R}/check-runs`, { name: 'dba-review', head_sha: 'a', conclusion: 'passed', output }, 'must be equal to one of the allowed values'],
    ['a summary over 65,535 characters', 'POST', `${R}/check-runs`, { name: 'x', head_sha: 'a', output: { title: 't', summary: 'x'.repeat(65_536) } }, 'must NOT have more than 65535 characters'],
    [
      'more than 50 annotations',
      'PATCH',
      `${R}/check-runs/5`,
      { output: { title: 't', summary: 's', annotations: Array.from({ length: 51 }, () => ({ path: 'a.sql', start_line: 1, end_line: 1, annotation_level: 'warning', message: 'm' })) } },
      'must NOT have more than 50 items',
    ],
    ['a button label over 20 characters', 'POST', `${R}/check-runs`, { name: 'x', head_sha: 'a', actions: [{ label: 'Approve this change now', description: 'd', identifier: 'i' }] }, '/actions/0/label must NOT have more than 20 characters'],
    ['a button description over 40 characters', 'POST', `${R}/check-runs`, { name: 'x', head_sha: 'a', actions: [{ label: 'l', description: 'x'.repeat(41), identifier: 'i' }] }, '/actions/0/description must NOT have more than 40'],
    ['a button identifier over 20 characters', 'POST', `${R}/check-runs`, { name: 'x', head_sha: 'a', actions: [{ label: 'l', description: 'd', identifier: 'x'.repeat(21) }] }, '/actions/0/identifier must NOT have more than 20'],
    ['a completed update without conclusion', 'PATCH', `${R}/check-runs/5`, { status: 'completed', output }, "must have required property 'conclusion'"],
    ['an invalid reaction', 'POST', `${R}/issues/comments/5/reactions`, { content: 'thumbsup' }, 'must be equal to one of the allowed values'],
    ['a body where none is taken', 'GET', `${R}/pulls/2`, { x: 1 }, 'takes no JSON body'],
  ])('rejects %s', (_name, method, url, body, message) => {
    expect(validateGitHubRequest(method, url, body).join('\n')).toContain(message)
  })
})
