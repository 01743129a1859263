import type { PgNode, Statement } from '../sql/parse.js'
import type { SchemaState } from '../schema/schema-state.js'

interface Memo<R> {
  schema: SchemaState
  revision: number
  variant: unknown
  value: R
}

/**
 * Several rules ask the same question of each statement (which locks it takes, which work it does); the
 * answer depends only on the parse node, the schema model as it stands and perhaps a setting (`variantOf`),
 * so it is computed once and reused until the model changes. Callers must not mutate the result.
 */
export function memoizeOnSchema<C extends { schema: SchemaState }, R>(
  compute: (statement: Pick<Statement, 'kind' | 'node'>, ctx: C) => R,
  variantOf: (ctx: C) => unknown = () => undefined,
): (statement: Pick<Statement, 'kind' | 'node'>, ctx: C) => R {
  const memo = new WeakMap<PgNode, Memo<R>>()
  return (statement, ctx) => {
    const node = statement.node
    if (!node) return compute(statement, ctx)
    const variant = variantOf(ctx)
    const hit = memo.get(node)
    if (hit && hit.schema === ctx.schema && hit.revision === ctx.schema.revision && hit.variant === variant) return hit.value
    const value = compute(statement, ctx)
    memo.set(node, { schema: ctx.schema, revision: ctx.schema.revision, variant, value })
    return value
  }
}
