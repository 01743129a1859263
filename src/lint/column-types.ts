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

/**
 * Visitors calling `visit` for every column type the change chooses: CREATE TABLE columns, ADD COLUMN, and
 * ALTER COLUMN … TYPE to another type. They stay silent about what already existed or never reaches
 * production: a no-op `IF NOT EXISTS`, a retype within the same type (`varchar(20)` → `varchar(50)`,
 * `timestamp` → `timestamp(3)`), and temporary tables.
 */
export function columnTypeVisitors(ctx: RuleContext, visit: (site: ColumnTypeSite) => void): Visitors {
  return {
    CreateStmt(node) {
      if (isTemporary(node.relation) || (node.if_not_exists && ctx.schema.table(node.relation))) return
      const table = refOf(node.relation)
      for (const element of node.tableElts ?? []) {
        const def = element.ColumnDef
        if (def?.typeName) visit({ table, column: def.colname, typeName: def.typeName, type: typeFromNode(def.typeName), def, origin: 'create' })
      }
    },
    AlterTableStmt(node) {
      if (node.objtype && node.objtype !== 'OBJECT_TABLE') return
      const table = refOf(node.relation)
      const known = ctx.schema.table(table)
      for (const item of node.cmds ?? []) {
        const cmd = item.AlterTableCmd
        const def = cmd?.def?.ColumnDef
        if (!def?.typeName) continue
        const type = typeFromNode(def.typeName)
        if (cmd.subtype === 'AT_AddColumn') {
          if (cmd.missing_ok && known?.columns.has(def.colname)) continue
          visit({ table, column: def.colname, typeName: def.typeName, type, def, origin: 'add' })
        } else if (cmd.subtype === 'AT_AlterColumnType') {
          if (known?.columns.get(cmd.name)?.type.name === type.name) continue
          visit({ table, column: cmd.name, typeName: def.typeName, type, def, origin: 'alter' })
        }
      }
    },
  }
}
