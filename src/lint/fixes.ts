import type { Migration } from '../migrations/types.js'
import { BREAKPOINT, type PgNode, type Statement } from '../sql/parse.js'
import { relationSql } from './ast.js'
import type { Fix, TextEdit } from './finding.js'
import { parseIgnoreComment } from './ignores.js'
import type { RuleContext } from './rule.js'
import { quoteIdent } from '../sql/quote.js'

/**
 * Whether the current statement commits on its own: outside a transaction block, and not in the body of a
 * DO block (which runs as one function call: one transaction, where CONCURRENTLY is refused too).
 */
export function commitsOnItsOwn(ctx: RuleContext): boolean {
  return !ctx.transaction.inTransaction && !ctx.statement?.inDoBlock
}

/** Inserts `text` right after the part of the statement that `prefix` (anchored at its first token) matches. */
export function insertAfterPrefix(statement: Statement, prefix: RegExp, text: string): TextEdit | undefined {
  const match = prefix.exec(statement.text)
  if (!match || match.index !== 0) return undefined
  const at = statement.range.start.offset + match[0].length
  return { start: at, end: at, text }
}

/**
 * Inserts `sql` (one statement with its `;`) before `statement`: above the statement's ignore directives so
 * they keep applying to it, and as a chunk of its own when the file is split on `--> statement-breakpoint`
 * (drivers send each chunk as one query; not every one accepts several statements in a query).
 */
export function insertStatementBefore(migration: Migration, statement: Statement, sql: string): TextEdit {
  const directive = statement.leadingComments.find((c) => parseIgnoreComment(c)?.scope === 'statement')
  const at = directive?.start ?? statement.range.start.offset
  const separator = migration.breakpoints && migration.text.includes(BREAKPOINT) ? `${BREAKPOINT}\n` : '\n'
  return { start: at, end: at, text: `${sql}${separator}` }
}

/** Removes the first part of the statement that `pattern` matches. */
export function removeMatch(statement: Statement, pattern: RegExp): TextEdit | undefined {
  const match = pattern.exec(statement.text)
  if (!match) return undefined
  const start = statement.range.start.offset + match.index
  return { start, end: start + match[0].length, text: '' }
}

/**
 * Turns a lone validating `ALTER TABLE … ADD CONSTRAINT name CHECK/FOREIGN KEY …;` into the same statement
 * `NOT VALID` plus `ALTER TABLE … VALIDATE CONSTRAINT name;` in a statement of its own. This only helps when
 * the two commit separately: in one transaction the ADD's lock (ACCESS EXCLUSIVE for a CHECK, SHARE ROW
 * EXCLUSIVE on both tables for a foreign key) is held until COMMIT, through the whole validation scan. So
 * the fix is offered only when the statement runs in autocommit and the file is split on
 * `--> statement-breakpoint` (each chunk is one query: a chunk with both statements would be one implicit
 * transaction), and only for a named constraint that is the statement's only command.
 */
export function splitValidationFix(ctx: RuleContext, alter: PgNode, constraint: PgNode): Fix | undefined {
  const { statement, migration } = ctx
  if (!statement || !migration?.breakpoints || !commitsOnItsOwn(ctx)) return undefined
  if ((alter.cmds ?? []).length !== 1 || !constraint.conname) return undefined
  const end = statement.range.end.offset
  const at = statement.text.endsWith(';') ? end - 1 : end
  const target = `${alter.missing_ok ? 'IF EXISTS ' : ''}${alter.relation.inh ? '' : 'ONLY '}${relationSql(alter.relation)}`
  return {
    description: 'Add the constraint NOT VALID, then validate it in its own statement (SHARE UPDATE EXCLUSIVE: reads and writes continue)',
    edits: [{ start: at, end, text: ` NOT VALID;\n--> statement-breakpoint\nALTER TABLE ${target} VALIDATE CONSTRAINT ${quoteIdent(constraint.conname)};` }],
  }
}
