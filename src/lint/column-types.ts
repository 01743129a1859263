import type { PgNode } from '../sql/parse.js'
import { refOf } from '../schema/schema-state.js'
import { type TableRef, type TypeRef, typeFromNode } from '../schema/types.js'
import { isTemporary } from './ast.js'
import type { RuleContext, Visitors } from './rule.js'

/** How the change chose a column's type. */
export type ColumnTypeOrigin = 'create' | 'add' | 'alter'

/** A column type chosen by the change under review. */
export interface ColumnTypeSite {
  table: TableRef
  column: string
  /** The `TypeName` body; its `location` is where the type starts in the statement. */
  typeName: PgNode
  type: TypeRef
  /** The `ColumnDef` body (inline constraints for `create` and `add`; `USING` for `alter`). */
  def: PgNode
  /** `create`: a column of CREATE TABLE; `add`: ADD COLUMN; `alter`: ALTER COLUMN … TYPE of an existing column. */
  origin: ColumnTypeOrigin
}

/** The type's last name as PostgreSQL's grammar wrote it (`bpchar`, `int4`, `serial`…), before any alias mapping. */
export function grammarTypeName(typeName: PgNode): string | undefined {
  const names: PgNode[] = typeName.names ?? []
  return names[names.length - 1]?.String?.sval
}

/** A column type as a statement writes it, before the schema model says whether it changes anything. */
interface WrittenType {
  site: ColumnTypeSite
  /** `ADD COLUMN IF NOT EXISTS`: a no-op when the table has the column. */
  ifNotExists: boolean
}

/** The column types a CREATE TABLE writes (none for a temporary table). */
function writtenByCreate(node: PgNode): WrittenType[] {
  if (isTemporary(node.relation)) return []
  const table = refOf(node.relation)
  const written: WrittenType[] = []
  const elements: PgNode[] = node.tableElts ?? []
  for (let i = 0; i < elements.length; i++) {
    const def = elements[i]!.ColumnDef
    if (def?.typeName) written.push({ site: { table, column: def.colname, typeName: def.typeName, type: typeFromNode(def.typeName), def, origin: 'create' }, ifNotExists: false })
  }
  return written
}

/** The column types an ALTER TABLE of a table writes: ADD COLUMN and ALTER COLUMN … TYPE. */
function writtenByAlter(node: PgNode): WrittenType[] {
  if (node.objtype && node.objtype !== 'OBJECT_TABLE') return []
  const table = refOf(node.relation)
  const written: WrittenType[] = []
  const items: PgNode[] = node.cmds ?? []
  for (let i = 0; i < items.length; i++) {
    const cmd = items[i]!.AlterTableCmd
    const def = cmd?.def?.ColumnDef
    if (!def?.typeName) continue
    if (cmd.subtype === 'AT_AddColumn') {
      written.push({ site: { table, column: def.colname, typeName: def.typeName, type: typeFromNode(def.typeName), def, origin: 'add' }, ifNotExists: Boolean(cmd.missing_ok) })
    } else if (cmd.subtype === 'AT_AlterColumnType') {
      written.push({ site: { table, column: cmd.name, typeName: def.typeName, type: typeFromNode(def.typeName), def, origin: 'alter' }, ifNotExists: false })
    }
  }
  return written
}

/**
 * Several rules read the column types of the same node, one after another: the last node's are kept, so each
 * node is read once and its sites are shared (callers must not mutate them).
 */
let lastRead: { node: PgNode; written: WrittenType[] } | undefined

function writtenTypesOf(node: PgNode, read: (node: PgNode) => WrittenType[]): WrittenType[] {
  if (lastRead?.node !== node) lastRead = { node, written: read(node) }
  return lastRead.written
}

/**
 * Visitors calling `visit` for every column type the change chooses (seven rules use them, so their loops are
 * indexed: a for-of allocates an iterator per loop and a result per element in V8's baseline tier, where most
 * of a CLI run's code stays): CREATE TABLE columns, ADD COLUMN, and
 * ALTER COLUMN … TYPE to another type. They stay silent about what already existed or never reaches
 * production: a no-op `IF NOT EXISTS`, a retype within the same type (`varchar(20)` → `varchar(50)`,
 * `timestamp` → `timestamp(3)`), and temporary tables.
 */
export function columnTypeVisitors(ctx: RuleContext, visit: (site: ColumnTypeSite) => void): Visitors {
  return {
    CreateStmt(node) {
      const written = writtenTypesOf(node, writtenByCreate)
      if (!written.length || (node.if_not_exists && ctx.schema.table(node.relation))) return
      for (let i = 0; i < written.length; i++) visit(written[i]!.site)
    },
    AlterTableStmt(node) {
      const written = writtenTypesOf(node, writtenByAlter)
      if (!written.length) return
      const known = ctx.schema.table(written[0]!.site.table)
      for (let i = 0; i < written.length; i++) {
        const { site, ifNotExists } = written[i]!
        if (site.origin === 'add' ? ifNotExists && known?.columns.has(site.column) : known?.columns.get(site.column)?.type.name === site.type.name) continue
        visit(site)
      }
    },
  }
}
