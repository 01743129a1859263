import type { PgNode } from '../sql/parse.js'

export interface TableRef {
  /** Defaults to `public` (drizzle writes unqualified names and relies on the default search_path). */
  schema?: string
  name: string
}

/** A column type, normalised to PostgreSQL's internal names (`int4`, `varchar`, `timestamptz`, `bpchar`…). */
export interface TypeRef {
  schema?: string
  name: string
  /** Type modifiers: varchar(n) → [n], numeric(p, s) → [p, s]; empty when none. */
  mods: readonly number[]
  array: boolean
}

const TYPE_ALIASES: Record<string, string> = {
  int: 'int4',
  integer: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  boolean: 'bool',
  real: 'float4',
  float: 'float8',
  'double precision': 'float8',
  decimal: 'numeric',
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
  serial4: 'serial',
  serial8: 'bigserial',
  serial2: 'smallserial',
}

export function normaliseTypeName(name: string): string {
  const lower = name.toLowerCase()
  return TYPE_ALIASES[lower] ?? lower
}

function constInt(node: PgNode | undefined): number | undefined {
  const value = node?.A_Const?.ival?.ival ?? node?.A_Const?.ival
  if (typeof value === 'number') return value
  if (node?.A_Const && node.A_Const.ival && Object.keys(node.A_Const.ival).length === 0) return 0
  return undefined
}

/** Most types have no modifiers: they share one empty list. */
const NO_MODS: readonly number[] = []

/** Reads a libpg-query `TypeName` body. Rules read the same column types many times: no intermediate arrays or iterators. */
export function typeFromNode(typeName: PgNode): TypeRef {
  const names: PgNode[] = typeName.names ?? []
  const last: string | undefined = names.length ? names[names.length - 1]!.String?.sval : undefined
  const qualifier: string | undefined = names.length > 1 ? names[0]!.String?.sval : undefined
  const name = normaliseTypeName(last ?? '')
  const schema = qualifier !== 'pg_catalog' ? qualifier : undefined
  const typmods: PgNode[] | undefined = typeName.typmods
  let mods: readonly number[] = NO_MODS
  if (typmods?.length) {
    const read: number[] = []
    for (let i = 0; i < typmods.length; i++) {
      const mod = constInt(typmods[i])
      if (mod !== undefined) read.push(mod)
    }
    mods = read
  }
  return { schema, name, mods, array: Array.isArray(typeName.arrayBounds) && typeName.arrayBounds.length > 0 }
}

export function formatType(type: TypeRef): string {
  return `${type.schema ? `${type.schema}.` : ''}${type.name}${type.mods.length ? `(${type.mods.join(',')})` : ''}${type.array ? '[]' : ''}`
}

export interface ColumnInfo {
  name: string
  type: TypeRef
  notNull: boolean
  hasDefault: boolean
  identity: boolean
  generated: boolean
  /** Added by a statement of the change under review (no running code reads it yet). */
  createdInChange: boolean
}

export type ConstraintKind = 'check' | 'foreign' | 'unique' | 'primary' | 'exclusion' | 'not-null'

export interface ConstraintInfo {
  name?: string
  kind: ConstraintKind
  columns: string[]
  /** False for `NOT VALID` until `VALIDATE CONSTRAINT`. */
  validated: boolean
  /** Referenced table and columns, for foreign keys. */
  references?: { table: TableRef; columns: string[] }
  /** CHECK expression tree. */
  expression?: PgNode
}

export interface IndexInfo {
  name?: string
  columns: Array<string | null>
  unique: boolean
  partial: boolean
}

export type RelationKind = 'table' | 'partitioned' | 'view' | 'matview'

export interface TableInfo {
  schema: string
  name: string
  kind: RelationKind
  columns: Map<string, ColumnInfo>
  constraints: ConstraintInfo[]
  indexes: IndexInfo[]
  unlogged: boolean
  /** Created by a statement of the change under review (not by the base). */
  createdInChange: boolean
  /** Row-level triggers known to exist. */
  triggers: string[]
  /** False for a materialized view made `WITH NO DATA` and not refreshed since (it cannot be refreshed CONCURRENTLY). */
  populated: boolean
}

/** `pg_proc.provolatile`: whether a function may return different results for the same arguments within a statement. */
export type Volatility = 'immutable' | 'stable' | 'volatile'

export interface EnumInfo {
  schema: string
  name: string
  values: string[]
  /** Values added by the change under review. */
  addedInChange: Set<string>
  createdInChange: boolean
}
