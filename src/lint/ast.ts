import type { RuleContext } from './rule.js'
import { quoteIdent } from '../sql/quote.js'
import type { PgNode } from '../sql/parse.js'
import type { TableInfo, TableRef } from '../schema/types.js'

/** Readers of libpg-query parse nodes shared by rules. */

/** The strings of a list of `String` nodes (qualified names, column lists). */
export function stringsOf(list: PgNode[] | undefined): string[] {
  const strings: string[] = []
  for (const n of list ?? []) {
    const s: string | undefined = n.String?.sval
    if (s !== undefined) strings.push(s)
  }
  return strings
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

/** A RangeVar as SQL text: `"schema"."name"`, or `"name"` when unqualified. */
export function relationSql(rangeVar: PgNode): string {
  return rangeVar.schemaname ? `${quoteIdent(rangeVar.schemaname)}.${quoteIdent(rangeVar.relname)}` : quoteIdent(rangeVar.relname)
}

/**
 * Rules call these helpers for every statement: their loops are indexed, since a for-of allocates an
 * iterator per loop and a result per element in V8's baseline tier, where most of a CLI run's code stays.
 */
const NO_NODES: readonly PgNode[] = []

/** An `ALTER TABLE` on a table (not an index, view or sequence). */
function altersTable(node: PgNode): boolean {
  return !node.objtype || node.objtype === 'OBJECT_TABLE'
}

/** The commands of an `ALTER TABLE` on a table (not an index, view or sequence), with their `Constraint` or `ColumnDef`. */
export function alterTableCommands(node: PgNode): PgNode[] {
  if (!altersTable(node)) return []
  const cmds: PgNode[] = []
  const items: readonly PgNode[] = node.cmds ?? NO_NODES
  for (let i = 0; i < items.length; i++) if (items[i]!.AlterTableCmd !== undefined) cmds.push(items[i]!.AlterTableCmd)
  return cmds
}

/**
 * The commands of the given subtypes (`AT_DropColumn`…) of an ALTER TABLE of a table that existed before the
 * change; none for a table the change created. Most ALTER TABLEs have none of a rule's subtypes, so the schema
 * model is asked only when there are some.
 */
export function existingTableCommands(ctx: RuleContext, alter: PgNode, subtypes: readonly string[]): readonly PgNode[] {
  if (!altersTable(alter)) return NO_NODES
  let cmds: PgNode[] | undefined
  const items: readonly PgNode[] = alter.cmds ?? NO_NODES
  for (let i = 0; i < items.length; i++) {
    const cmd: PgNode | undefined = items[i]!.AlterTableCmd
    if (cmd !== undefined && subtypes.includes(cmd.subtype)) (cmds ??= []).push(cmd)
  }
  return cmds && ctx.isExistingTable(alter.relation) ? cmds : NO_NODES
}

const ADD_COLUMN = ['AT_AddColumn']

/**
 * The `ColumnDef`s an ALTER TABLE adds to a table that existed before the change, leaving out
 * `ADD COLUMN IF NOT EXISTS` of a column the table already has (a no-op).
 */
export function columnsAddedToExistingTable(ctx: RuleContext, alter: PgNode): PgNode[] {
  const adds = existingTableCommands(ctx, alter, ADD_COLUMN)
  if (!adds.length) return []
  const table = ctx.schema.table(alter.relation)
  const defs: PgNode[] = []
  for (let i = 0; i < adds.length; i++) {
    const cmd = adds[i]!
    if (cmd.def?.ColumnDef && !(cmd.missing_ok && table?.columns.has(cmd.def.ColumnDef.colname))) defs.push(cmd.def.ColumnDef)
  }
  return defs
}

/** The inline constraints of a `ColumnDef` (`NOT NULL`, `DEFAULT`, `REFERENCES`, `CHECK`…), optionally of one kind (`CONSTR_DEFAULT`). */
export function columnConstraints(def: PgNode, contype?: string): PgNode[] {
  const constraints: PgNode[] = []
  const items: readonly PgNode[] = def.constraints ?? NO_NODES
  for (let i = 0; i < items.length; i++) {
    const c: PgNode | undefined = items[i]!.Constraint
    if (c !== undefined && (contype === undefined || c.contype === contype)) constraints.push(c)
  }
  return constraints
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
function impliesNotNull(expression: PgNode | undefined, column: string): boolean {
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

/** Every `RangeVar` body under a node (the tables a statement reads or writes, `relation` fields included), in document order. */
export function rangeVarsIn(node: unknown): PgNode[] {
  const found: PgNode[] = []
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return
    if (Array.isArray(value)) {
      for (const item of value) visit(item)
      return
    }
    if (typeof (value as PgNode).relname === 'string') found.push(value as PgNode)
    for (const key in value) visit((value as PgNode)[key])
  }
  visit(node)
  return found
}

/** A constant or parameter: the right-hand side of a key lookup. */
function isConstant(node: PgNode | undefined): boolean {
  if (!node) return false
  if (node.A_Const || node.ParamRef) return true
  return Boolean(node.TypeCast && isConstant(node.TypeCast.arg))
}

/** Columns a WHERE clause pins to constants: conjuncts `column = constant` and `column IN (constants…)`. */
function pinnedColumns(where: PgNode | undefined): Set<string> {
  const pinned = new Set<string>()
  const visit = (node: PgNode | undefined): void => {
    if (node?.BoolExpr?.boolop === 'AND_EXPR') return (node.BoolExpr.args ?? []).forEach(visit)
    const expr = node?.A_Expr
    if (!expr || stringsOf(expr.name)[0] !== '=') return
    const [column, value] = columnRefName(expr.lexpr) !== undefined ? [columnRefName(expr.lexpr), expr.rexpr] : [columnRefName(expr.rexpr), expr.lexpr]
    if (column === undefined) return
    if (expr.kind === 'AEXPR_OP' && isConstant(value)) pinned.add(column)
    if (expr.kind === 'AEXPR_IN' && (value?.List?.items ?? []).every(isConstant)) pinned.add(column)
  }
  visit(where)
  return pinned
}

/**
 * Whether a WHERE clause touches at most a handful of rows: it pins every column of the table's primary
 * key or of a full (non-partial) unique index to constants. Such an UPDATE or DELETE is a lookup, not a
 * backfill.
 */
export function isKeyLookup(where: PgNode | undefined, table: TableInfo | undefined): boolean {
  if (!where || !table) return false
  const pinned = pinnedColumns(where)
  return table.indexes.some((i) => i.unique && !i.partial && i.columns.length > 0 && i.columns.every((c) => c !== null && pinned.has(c)))
}
