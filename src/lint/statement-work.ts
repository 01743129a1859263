import type { PgNode, Statement } from '../sql/parse.js'
import { refOf, type SchemaState, type TableRef } from '../schema/schema-state.js'
import { type TypeRef, typeFromNode } from '../schema/types.js'
import { columnConstraints, columnRefName, isKeyLookup, notNullScan, optionEnabled, rangeVarsIn, stringsOf } from './ast.js'
import { alterTableAction, domainValidation, tablesUsingType } from './lock-modes.js'
import { memoizeOnSchema } from './schema-memo.js'
import { expressionVolatility } from './volatility.js'

/**
 * Which statements do work proportional to a table's size, from the parse tree and the schema model
 * (reference.md §2, "Rewrite / scan"): catalog-only changes take milliseconds at any size, these take
 * about a second per million narrow rows and more on wide tables.
 * - `rewrite`: the table (and its indexes) is written anew;
 * - `scan`: every row is read (a validation, a copy's source);
 * - `index build`: an index is built from every row;
 * - `backfill`: rows are written by DML (UPDATE/DELETE/MERGE, INSERT … SELECT).
 */
export type WorkKind = 'rewrite' | 'scan' | 'index build' | 'backfill'

/** How messages say what the work does to a table: `{{action}} rewrites orders`. */
export const WORK_VERBS: Record<WorkKind, string> = { rewrite: 'rewrites', scan: 'reads every row of', 'index build': 'builds an index over every row of', backfill: 'writes rows of' }

export interface TableWork {
  table: TableRef
  kind: WorkKind
  /** What does it, for messages: `ALTER TABLE … ALTER COLUMN TYPE`, `UPDATE`. */
  action: string
  node?: PgNode
}

const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial'])
/** Types whose length or precision modifier may grow without a rewrite. */
const GROWABLE = new Set(['varchar', 'varbit', 'timestamp', 'timestamptz', 'time', 'timetz'])

/**
 * Whether `ALTER COLUMN … TYPE` rewrites the table (measured on PostgreSQL 16): a new type that is the
 * same or binary-coercible with a modifier at least as wide keeps the data (`varchar(10)` → `varchar(20)`,
 * `varchar` ↔ `text`, `numeric(10,2)` → `numeric(12,2)` or `numeric`, `cidr` → `inet`); anything else
 * rewrites. An unknown old type counts as a rewrite, and so does `timestamp` → `timestamptz`, which skips
 * the rewrite only when the session time zone is UTC, which a linter cannot see.
 */
function typeChangeRewrites(from: TypeRef | undefined, to: TypeRef): boolean {
  if (!from || from.array !== to.array || (from.schema ?? '') !== (to.schema ?? '')) return true
  const widens = (a: number | undefined, b: number | undefined): boolean => b === undefined || (a !== undefined && b >= a)
  if (from.name === to.name) {
    if (from.mods.join() === to.mods.join()) return false
    if (from.array) return true
    if (GROWABLE.has(to.name)) return !widens(from.mods[0], to.mods[0])
    if (to.name === 'numeric') return !(to.mods.length === 0 || (from.mods.length > 0 && (from.mods[1] ?? 0) === (to.mods[1] ?? 0) && widens(from.mods[0], to.mods[0])))
    return true
  }
  if (from.array) return true
  if (from.name === 'varchar' && to.name === 'text') return false
  if (from.name === 'text' && to.name === 'varchar') return to.mods.length > 0
  return !(from.name === 'cidr' && to.name === 'inet')
}

/** `USING col` or `USING col::newtype` converts nothing the type change would not. */
function trivialUsing(using: PgNode | undefined, column: string): boolean {
  return !using || columnRefName(using.TypeCast?.arg ?? using) === column
}

