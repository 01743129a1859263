import type { PgNode } from '../sql/parse.js'
import {
  type ColumnInfo,
  type ConstraintInfo,
  type EnumInfo,
  type IndexInfo,
  type TableInfo,
  type TableRef,
  typeFromNode,
  type Volatility,
} from './types.js'

export type { TableRef } from './types.js'

const DEFAULT_SCHEMA = 'public'

/**
 * A Map keyed by (schema, name), iterating in insertion order as a Map does. Rules look tables up many times
 * per statement: two lookups by the parse tree's own strings cost less than building a `schema.name` key.
 */
class QualifiedMap<V> {
  private readonly bySchema = new Map<string, Map<string, { value: V }>>()
  /** Entries in insertion order; replacing a value keeps its place, as `Map.set` does. */
  private readonly ordered = new Set<{ value: V }>()

  get(schema: string | undefined, name: string): V | undefined {
    return this.bySchema.get(schema ?? DEFAULT_SCHEMA)?.get(name)?.value
  }

  has(schema: string | undefined, name: string): boolean {
    return this.bySchema.get(schema ?? DEFAULT_SCHEMA)?.has(name) ?? false
  }

  set(schema: string | undefined, name: string, value: V): void {
    const qualified = schema ?? DEFAULT_SCHEMA
    let names = this.bySchema.get(qualified)
    if (!names) this.bySchema.set(qualified, (names = new Map()))
    const entry = names.get(name)
    if (entry) entry.value = value
    else {
      const added = { value }
      names.set(name, added)
      this.ordered.add(added)
    }
  }

  delete(schema: string | undefined, name: string): boolean {
    const names = this.bySchema.get(schema ?? DEFAULT_SCHEMA)
    const entry = names?.get(name)
    if (!names || !entry) return false
    names.delete(name)
    this.ordered.delete(entry)
    return true
  }

  clear(): void {
    this.bySchema.clear()
    this.ordered.clear()
  }

  *values(): Generator<V> {
    for (const entry of this.ordered) yield entry.value
  }
}

/** `{ schemaname, relname }` of a RangeVar body, or a TableRef. */
export function refOf(node: PgNode | TableRef): TableRef {
  if ('relname' in node) return { schema: node.schemaname, name: node.relname }
  return node as TableRef
}

function names(list: PgNode[] | undefined): string[] {
  return (list ?? []).map((n) => n.String?.sval as string).filter((s) => s !== undefined)
}

function constraintFromNode(constraint: PgNode, column?: string): ConstraintInfo | undefined {
  const kinds: Record<string, ConstraintInfo['kind']> = {
    CONSTR_CHECK: 'check',
    CONSTR_FOREIGN: 'foreign',
    CONSTR_UNIQUE: 'unique',
    CONSTR_PRIMARY: 'primary',
    CONSTR_EXCLUSION: 'exclusion',
  }
  const kind = kinds[constraint.contype as string]
  if (!kind) return undefined
  const columns = kind === 'foreign' ? names(constraint.fk_attrs) : names(constraint.keys)
  const info: ConstraintInfo = {
    name: constraint.conname,
    kind,
    columns: columns.length ? columns : column ? [column] : [],
    validated: !constraint.skip_validation,
    expression: constraint.raw_expr,
  }
  if (kind === 'foreign' && constraint.pktable) {
    info.references = { table: refOf(constraint.pktable), columns: names(constraint.pk_attrs) }
  }
  return info
}

/**
 * A static model of the database schema, folded statement by statement from the migrations' parse trees.
 * It knows what DDL says (tables, columns, constraints, indexes, enums); what hides in DO blocks or
 * functions it cannot see, so rules treat an unknown table as existing (the base most likely made it).
 */
export class SchemaState {
  private readonly tables = new QualifiedMap<TableInfo>()
  private readonly enums = new QualifiedMap<EnumInfo>()
  /** The owning table's name by index name; the owner is looked up again, as a rename or drop moves it. */
  private readonly indexOwners = new QualifiedMap<TableRef>()
  /** Volatility of functions created by the migrations (the last definition of a name wins). */
  private readonly functions = new QualifiedMap<Volatility>()
  /** Tables created or renamed into place by the change: the only ones known not to hold production data. */
  private readonly newTables = new QualifiedMap<true>()
  /** Everything flagged as made by the change, so ending a batch resets only those. */
  private readonly madeInChange = new Set<{ createdInChange: boolean }>()
  private readonly enumsExtendedInChange = new Set<EnumInfo>()
  readonly extensions = new Set<string>()
  /** Grows with every change to the model, so analyses of a statement can be reused until the schema moves. */
  private changes = 0

