import type { PgNode } from '../sql/parse.js'
import type { SchemaState } from '../schema/schema-state.js'
import { stringsOf } from './ast.js'
import { NON_VOLATILE_BUILTINS, NON_VOLATILE_EXTENSION_FUNCTIONS, VOLATILE_BUILTINS, VOLATILE_EXTENSION_FUNCTIONS } from './pg-functions.js'

/**
 * What dba-review knows about an expression's volatility, by its worst function call:
 * - `volatile`: calls a VOLATILE function (PostgreSQL evaluates it once per row);
 * - `unknown`: calls a function that is neither built in, nor from a known extension, nor created by the migrations;
 * - `stable`: only constants, operators, SQL value functions (`CURRENT_TIMESTAMP`) and non-volatile functions.
 */
export type ExpressionVolatility = { kind: 'volatile' | 'unknown'; fn: string } | { kind: 'stable' }

type FunctionVolatility = 'volatile' | 'unknown' | 'stable'

/**
 * Resolves a function call the way the default `search_path` does: `pg_catalog` first, then `public`.
 * Functions the migrations created carry their declared volatility; extension functions may live in
 * any schema (`extensions.uuid_generate_v4()` on Supabase).
 */
function functionVolatility(parts: string[], schema: SchemaState): FunctionVolatility {
  const name = parts[parts.length - 1] as string
  const qualifier = parts.length > 1 ? parts[parts.length - 2] : undefined
  if (qualifier === undefined || qualifier === 'pg_catalog') {
    if (VOLATILE_BUILTINS.has(name)) return 'volatile'
    if (NON_VOLATILE_BUILTINS.has(name)) return 'stable'
    if (qualifier === 'pg_catalog') return 'unknown'
  }
  const declared = schema.functionVolatility(qualifier, name)
  if (declared) return declared === 'volatile' ? 'volatile' : 'stable'
  if (VOLATILE_EXTENSION_FUNCTIONS.has(name)) return 'volatile'
  if (NON_VOLATILE_EXTENSION_FUNCTIONS.has(name)) return 'stable'
  return 'unknown'
}

/** The volatility of an expression tree (a column default, a generated column), from every function it calls. */
export function expressionVolatility(expression: PgNode, schema: SchemaState): ExpressionVolatility {
  let unknown: string | undefined
  let volatile: string | undefined
  const visit = (node: unknown): void => {
    if (volatile || !node || typeof node !== 'object') return
    if (Array.isArray(node)) {
      for (const item of node) visit(item)
      return
    }
    const call = (node as PgNode).FuncCall
    if (call) {
      const parts = stringsOf(call.funcname)
      const kind = functionVolatility(parts, schema)
      if (kind === 'volatile') volatile = parts.join('.')
      else if (kind === 'unknown') unknown ??= parts.join('.')
    }
    for (const key in node) visit((node as PgNode)[key])
  }
  visit(expression)
  if (volatile) return { kind: 'volatile', fn: volatile }
  if (unknown) return { kind: 'unknown', fn: unknown }
  return { kind: 'stable' }
}
