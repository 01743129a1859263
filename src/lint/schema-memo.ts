import type { PgNode, Statement } from '../sql/parse.js'
import type { SchemaState } from '../schema/schema-state.js'

interface Memo<R> {
  node: PgNode
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
  // The rules ask about the statement being visited, one after another: keeping the last answer is enough, and
  // cheaper than a WeakMap entry per statement (inserting one was the costliest step of a repeated question).
  // It stays referenced until the next question: one answer, not a growing cache.
  let last: Memo<R> | undefined
  return (statement, ctx) => {
    const node = statement.node
    if (!node) return compute(statement, ctx)
    const { schema } = ctx
    const variant = variantOf(ctx)
    if (last && last.node === node && last.schema === schema && last.revision === schema.revision && last.variant === variant) return last.value
    const value = compute(statement, ctx)
    last = { node, schema, revision: schema.revision, variant, value }
    return value
  }
}