  get revision(): number {
    return this.changes
  }

  table(ref: TableRef | PgNode): TableInfo | undefined {
    // Hot path for rules: read the RangeVar in place rather than through refOf().
    return 'relname' in ref ? this.tables.get(ref.schemaname, ref.relname) : this.tables.get(ref.schema, ref.name)
  }

  /** True unless the change itself created the table. */
  existedBeforeChange(ref: TableRef | PgNode): boolean {
    return 'relname' in ref ? !this.newTables.has(ref.schemaname, ref.relname) : !this.newTables.has(ref.schema, ref.name)
  }

  enumType(schema: string | undefined, name: string): EnumInfo | undefined {
    return this.enums.get(schema, name)
  }

  allTables(): TableInfo[] {
    return [...this.tables.values()]
  }

  allEnums(): EnumInfo[] {
    return [...this.enums.values()]
  }

  /** Declared volatility of a function the migrations created (`VOLATILE` when they did not say). */
  functionVolatility(schema: string | undefined, name: string): Volatility | undefined {
    return this.functions.get(schema, name)
  }

  /** Table that owns an index, by index name. */
  tableOfIndex(schema: string | undefined, name: string): TableInfo | undefined {
    const owner = this.indexOwners.get(schema, name)
    return owner ? this.tables.get(owner.schema, owner.name) : undefined
  }

  /** Ends a review batch: everything known so far counts as existing for the next one. */
  markAllExisting(): void {
    this.changes++
    this.newTables.clear()
    for (const made of this.madeInChange) made.createdInChange = false
    this.madeInChange.clear()
    for (const type of this.enumsExtendedInChange) type.addedInChange.clear()
    this.enumsExtendedInChange.clear()
  }

  /** Applies one parsed statement. `inChange` marks objects created by the change under review. */
  apply(kind: string, node: PgNode, inChange: boolean): void {
    this.changes++
    switch (kind) {
      case 'CreateStmt':
        return this.createTable(node, inChange)
      case 'CreateTableAsStmt':
        return this.createAs(node, inChange)
      case 'ViewStmt':
        this.addRelation(refOf(node.view), 'view', inChange)
        return
      case 'AlterTableStmt':
        return this.alterTable(node, inChange)
      case 'IndexStmt':
        return this.createIndex(node)
      case 'DropStmt':
        return this.drop(node)
      case 'RenameStmt':
        return this.rename(node)
      case 'CreateEnumStmt': {
        const [schema, name] = qualified(names(node.typeName))
        const info: EnumInfo = {
          schema: schema ?? DEFAULT_SCHEMA,
          name,
          values: (node.vals ?? []).map((v: PgNode) => v.String?.sval),
          addedInChange: new Set(),
          createdInChange: inChange,
        }
        this.enums.set(schema, name, info)
        if (inChange) this.madeInChange.add(info)
        return
      }
      case 'AlterEnumStmt': {
        const [schema, name] = qualified(names(node.typeName))
        const info = this.enums.get(schema, name)
        if (!info) return
        if (node.oldVal) info.values = info.values.map((v) => (v === node.oldVal ? node.newVal : v))
        else if (node.newVal && !info.values.includes(node.newVal)) {
          info.values.push(node.newVal)
          if (inChange) {
            info.addedInChange.add(node.newVal)
            this.enumsExtendedInChange.add(info)
          }
        }
        return
      }
      case 'CreateFunctionStmt': {
        if (node.is_procedure) return
        const [schema, name] = qualified(names(node.funcname))
        this.functions.set(schema, name, volatilityOf(node.options) ?? 'volatile')
        return
      }
      case 'AlterFunctionStmt': {
        const [schema, name] = qualified(names(node.func?.objname))
        const volatility = volatilityOf(node.actions)
        if (volatility && this.functions.has(schema, name)) this.functions.set(schema, name, volatility)
        return
      }
      case 'CreateExtensionStmt':
        this.extensions.add(node.extname)
        return
      case 'RefreshMatViewStmt': {
        const view = this.table(node.relation)
        if (view) view.populated = !node.skipData
        return
      }
      case 'CreateTrigStmt': {
        const table = this.table(node.relation)
        if (table && node.trigname) table.triggers.push(node.trigname)
        return
      }
      default:
        return
    }
  }

