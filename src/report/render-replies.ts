import { commandWords } from '../gate/commands.js'
import type { GateVerdict } from '../gate/evaluate-gate.js'
import { code } from './markdown.js'

/** A short reply to a command dba-review did not accept: who, which command, why. */
export function renderRejectionReply(login: string, command: string, reason: string): string {
  return `@${login} ${code(command)} was not accepted: ${reason}.`
}

/** `/dba-help`: the commands and who may approve this pull request. */
export function renderHelpReply(approveCommand: string, gate: GateVerdict | null): string {
  const words = commandWords(approveCommand)
  const lines = [
    '**dba-review commands** (comment them on their own line, in a new comment):',
    `- ${code(`${words.approve} [note]`)}: approve the reviewed migrations (DBA owners of the changed paths; not the author)`,
    `- ${code(words.revoke)}: withdraw approval`,
    `- ${code(words.recheck)}: lint and replay the current head again`,
    `- ${code(words.help)}: this help`,
    '',
    'An approval is bound to the reviewed content: a push that changes a migration, the schema or the config needs a new one.',
  ]
  if (gate && gate.approvers.length > 0) {
    lines.push('', `Approvers for this pull request: ${[...new Set(gate.approvers.flatMap((a) => a.who))].join(', ')}.`)
  }
  return lines.join('\n')
}
