import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { main } from '../../src/cli/main.js'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const FIXTURES = 'test/fixtures/cli'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `main()` in-process (fast) with a captured terminal. */
export async function runCli(argv: string[], options: { env?: Record<string, string>; tty?: boolean; cwd?: string } = {}): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    cwd: options.cwd ?? ROOT,
    stdoutIsTTY: options.tty ?? false,
  })
  return { code, stdout, stderr }
}

/** Runs the built CLI as a process, as users do (`npm test` builds first). */
export function spawnCli(argv: string[], options: { env?: Record<string, string>; cwd?: string } = {}): CliRun {
  const result = spawnSync(process.execPath, [`${ROOT}bin/dba-review.cjs`, ...argv], { cwd: options.cwd ?? ROOT, env: { PATH: process.env.PATH ?? '', ...options.env }, encoding: 'utf8' })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}