  private addRelation(ref: TableRef, kind: TableInfo['kind'], inChange: boolean): TableInfo {
    const info: TableInfo = {
      schema: ref.schema ?? DEFAULT_SCHEMA,
      name: ref.name,
      kind,
      columns: new Map(),
      constraints: [],
      indexes: [],
      unlogged: false,
      createdInChange: inChange,
      triggers: [],
      populated: true,
    }
    this.tables.set(ref.schema, ref.name, info)
    if (inChange) {
      this.newTables.set(ref.schema, ref.name, true)
      this.madeInChange.add(info)
    }
    return info
  }

  private createTable(node: PgNode, inChange: boolean): void {
    const ref = refOf(node.relation)
    if (node.if_not_exists && this.table(ref)) return
    const table = this.addRelation(ref, node.partspec ? 'partitioned' : 'table', inChange)
    table.unlogged = node.relation.relpersistence === 'u'
    for (const element of node.tableElts ?? []) {
      if (element.ColumnDef) this.addColumn(table, element.ColumnDef, inChange)
      else if (element.Constraint) this.addConstraint(table, element.Constraint)
    }
  }

  private createAs(node: PgNode, inChange: boolean): void {
    const into = node.into?.IntoClause ?? node.into
    if (!into?.rel) return
    this.addRelation(refOf(into.rel), node.objtype === 'OBJECT_MATVIEW' ? 'matview' : 'table', inChange).populated = !into.skipData
  }

  private addColumn(table: TableInfo, def: PgNode, inChange: boolean): void {
    const column: ColumnInfo = {
      name: def.colname,
      type: typeFromNode(def.typeName ?? {}),
      notNull: Boolean(def.is_not_null),
      hasDefault: false,
      identity: false,
      generated: false,
      createdInChange: inChange,
    }
    if (inChange) this.madeInChange.add(column)
    if (['serial', 'bigserial', 'smallserial'].includes(column.type.name)) {
      column.notNull = true
      column.hasDefault = true
    }
    for (const c of def.constraints ?? []) {
      const constraint = c.Constraint
      if (!constraint) continue
      switch (constraint.contype) {
        case 'CONSTR_NOTNULL':
          column.notNull = true
          break
        case 'CONSTR_DEFAULT':
          column.hasDefault = true
          break
        case 'CONSTR_IDENTITY':
          column.identity = true
          column.notNull = true
          break
        case 'CONSTR_GENERATED':
          column.generated = true
          break
        case 'CONSTR_PRIMARY':
          column.notNull = true
          this.addConstraint(table, constraint, def.colname)
          break
        default:
          this.addConstraint(table, constraint, def.colname)
      }
    }
    table.columns.set(column.name, column)
  }

  private addConstraint(table: TableInfo, node: PgNode, column?: string): void {
    const info = constraintFromNode(node, column)
    if (!info) return
    table.constraints.push(info)
    if (info.kind === 'primary') for (const c of info.columns) {
      const col = table.columns.get(c)
      if (col) col.notNull = true
    }
    if (info.kind === 'primary' || info.kind === 'unique' || info.kind === 'exclusion') {
      table.indexes.push({ name: info.name ?? node.indexname, columns: info.columns, unique: info.kind !== 'exclusion', partial: false })
    }
  }

  private alterTable(node: PgNode, inChange: boolean): void {
    if (node.objtype && node.objtype !== 'OBJECT_TABLE') return
    const table = this.table(node.relation)
    if (!table) return
    for (const item of node.cmds ?? []) {
      const cmd = item.AlterTableCmd
      if (!cmd) continue
      switch (cmd.subtype) {
        case 'AT_AddColumn':
          if (cmd.def?.ColumnDef && !(cmd.missing_ok && table.columns.has(cmd.def.ColumnDef.colname))) this.addColumn(table, cmd.def.ColumnDef, inChange)
          break
        case 'AT_DropColumn':
          table.columns.delete(cmd.name)
          table.constraints = table.constraints.filter((c) => !c.columns.includes(cmd.name))
          table.indexes = table.indexes.filter((i) => !i.columns.includes(cmd.name))
          break
        case 'AT_AlterColumnType': {
          const column = table.columns.get(cmd.name)
          const def = cmd.def?.ColumnDef
          if (column && def?.typeName) column.type = typeFromNode(def.typeName)
          break
        }
        case 'AT_SetNotNull':
          setColumn(table, cmd.name, { notNull: true })
          break
        case 'AT_DropNotNull':
          setColumn(table, cmd.name, { notNull: false })
          break
        case 'AT_ColumnDefault':
          setColumn(table, cmd.name, { hasDefault: Boolean(cmd.def) })
          break
        case 'AT_AddIdentity':
          setColumn(table, cmd.name, { identity: true, notNull: true })
          break
        case 'AT_AddConstraint':
          if (cmd.def?.Constraint) this.addConstraint(table, cmd.def.Constraint)
          break
        case 'AT_DropConstraint':
          table.constraints = table.constraints.filter((c) => c.name !== cmd.name)
          table.indexes = table.indexes.filter((i) => i.name !== cmd.name)
          break
        case 'AT_ValidateConstraint':
          for (const c of table.constraints) if (c.name === cmd.name) c.validated = true
          break
        case 'AT_SetLogged':
          table.unlogged = false
          break
        case 'AT_SetUnLogged':
          table.unlogged = true
          break
        case 'AT_AttachPartition': {
          const partition = cmd.def?.PartitionCmd?.name
          if (partition && !this.table(partition)) this.addRelation(refOf(partition), 'table', inChange)
          break
        }
        default:
          break
      }
    }
  }

