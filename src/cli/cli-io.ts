import { readFileSync } from 'node:fs'

/** What a command may touch of its process: injected so tests run commands in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  stdoutIsTTY: boolean
}

/** The run cannot start or go on (bad arguments, bad config, unknown ref): exit code 2, one clear line. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export const EXIT = { clean: 0, errorFindings: 1, couldNotRun: 2 } as const

/** Colour on a terminal only; NO_COLOR turns it off, FORCE_COLOR forces it (https://no-color.org, https://force-color.org). */
export function useColor(io: CliIo): boolean {
  if (io.env.NO_COLOR) return false
  const force = io.env.FORCE_COLOR
  if (force !== undefined) return force !== '0' && force !== 'false'
  return io.stdoutIsTTY
}

let version: string | undefined
/** The package version, from the nearest package.json above this module (src/ under tsx, dist/src/ when built). */
export function packageVersion(): string {
  if (version) return version
  for (let url = new URL('package.json', import.meta.url); ; url = new URL('../package.json', url)) {
    try {
      const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'dba-review' && pkg.version) return (version = pkg.version)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    if (url.pathname === '/package.json') throw new Error('package.json of dba-review not found')
  }
}
