import type { PgNode, Statement } from '../sql/parse.js'
import { refOf, type SchemaState, type TableRef } from '../schema/schema-state.js'
import type { TableInfo } from '../schema/types.js'
import { optionEnabled, refOfNames, stringsOf } from './ast.js'
import { memoizeOnSchema } from './schema-memo.js'

/**
 * Which table-level locks a statement takes, from the parse tree and the schema model: the facts of
 * reference.md §2 (PostgreSQL 16 lock levels, confirmed in pg_locks) as one function, so every rule that
 * reasons about locks (timeouts, locks held across statements, large tables) agrees on them.
 */

/** PostgreSQL's table lock modes, weakest first. */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const

export type LockMode = (typeof LOCK_MODES)[number]

const STRENGTHS = Object.fromEntries(LOCK_MODES.map((mode, i) => [mode, i])) as Record<LockMode, number>

export function lockStrength(mode: LockMode): number {
  return STRENGTHS[mode]
}

/**
 * SHARE and stronger conflict with ROW EXCLUSIVE (INSERT/UPDATE/DELETE), ACCESS EXCLUSIVE also with plain
 * SELECT: while held (or queued), application traffic waits. SHARE UPDATE EXCLUSIVE and weaker block only
 * DDL, VACUUM and themselves (eugene draws the same line).
 */
export function isDangerousLock(mode: LockMode): boolean {
  return lockStrength(mode) >= lockStrength('SHARE')
}

/** One table lock a statement takes. */
export interface TableLock {
  table: TableRef
  mode: LockMode
  /** What takes it, for messages: `ALTER TABLE … ADD COLUMN`, `CREATE INDEX`, `DROP TABLE (foreign key to it)`. */
  action: string
  /** Where the table is named in the statement (a RangeVar), when it is. */
  node?: PgNode
}

/** `ALTER TABLE` subcommands that take less than ACCESS EXCLUSIVE (PostgreSQL 16 `sql-altertable.html`); every other one takes it. */
const ALTER_TABLE_LOCKS: Record<string, LockMode> = {
  AT_SetStatistics: 'SHARE UPDATE EXCLUSIVE',
  AT_SetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ResetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ClusterOn: 'SHARE UPDATE EXCLUSIVE',
  AT_DropCluster: 'SHARE UPDATE EXCLUSIVE',
  AT_ValidateConstraint: 'SHARE UPDATE EXCLUSIVE',
  AT_AttachPartition: 'SHARE UPDATE EXCLUSIVE',
  AT_DetachPartitionFinalize: 'SHARE UPDATE EXCLUSIVE',
  AT_EnableTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableAlwaysTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableReplicaTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigUser: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrig: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigUser: 'SHARE ROW EXCLUSIVE',
}

/** Subcommand names where the grammar's words differ from the node's subtype. */
const COMMAND_LABELS: Record<string, string> = {
  AT_ColumnDefault: 'SET/DROP DEFAULT',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_SetRelOptions: 'SET (…)',
  AT_ResetRelOptions: 'RESET (…)',
  AT_SetOptions: 'ALTER COLUMN SET (…)',
  AT_ResetOptions: 'ALTER COLUMN RESET (…)',
  AT_SetStatistics: 'ALTER COLUMN SET STATISTICS',
  AT_SetStorage: 'ALTER COLUMN SET STORAGE',
  AT_SetCompression: 'ALTER COLUMN SET COMPRESSION',
  AT_AlterColumnType: 'ALTER COLUMN TYPE',
  AT_SetNotNull: 'ALTER COLUMN SET NOT NULL',
  AT_DropNotNull: 'ALTER COLUMN DROP NOT NULL',
  AT_AddIdentity: 'ALTER COLUMN ADD IDENTITY',
  AT_SetIdentity: 'ALTER COLUMN SET (identity)',
  AT_DropIdentity: 'ALTER COLUMN DROP IDENTITY',
  AT_DropExpression: 'ALTER COLUMN DROP EXPRESSION',
  AT_GenericOptions: 'OPTIONS (…)',
}

/** Every subcommand's lock carries its action: worded once per subtype, not per subcommand. */
const actionsBySubtype = new Map<string, string>()

