import { displayName } from '../src/lint/ast.js'
import { type Anchor, defineRule } from '../src/lint/rule.js'
import { refOf, type TableRef } from '../src/schema/schema-state.js'

const BASE = 'CREATE TABLE customers (id bigint PRIMARY KEY, name text);'

const key = (ref: TableRef): string => `${ref.schema ?? 'public'}.${ref.name}`

export default defineRule({
  meta: {
    id: 'renaming-table',
    severity: 'error',
    category: 'locks',
    summary: 'Do not rename or move tables that existed before the change without keeping the old name readable',
    rationale:
      '`ALTER TABLE … RENAME TO` and `ALTER TABLE … SET SCHEMA` only take a short ACCESS EXCLUSIVE lock, but they break every application instance still running the previous release: during a deploy the old code keeps querying the old name and fails with "relation does not exist" until the last old instance is gone.',
    safeAlternative:
      'In the same transaction as the rename, keep the old name as a view: `ALTER TABLE customers RENAME TO clients; CREATE VIEW customers AS SELECT * FROM clients;` (a simple view is updatable, so old code keeps reading and writing); drop the view once no running code uses it. Or expand and contract: create the new table, write both, backfill in batches outside the migration, switch reads, then drop the old one.',
    messages: {
      renameTable: 'Table {{table}} is renamed to {{newName}}: instances still running the previous release query {{table}} and fail until they are replaced.',
      moveTable: 'Table {{table}} is moved to schema {{newSchema}}: instances still running the previous release query {{table}} and fail until they are replaced.',
    },
    exemptions: [
      'Tables created earlier in the same change.',
      'A rename followed, in the same transaction, by `CREATE VIEW` with the old name: old code keeps working through the view.',
    ],
    pgDocs: 'sql-altertable.html',
    aliases: ['squawk:renaming-table'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "customers" RENAME TO "clients";', base: BASE }],
      good: [{ sql: 'ALTER TABLE "customers" RENAME TO "clients";\n--> statement-breakpoint\nCREATE VIEW "customers" AS SELECT * FROM "clients";', base: BASE }],
    },
    tests: {
      valid: [
        { name: 'table created in the same change', sql: 'CREATE TABLE drafts (id bigint);\n--> statement-breakpoint\nALTER TABLE drafts RENAME TO posts;' },
        { name: 'view with the old name in a later file of the same batch transaction', base: BASE, sql: 'ALTER TABLE customers RENAME TO clients;', more: ['CREATE VIEW customers AS SELECT * FROM clients;'] },
        { name: 'moved, with a view left at the old place', base: BASE, sql: 'ALTER TABLE customers SET SCHEMA crm;\n--> statement-breakpoint\nCREATE VIEW public.customers AS SELECT * FROM crm.customers;' },
        { name: 'renaming a view is not a table rename', base: `${BASE}\nCREATE VIEW named AS SELECT name FROM customers;`, sql: 'ALTER VIEW named RENAME TO customer_names;' },
      ],
      invalid: [
        {
          name: 'the view comes only after a COMMIT: old code fails in between',
          base: BASE,
          sql: 'ALTER TABLE customers RENAME TO clients;\n--> statement-breakpoint\nCOMMIT;\n--> statement-breakpoint\nCREATE VIEW customers AS SELECT * FROM clients;',
          errors: [{ messageId: 'renameTable', line: 1, column: 13 }],
        },
        { name: 'per-file transactions: the view in the next file comes too late', base: BASE, sql: 'ALTER TABLE customers RENAME TO clients;', more: ['CREATE VIEW customers AS SELECT * FROM clients;'], transaction: 'per-file', errors: [{ messageId: 'renameTable', file: 0 }] },
        { name: 'schema-qualified rename with IF EXISTS', base: 'CREATE TABLE billing.invoices (id bigint);', sql: 'ALTER TABLE IF EXISTS billing.invoices RENAME TO bills;', errors: [{ messageId: 'renameTable' }] },
        { name: 'moved to another schema', base: BASE, sql: 'ALTER TABLE customers SET SCHEMA crm;', errors: [{ messageId: 'moveTable' }] },
      ],
    },
  },
  check: (ctx) => {
    const pending = new Map<string, { anchor: Anchor; transaction: number; messageId: 'renameTable' | 'moveTable'; data: Record<string, string> }>()
    const track = (relation: Record<string, any>, messageId: 'renameTable' | 'moveTable', data: Record<string, string>): void => {
      if (!ctx.isExistingTable(relation) || (ctx.schema.table(relation)?.kind ?? 'table') === 'view') return
      // In autocommit the old name is gone the moment the statement commits: no later view can help.
      if (!ctx.transaction.inTransaction) ctx.report({ messageId, data, node: relation })
      else pending.set(key(refOf(relation)), { anchor: ctx.anchor(relation), transaction: ctx.transaction.id, messageId, data })
    }
    return {
      RenameStmt(node) {
        if (node.renameType === 'OBJECT_TABLE' && node.relation) track(node.relation, 'renameTable', { table: displayName(node.relation), newName: node.newname })
      },
      AlterObjectSchemaStmt(node) {
        if (node.objectType === 'OBJECT_TABLE' && node.relation) track(node.relation, 'moveTable', { table: displayName(node.relation), newSchema: node.newschema })
      },
      ViewStmt(node) {
        const ref = key(refOf(node.view))
        if (pending.get(ref)?.transaction === ctx.transaction.id) pending.delete(ref)
      },
      'Change:exit'() {
        for (const { anchor, messageId, data } of pending.values()) ctx.report({ messageId, data, at: anchor })
      },
    }
  },
})