function addColumnWork(def: PgNode, ctx: WorkContext): WorkKind | undefined {
  const constraints = columnConstraints(def)
  const type = def.typeName ? typeFromNode(def.typeName) : undefined
  const defaultExpr = constraints.find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr
  // Since PostgreSQL 11 a non-volatile default is stored once in the catalog; a volatile one is computed per row.
  const volatileDefault = defaultExpr !== undefined && (ctx.pgVersion < 11 || expressionVolatility(defaultExpr, ctx.schema).kind !== 'stable')
  if (volatileDefault || (type && SERIAL_TYPES.has(type.name)) || constraints.some((c) => c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED')) return 'rewrite'
  if (constraints.some((c) => c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE')) return 'index build'
  if (constraints.some((c) => c.contype === 'CONSTR_CHECK' || c.contype === 'CONSTR_FOREIGN' || (c.contype === 'CONSTR_NOTNULL' && defaultExpr === undefined))) return 'scan'
  return undefined
}

function alterTableWork(node: PgNode, ctx: WorkContext): TableWork[] {
  if (node.objtype === 'OBJECT_INDEX' || node.objtype === 'OBJECT_SEQUENCE' || node.objtype === 'OBJECT_VIEW') return []
  const relation = node.relation
  const table = ctx.schema.table(relation)
  const work: TableWork[] = []
  const add = (kind: WorkKind | undefined, cmd: PgNode, target: PgNode = relation): void => {
    if (kind) work.push({ table: refOf(target), kind, action: alterTableAction(cmd), node: target })
  }
  for (const item of node.cmds ?? []) {
    const cmd = item.AlterTableCmd
    if (!cmd) continue
    const constraint = cmd.def?.Constraint
    switch (cmd.subtype) {
      case 'AT_AddColumn':
        if (cmd.def?.ColumnDef && !(cmd.missing_ok && table?.columns.has(cmd.def.ColumnDef.colname))) add(addColumnWork(cmd.def.ColumnDef, ctx), cmd)
        break
      case 'AT_AlterColumnType': {
        const def = cmd.def?.ColumnDef
        const rewrites = !trivialUsing(def?.raw_default, cmd.name) || typeChangeRewrites(table?.columns.get(cmd.name)?.type, typeFromNode(def?.typeName ?? {}))
        add(rewrites ? 'rewrite' : undefined, cmd)
        break
      }
      case 'AT_SetNotNull':
        add(notNullScan(table, cmd.name, ctx.pgVersion) === 'none' ? undefined : 'scan', cmd)
        break
      case 'AT_AddConstraint':
        if (!constraint) break
        if (constraint.contype === 'CONSTR_CHECK' || constraint.contype === 'CONSTR_FOREIGN') add(constraint.skip_validation ? undefined : 'scan', cmd)
        else if (constraint.contype === 'CONSTR_EXCLUSION' || ((constraint.contype === 'CONSTR_PRIMARY' || constraint.contype === 'CONSTR_UNIQUE') && !constraint.indexname)) add('index build', cmd)
        break
      case 'AT_ValidateConstraint':
        add('scan', cmd)
        break
      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
      case 'AT_SetTableSpace':
      case 'AT_SetAccessMethod':
        add('rewrite', cmd)
        break
      case 'AT_AttachPartition':
        // The partition is scanned to prove its rows fit the bound (unless a valid CHECK implies it).
        if (cmd.def?.PartitionCmd?.name) add('scan', cmd, cmd.def.PartitionCmd.name)
        break
      default:
        break
    }
  }
  return work
}

/** Tables a query reads: every RangeVar of its FROM clauses (CTEs and subqueries included). */
function scannedBy(query: PgNode | undefined, action: string): TableWork[] {
  return rangeVarsIn(query).map((r) => ({ table: refOf(r), kind: 'scan' as const, action, node: r }))
}

/** Whether an INSERT's source is a query over rows (`SELECT … FROM`), not a `VALUES` list or constants. */
function insertsQueryRows(select: PgNode | undefined): boolean {
  const body = select?.SelectStmt
  if (!body) return false
  if (body.op && body.op !== 'SETOP_NONE') return true
  return (body.fromClause ?? []).length > 0
}

export interface WorkContext {
  schema: SchemaState
  pgVersion: number
}

/**
 * The size-proportional work `statement` does, per table. An UPDATE or DELETE that pins a primary key or
 * unique index to constants touches a handful of rows and counts as no work; `CREATE INDEX CONCURRENTLY`
 * and `REINDEX CONCURRENTLY` count (they are long, though they block no traffic). Call it before the
 * statement is applied to the schema.
 */
export const workDoneBy: (statement: Pick<Statement, 'kind' | 'node'>, ctx: WorkContext) => readonly TableWork[] = memoizeOnSchema(tableWorkOf, (ctx) => ctx.pgVersion)

function on(relation: PgNode | undefined, kind: WorkKind, action: string): TableWork[] {
  return relation ? [{ table: refOf(relation), kind, action, node: relation }] : []
}

function tableWorkOf(statement: Pick<Statement, 'kind' | 'node'>, ctx: WorkContext): TableWork[] {
  const node = statement.node
  if (!node) return []
  switch (statement.kind) {
    case 'AlterTableStmt':
      return alterTableWork(node, ctx)
    case 'IndexStmt':
      return on(node.relation, 'index build', node.concurrent ? 'CREATE INDEX CONCURRENTLY' : 'CREATE INDEX')
    case 'ReindexStmt': {
      const action = optionEnabled(node.params, 'concurrently') ? 'REINDEX CONCURRENTLY' : 'REINDEX'
      if (node.kind === 'REINDEX_OBJECT_TABLE') return on(node.relation, 'index build', action)
      const owner = node.kind === 'REINDEX_OBJECT_INDEX' && node.relation ? ctx.schema.tableOfIndex(node.relation.schemaname, node.relation.relname) : undefined
      return owner ? [{ table: { schema: owner.schema, name: owner.name }, kind: 'index build', action }] : []
    }
    case 'VacuumStmt':
      if (!node.is_vacuumcmd || !optionEnabled(node.options, 'full')) return []
      return (node.rels ?? []).flatMap((r: PgNode) => on(r.VacuumRelation?.relation, 'rewrite', 'VACUUM FULL'))
    case 'ClusterStmt':
      return on(node.relation, 'rewrite', 'CLUSTER')
    case 'RefreshMatViewStmt':
      if (node.skipData) return []
      return on(node.relation, node.concurrent ? 'scan' : 'rewrite', node.concurrent ? 'REFRESH MATERIALIZED VIEW CONCURRENTLY' : 'REFRESH MATERIALIZED VIEW')
    case 'UpdateStmt':
    case 'DeleteStmt': {
      if (isKeyLookup(node.whereClause, ctx.schema.table(node.relation))) return []
      const action = statement.kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE'
      return [...on(node.relation, 'backfill', action), ...scannedBy([node.fromClause, node.usingClause], action)]
    }
    case 'MergeStmt':
      return [...on(node.relation, 'backfill', 'MERGE'), ...scannedBy(node.sourceRelation, 'MERGE')]
    case 'InsertStmt':
      if (!insertsQueryRows(node.selectStmt)) return []
      return [...on(node.relation, 'backfill', 'INSERT … SELECT'), ...scannedBy(node.selectStmt, 'INSERT … SELECT')]
    case 'CreateTableAsStmt':
      return (node.into?.IntoClause ?? node.into)?.skipData ? [] : scannedBy(node.query, node.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE … AS')
    case 'SelectStmt':
      return node.intoClause ? scannedBy(node.fromClause, 'SELECT … INTO') : []
    case 'AlterDomainStmt': {
      const action = domainValidation(node)
      if (!action) return []
      return tablesUsingType(ctx.schema, stringsOf(node.typeName)).map((t) => ({ table: { schema: t.schema, name: t.name }, kind: 'scan', action }))
    }
    default:
      return []
  }
}