/** `ALTER TABLE … ADD COLUMN` as messages name a subcommand. */
export function alterTableAction(cmd: PgNode): string {
  const subtype = String(cmd.subtype)
  let action = actionsBySubtype.get(subtype)
  if (action === undefined) {
    const words = COMMAND_LABELS[subtype] ?? subtype.replace(/^AT_/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()
    action = `ALTER TABLE … ${words}`
    actionsBySubtype.set(subtype, action)
  }
  return action
}

const LOCK_STMT_MODES: Record<number, LockMode> = Object.fromEntries(LOCK_MODES.map((mode, i) => [i + 1, mode]))

function rangeVars(list: PgNode[] | undefined): PgNode[] {
  return (list ?? []).map((n) => n.RangeVar).filter((r: PgNode | undefined): r is PgNode => r !== undefined)
}

/** Tables that `table`'s foreign keys point to. */
function referencedBy(table: TableInfo | undefined): TableRef[] {
  return (table?.constraints ?? []).filter((c) => c.kind === 'foreign' && c.references).map((c) => c.references!.table)
}

/** Tables with a foreign key to `ref`. */
function referencing(schema: SchemaState, ref: TableRef): TableRef[] {
  const target = schema.table(ref)
  if (!target) return []
  return schema
    .allTables()
    .filter((t) => t !== target && t.constraints.some((c) => c.kind === 'foreign' && c.references && schema.table(c.references.table) === target))
    .map((t) => ({ schema: t.schema, name: t.name }))
}

/** Tables with a column of the domain (or any type) named by `typeName`. */
export function tablesUsingType(schema: SchemaState, typeName: string[]): TableInfo[] {
  const name = typeName[typeName.length - 1]
  const typeSchema = typeName.length > 1 ? typeName[typeName.length - 2] : undefined
  return schema.allTables().filter((t) => [...t.columns.values()].some((c) => c.type.name === name && (c.type.schema ?? 'public') === (typeSchema ?? 'public')))
}

/**
 * `ALTER DOMAIN` forms that check every column of the domain, each table under SHARE (writes wait; measured
 * on PostgreSQL 16): a validating `ADD CONSTRAINT`, `SET NOT NULL`, and, unlike a table's, `VALIDATE CONSTRAINT`.
 */
export function domainValidation(node: PgNode): string | undefined {
  if (node.subtype === 'C' && !node.def?.Constraint?.skip_validation) return 'ALTER DOMAIN … ADD CONSTRAINT'
  if (node.subtype === 'O') return 'ALTER DOMAIN … SET NOT NULL'
  if (node.subtype === 'V') return 'ALTER DOMAIN … VALIDATE CONSTRAINT'
  return undefined
}

/** SHARE ROW EXCLUSIVE on the table a foreign-key constraint references, if it is one. */
function pushForeignKeyTarget(locks: TableLock[], constraint: PgNode, action: string): void {
  const pk = constraint.contype === 'CONSTR_FOREIGN' ? constraint.pktable : undefined
  if (pk) locks.push({ table: refOf(pk), mode: 'SHARE ROW EXCLUSIVE', action: `${action} (foreign key to it)`, node: pk })
}

/** The same, for each inline constraint of a `ColumnDef`. */
function pushColumnForeignKeyTargets(locks: TableLock[], def: PgNode, action: string): void {
  for (const item of def.constraints ?? []) if (item.Constraint) pushForeignKeyTarget(locks, item.Constraint, action)
}

function alterTableLocks(node: PgNode, schema: SchemaState): TableLock[] {
  if (node.objtype === 'OBJECT_INDEX' || node.objtype === 'OBJECT_SEQUENCE') return []
  const locks: TableLock[] = []
  const relation = node.relation
  // Views, materialized views and foreign tables too: their subcommands lock the same way.
  for (const item of node.cmds ?? []) {
    const cmd = item.AlterTableCmd
    if (!cmd) continue
    const action = alterTableAction(cmd)
    const constraint = cmd.def?.Constraint
    const partition = cmd.def?.PartitionCmd
    let mode: LockMode = ALTER_TABLE_LOCKS[cmd.subtype] ?? 'ACCESS EXCLUSIVE'
    if ((cmd.subtype === 'AT_SetRelOptions' || cmd.subtype === 'AT_ResetRelOptions') && node.objtype !== 'OBJECT_VIEW') {
      // Storage parameters take SHARE UPDATE EXCLUSIVE, except user_catalog_table (logical decoding).
      const names = (cmd.def?.List?.items ?? []).map((d: PgNode) => d.DefElem?.defname)
      mode = names.includes('user_catalog_table') ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE'
    }
    if (constraint?.contype === 'CONSTR_FOREIGN') mode = 'SHARE ROW EXCLUSIVE'
    if (cmd.subtype === 'AT_DetachPartition' && partition?.concurrent) mode = 'SHARE UPDATE EXCLUSIVE'
    locks.push({ table: refOf(relation), mode, action, node: relation })

    if (constraint) pushForeignKeyTarget(locks, constraint, action)
    else if (cmd.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef) pushColumnForeignKeyTargets(locks, cmd.def.ColumnDef, action)
    // The partition is locked ACCESS EXCLUSIVE either way (DETACH … CONCURRENTLY takes it in its second transaction).
    if (partition?.name && (cmd.subtype === 'AT_AttachPartition' || cmd.subtype === 'AT_DetachPartition')) {
      locks.push({ table: refOf(partition.name), mode: 'ACCESS EXCLUSIVE', action: `${action} (the partition)`, node: partition.name })
    }
    // Dropping a foreign key (directly or with its column) drops its triggers on the referenced table.
    if (cmd.subtype === 'AT_DropConstraint' || cmd.subtype === 'AT_DropColumn') {
      for (const c of schema.table(relation)?.constraints ?? []) {
        const dropped = cmd.subtype === 'AT_DropConstraint' ? c.name === cmd.name : c.columns.includes(cmd.name)
        if (dropped && c.kind === 'foreign' && c.references) locks.push({ table: c.references.table, mode: 'ACCESS EXCLUSIVE', action: `${action} (foreign key to it)` })
      }
    }
  }
  return locks
}

function dropLocks(node: PgNode, schema: SchemaState): TableLock[] {
  const locks: TableLock[] = []
  for (const object of node.objects ?? []) {
    const parts = stringsOf(object.List?.items)
    switch (node.removeType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW': {
        const ref = refOfNames(parts)
        if (!ref) break
        const label = node.removeType === 'OBJECT_TABLE' ? 'DROP TABLE' : node.removeType === 'OBJECT_VIEW' ? 'DROP VIEW' : 'DROP MATERIALIZED VIEW'
        locks.push({ table: ref, mode: 'ACCESS EXCLUSIVE', action: label })
        for (const target of referencedBy(schema.table(ref))) locks.push({ table: target, mode: 'ACCESS EXCLUSIVE', action: `${label} (foreign key to it)` })
        break
      }
      case 'OBJECT_INDEX': {
        const index = refOfNames(parts)
        const owner = index && schema.tableOfIndex(index.schema, index.name)
        if (owner) locks.push({ table: { schema: owner.schema, name: owner.name }, mode: node.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', action: node.concurrent ? 'DROP INDEX CONCURRENTLY' : 'DROP INDEX' })
        break
      }
      case 'OBJECT_TRIGGER':
      case 'OBJECT_POLICY':
      case 'OBJECT_RULE': {
        const ref = refOfNames(parts.slice(0, -1))
        if (ref) locks.push({ table: ref, mode: 'ACCESS EXCLUSIVE', action: `DROP ${String(node.removeType).replace('OBJECT_', '')}` })
        break
      }
      default:
        break
    }
  }
  return locks
}

function reindexLocks(node: PgNode, schema: SchemaState): TableLock[] {
  const concurrent = optionEnabled(node.params, 'concurrently')
  const mode: LockMode = concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE'
  const action = concurrent ? 'REINDEX CONCURRENTLY' : 'REINDEX'
  if (node.kind === 'REINDEX_OBJECT_TABLE' && node.relation) return [{ table: refOf(node.relation), mode, action, node: node.relation }]
  if (node.kind === 'REINDEX_OBJECT_INDEX' && node.relation) {
    const owner = schema.tableOfIndex(node.relation.schemaname, node.relation.relname)
    return owner ? [{ table: { schema: owner.schema, name: owner.name }, mode, action }] : []
  }
  return []
}

function createTableLocks(node: PgNode): TableLock[] {
  const locks: TableLock[] = []
  for (const element of node.tableElts ?? []) {
    if (element.Constraint) pushForeignKeyTarget(locks, element.Constraint, 'CREATE TABLE')
    else if (element.ColumnDef) pushColumnForeignKeyTargets(locks, element.ColumnDef, 'CREATE TABLE')
  }
  for (const parent of rangeVars(node.inhRelations)) {
    locks.push({ table: refOf(parent), mode: node.partbound ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE', action: node.partbound ? 'CREATE TABLE … PARTITION OF' : 'CREATE TABLE … INHERITS', node: parent })
  }
  return locks
}

/**
 * The table locks `statement` takes, strongest per table (a table can appear once per distinct action),
 * on tables named in it or known to the schema model (an index's table, foreign-key targets, tables using
 * a domain). Reads of other tables (ACCESS SHARE) are left out: nothing but ACCESS EXCLUSIVE waits on them.
 * Call it before the statement is applied to the schema (`Statement` hook or a node visitor).
 */
export const locksTakenBy: (statement: Pick<Statement, 'kind' | 'node'>, ctx: { schema: SchemaState }) => readonly TableLock[] = memoizeOnSchema(tableLocksOf)

function lockOn(relation: PgNode | undefined, mode: LockMode, action: string): TableLock[] {
  return relation ? [{ table: refOf(relation), mode, action, node: relation }] : []
}

function tableLocksOf(statement: Pick<Statement, 'kind' | 'node'>, ctx: { schema: SchemaState }): TableLock[] {
  const node = statement.node
  if (!node) return []
  const { schema } = ctx
  switch (statement.kind) {
    case 'AlterTableStmt':
      return strongestPerTable(alterTableLocks(node, schema))
    case 'RenameStmt':
      // An index rename locks only the index (SHARE UPDATE EXCLUSIVE since PostgreSQL 12).
      if (node.renameType === 'OBJECT_INDEX' || !node.relation) return []
      return lockOn(node.relation, 'ACCESS EXCLUSIVE', `RENAME ${node.renameType === 'OBJECT_COLUMN' ? 'COLUMN' : node.renameType === 'OBJECT_TABCONSTRAINT' ? 'CONSTRAINT' : node.renameType === 'OBJECT_TRIGGER' ? 'TRIGGER' : 'TO'}`)
    case 'AlterObjectSchemaStmt':
      return ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW'].includes(node.objectType) ? lockOn(node.relation, 'ACCESS EXCLUSIVE', 'SET SCHEMA') : []
    case 'IndexStmt':
      return lockOn(node.relation, node.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', node.concurrent ? 'CREATE INDEX CONCURRENTLY' : 'CREATE INDEX')
    case 'DropStmt':
      return strongestPerTable(dropLocks(node, schema))
    case 'TruncateStmt': {
      const locks = rangeVars(node.relations).flatMap((r) => lockOn(r, 'ACCESS EXCLUSIVE', 'TRUNCATE'))
      if (node.behavior === 'DROP_CASCADE') for (const l of [...locks]) for (const t of referencing(schema, l.table)) locks.push({ table: t, mode: 'ACCESS EXCLUSIVE', action: 'TRUNCATE … CASCADE' })
      return strongestPerTable(locks)
    }
    case 'ReindexStmt':
      return reindexLocks(node, schema)
    case 'VacuumStmt': {
      const full = node.is_vacuumcmd && optionEnabled(node.options, 'full')
      return (node.rels ?? []).flatMap((r: PgNode) => lockOn(r.VacuumRelation?.relation, full ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE', full ? 'VACUUM FULL' : node.is_vacuumcmd ? 'VACUUM' : 'ANALYZE'))
    }
    case 'ClusterStmt':
      return lockOn(node.relation, 'ACCESS EXCLUSIVE', 'CLUSTER')
    case 'RefreshMatViewStmt':
      return lockOn(node.relation, node.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE', node.concurrent ? 'REFRESH MATERIALIZED VIEW CONCURRENTLY' : 'REFRESH MATERIALIZED VIEW')
    case 'CreateTrigStmt':
      return lockOn(node.relation, 'SHARE ROW EXCLUSIVE', 'CREATE TRIGGER')
    case 'RuleStmt':
      return lockOn(node.relation, 'ACCESS EXCLUSIVE', 'CREATE RULE')
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      return lockOn(node.table, 'ACCESS EXCLUSIVE', statement.kind === 'CreatePolicyStmt' ? 'CREATE POLICY' : 'ALTER POLICY')
    case 'CreateStmt':
      return strongestPerTable(createTableLocks(node))
    case 'AlterDomainStmt': {
      const action = domainValidation(node)
      return action ? tablesUsingType(schema, stringsOf(node.typeName)).map((t) => ({ table: { schema: t.schema, name: t.name }, mode: 'SHARE', action })) : []
    }
    case 'LockStmt': {
      const mode = LOCK_STMT_MODES[node.mode as number] ?? 'ACCESS EXCLUSIVE'
      return rangeVars(node.relations).flatMap((r) => lockOn(r, mode, `LOCK TABLE … IN ${mode} MODE`))
    }
    case 'InsertStmt':
      return lockOn(node.relation, 'ROW EXCLUSIVE', 'INSERT')
    case 'UpdateStmt':
      return lockOn(node.relation, 'ROW EXCLUSIVE', 'UPDATE')
    case 'DeleteStmt':
      return lockOn(node.relation, 'ROW EXCLUSIVE', 'DELETE')
    case 'MergeStmt':
      return lockOn(node.relation, 'ROW EXCLUSIVE', 'MERGE')
    default:
      return []
  }
}

/** Keeps the strongest lock per table (the first action that takes it). */
function strongestPerTable(locks: TableLock[]): TableLock[] {
  if (locks.length < 2) return locks
  const byTable = new Map<string, TableLock>()
  for (const lock of locks) {
    const key = `${lock.table.schema ?? 'public'}.${lock.table.name}`
    const seen = byTable.get(key)
    if (!seen || lockStrength(lock.mode) > lockStrength(seen.mode)) byTable.set(key, lock)
  }
  return [...byTable.values()]
}
