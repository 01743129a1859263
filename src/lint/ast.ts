import type { PgNode } from '../sql/parse.js'
import type { TableRef } from '../schema/types.js'

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
