import type { Config } from '../config/schema.js'

export type Command =
  | { kind: 'approve'; note: string }
  | { kind: 'revoke' }
  | { kind: 'recheck' }
  | { kind: 'help' }

/** The command words; `approve` is configurable (`approval.command`), the others follow its prefix. */
export function commandWords(approve: string): Record<Command['kind'], string> {
  const prefix = approve.replace(/-?approve$/, '') || '/dba'
  return { approve, revoke: `${prefix}-revoke`, recheck: `${prefix}-recheck`, help: `${prefix}-help` }
}

/**
 * The command a comment gives, if any: the first non-blank line must start with the command word followed
 * by whitespace or the end of the line. Quoted text (`> /dba-approve`) and commands mid-sentence do not count.
 */
export function parseCommand(body: string, config: Config): Command | null {
  const firstLine = body.split(/\r?\n/).find((line) => line.trim() !== '')?.trim() ?? ''
  const words = commandWords(config.approval.command)
  for (const kind of ['approve', 'revoke', 'recheck', 'help'] as const) {
    const word = words[kind]
    if (firstLine === word || firstLine.startsWith(`${word} `) || firstLine.startsWith(`${word}\t`)) {
      if (kind === 'approve') return { kind, note: firstLine.slice(word.length).trim() }
      return { kind }
    }
  }
  return null
}