  private createIndex(node: PgNode): void {
    const table = this.table(node.relation)
    if (!table) return
    const index: IndexInfo = {
      name: node.idxname,
      columns: (node.indexParams ?? []).map((p: PgNode) => (p.IndexElem?.name as string | undefined) ?? null),
      unique: Boolean(node.unique),
      partial: Boolean(node.whereClause),
    }
    if (node.if_not_exists && index.name && table.indexes.some((i) => i.name === index.name)) return
    table.indexes.push(index)
    if (index.name) this.indexOwners.set(node.relation.schemaname ?? table.schema, index.name, { schema: table.schema, name: table.name })
  }

  private drop(node: PgNode): void {
    for (const object of node.objects ?? []) {
      const parts = names(object.List?.items ?? (object.TypeName ? object.TypeName.names : undefined))
      if (!parts.length) continue
      const [schema, name] = qualified(parts)
      switch (node.removeType) {
        case 'OBJECT_TABLE':
        case 'OBJECT_VIEW':
        case 'OBJECT_MATVIEW':
          this.tables.delete(schema, name)
          this.newTables.delete(schema, name)
          break
        case 'OBJECT_INDEX': {
          const owner = this.tableOfIndex(schema, name)
          if (owner) owner.indexes = owner.indexes.filter((i) => i.name !== name)
          this.indexOwners.delete(schema, name)
          break
        }
        case 'OBJECT_TYPE':
          this.enums.delete(schema, name)
          break
        default:
          break
      }
    }
  }

  private rename(node: PgNode): void {
    switch (node.renameType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW': {
        const from = refOf(node.relation)
        const table = this.table(from)
        if (table) {
          this.tables.delete(from.schema, from.name)
          table.name = node.newname
          this.tables.set(from.schema, node.newname, table)
        }
        if (this.newTables.delete(from.schema, from.name)) this.newTables.set(from.schema, node.newname, true)
        return
      }
      case 'OBJECT_COLUMN': {
        const table = this.table(node.relation)
        const column = table?.columns.get(node.subname)
        if (!table || !column) return
        table.columns.delete(node.subname)
        column.name = node.newname
        table.columns.set(node.newname, column)
        for (const c of table.constraints) c.columns = c.columns.map((n) => (n === node.subname ? node.newname : n))
        for (const i of table.indexes) i.columns = i.columns.map((n) => (n === node.subname ? node.newname : n))
        return
      }
      case 'OBJECT_TABCONSTRAINT': {
        const table = this.table(node.relation)
        for (const c of table?.constraints ?? []) if (c.name === node.subname) c.name = node.newname
        return
      }
      case 'OBJECT_INDEX': {
        const owner = this.tableOfIndex(node.relation?.schemaname, node.relation?.relname)
        for (const i of owner?.indexes ?? []) if (i.name === node.relation?.relname) i.name = node.newname
        return
      }
      default:
        return
    }
  }
}

function volatilityOf(options: PgNode[] | undefined): Volatility | undefined {
  const value = (options ?? []).find((o) => o.DefElem?.defname === 'volatility')?.DefElem.arg?.String?.sval
  return value === 'immutable' || value === 'stable' || value === 'volatile' ? value : undefined
}

function setColumn(table: TableInfo, name: string, patch: Partial<ColumnInfo>): void {
  const column = table.columns.get(name)
  if (column) Object.assign(column, patch)
}

/** `[schema | undefined, name]` from a possibly qualified name list. */
function qualified(parts: string[]): [string | undefined, string] {
  return parts.length > 1 ? [parts[parts.length - 2], parts[parts.length - 1] as string] : [undefined, parts[0] as string]
}
