import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/** Only `src/github/`, `src/handlers/`, `src/app.ts` and the runner may touch Probot or Octokit (DEVELOPERS.md). */
const ROOT = new URL('../../src/', import.meta.url).pathname
const ALLOWED = ['github/', 'handlers/', 'app.ts', 'runner.ts', 'main.ts']

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []))
}

describe('module boundaries', () => {
  it('domain code never imports Probot or Octokit', () => {
    const offenders = files(ROOT)
      .map((file) => relative(ROOT, file))
      .filter((file) => !ALLOWED.some((allowed) => file === allowed || file.startsWith(allowed)))
      .filter((file) => /from ['"](probot|@octokit\/[^'"]+|@probot\/[^'"]+)['"]/.test(readFileSync(join(ROOT, file), 'utf8')))
    expect(offenders).toEqual([])
  })
})
