import type { PgNode } from '../sql/parse.js'
import { refOf, type TableRef } from '../schema/schema-state.js'
import type { TableInfo } from '../schema/types.js'
import { isTemporary } from './ast.js'
import type { Anchor, RuleContext, Visitors } from './rule.js'

/**
 * Visitors for checks on the tables the change creates, in their final state: every `CREATE TABLE` that
 * makes a lasting table (not temporary, not a partition, not a no-op `IF NOT EXISTS`) and that `accept`s is
 * followed through later statements (renames included); at `Change:exit`, `check` gets each one still there,
 * with the anchor of its name in the CREATE TABLE.
 */
export function createdTableVisitors(
  ctx: RuleContext,
  check: (table: TableInfo, anchor: Anchor) => void,
  accept: (node: PgNode) => boolean = () => true,
): Visitors {
  const pending: Array<{ ref: TableRef; anchor: Anchor }> = []
  const created: Array<{ table: TableInfo; anchor: Anchor }> = []
  return {
    CreateStmt(node) {
      if (isTemporary(node.relation) || node.partbound || (node.if_not_exists && ctx.schema.table(node.relation)) || !accept(node)) return
      pending.push({ ref: refOf(node.relation), anchor: ctx.anchor(node.relation) })
    },
    'Statement:exit'() {
      for (const { ref, anchor } of pending.splice(0)) {
        const table = ctx.schema.table(ref)
        if (table) created.push({ table, anchor })
      }
    },
    'Change:exit'() {
      for (const { table, anchor } of created) if (ctx.schema.table(table) === table) check(table, anchor)
    },
  }
}
