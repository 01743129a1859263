import type { PgNode } from '../sql/parse.js'
import type { TableInfo, TableRef } from '../schema/types.js'

/** Readers of libpg-query parse nodes shared by rules. */

/** The strings of a list of `String` nodes (qualified names, column lists). */
export function stringsOf(list: PgNode[] | undefined): string[] {
  return (list ?? []).map((n) => n.String?.sval as string | undefined).filter((s): s is string => s !== undefined)
}

/** A table reference from a possibly qualified name list (`DropStmt` objects, `COMMENT ON TABLE`). */
export function refOfNames(parts: string[]): TableRef | undefined {
  const name = parts[parts.length - 1]
  if (name === undefined) return undefined
  return parts.length > 1 ? { schema: parts[parts.length - 2], name } : { name }
}

/** How messages name a table: `schema.name`, or just `name` in the default `public` schema. */
export function displayName(ref: TableRef | PgNode): string {
  const schema = 'relname' in ref ? ref.schemaname : ref.schema
  const name = 'relname' in ref ? ref.relname : ref.name
  return schema && schema !== 'public' ? `${schema}.${name}` : name
}

/** A temporary table (`CREATE TEMP TABLE`): it lives for one session and never reaches production data. */
export function isTemporary(rangeVar: PgNode): boolean {
  return rangeVar.relpersistence === 't'
}

/** An identifier as SQL text, always double-quoted (drizzle's style; safe for keywords and mixed case). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** A RangeVar as SQL text: `"schema"."name"`, or `"name"` when unqualified. */
export function relationSql(rangeVar: PgNode): string {
  return rangeVar.schemaname ? `${quoteIdent(rangeVar.schemaname)}.${quoteIdent(rangeVar.relname)}` : quoteIdent(rangeVar.relname)
}

/** The commands of an `ALTER TABLE` on a table (not an index, view or sequence), with their `Constraint` or `ColumnDef`. */
export function alterTableCommands(node: PgNode): PgNode[] {
  if (node.objtype && node.objtype !== 'OBJECT_TABLE') return []
  return (node.cmds ?? []).map((item: PgNode) => item.AlterTableCmd).filter((cmd: PgNode | undefined): cmd is PgNode => cmd !== undefined)
}

/** The inline constraints of a `ColumnDef` (`NOT NULL`, `DEFAULT`, `REFERENCES`, `CHECK`…), optionally of one kind (`CONSTR_DEFAULT`). */
export function columnConstraints(def: PgNode, contype?: string): PgNode[] {
  return (def.constraints ?? [])
    .map((c: PgNode) => c.Constraint)
    .filter((c: PgNode | undefined): c is PgNode => c !== undefined && (contype === undefined || c.contype === contype))
}

/** The column a `ColumnRef` names (its last field), or undefined for anything else. */
export function columnRefName(node: PgNode | undefined): string | undefined {
  const fields: PgNode[] = node?.ColumnRef?.fields ?? []
  return fields[fields.length - 1]?.String?.sval
}

/**
 * Whether a CHECK expression guarantees `column IS NOT NULL`, the way PostgreSQL 12+ proves it before
 * skipping the `SET NOT NULL` scan: a conjunct `column IS NOT NULL` or `NOT (column IS NULL)`. A strict
 * comparison (`column > 0`) does not count: a CHECK is satisfied by NULL.
 */
export function impliesNotNull(expression: PgNode | undefined, column: string): boolean {
  if (!expression) return false
  const and = expression.BoolExpr?.boolop === 'AND_EXPR' ? expression.BoolExpr : undefined
  if (and) return (and.args ?? []).some((arg: PgNode) => impliesNotNull(arg, column))
  const test = expression.NullTest
  if (test) return test.nulltesttype === 'IS_NOT_NULL' && columnRefName(test.arg) === column
  const not = expression.BoolExpr?.boolop === 'NOT_EXPR' ? expression.BoolExpr.args?.[0]?.NullTest : undefined
  return not?.nulltesttype === 'IS_NULL' && columnRefName(not.arg) === column
}

/** Whether a boolean option of a parenthesised option list (`REINDEX (CONCURRENTLY) …`, `VACUUM (FULL) …`) is on. */
export function optionEnabled(options: PgNode[] | undefined, name: string): boolean {
  const option = (options ?? []).find((o) => o.DefElem?.defname === name)?.DefElem
  if (!option) return false
  const arg = option.arg
  if (arg?.Integer) return Boolean(arg.Integer.ival)
  const value = arg?.String?.sval
  return value === undefined || !['false', 'off', 'no'].includes(value.toLowerCase())
}

/**
 * Whether `SET NOT NULL` on `column` (explicit, or implied by adding a primary key) scans the table:
 * not when the column is already NOT NULL, nor on PostgreSQL 12+ when a validated CHECK proves it
 * (`proven-before-pg12`: such a CHECK exists but the server is too old to use it). `unknown`: dba-review
 * does not know the column (made where it cannot see, e.g. in a DO block).
 */
export function notNullScan(table: TableInfo | undefined, column: string, pgVersion: number): 'none' | 'scan' | 'proven-before-pg12' | 'unknown' {
  const info = table?.columns.get(column)
  if (!table || !info) return 'unknown'
  if (info.notNull) return 'none'
  if (!table.constraints.some((c) => c.kind === 'check' && c.validated && impliesNotNull(c.expression, column))) return 'scan'
  return pgVersion >= 12 ? 'none' : 'proven-before-pg12'
}
