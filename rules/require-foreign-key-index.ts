import { displayName, stringsOf } from '../src/lint/ast.js'
import { type Anchor, defineRule } from '../src/lint/rule.js'
import type { ConstraintInfo, IndexInfo, TableInfo } from '../src/schema/types.js'
import type { PgNode } from '../src/sql/parse.js'

/** The index can find a foreign key's rows: not partial, and its leading columns are the key's columns (in any order). */
function covers(index: IndexInfo, columns: string[]): boolean {
  if (index.partial || !columns.length || index.columns.length < columns.length) return false
  return columns.every((c) => {
    const at = index.columns.indexOf(c)
    return at >= 0 && at < columns.length
  })
}

function isCovered(table: TableInfo, fk: ConstraintInfo): boolean {
  return table.indexes.some((index) => covers(index, fk.columns))
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i])
}

interface TrackedKey {
  table: TableInfo
  fk: ConstraintInfo
  anchor: Anchor
}

export default defineRule({
  meta: {
    id: 'require-foreign-key-index',
    severity: 'warning',
    category: 'design',
    summary: 'Index the referencing columns of every foreign key the change adds',
    rationale:
      'PostgreSQL indexes the referenced key, not the referencing columns. For every row deleted from the referenced table (or whose key is updated) the foreign-key trigger looks up the referencing rows: without an index whose leading columns are the foreign key, that is a sequential scan of the referencing table per row, so a bulk delete becomes quadratic, holds its locks for as long, and `ON DELETE CASCADE` / `SET NULL` scan the same way. Joins from parent to children scan too.',
    safeAlternative:
      'Create an index on the foreign-key columns: in the same migration as the table when the table is new (`CREATE INDEX posts_user_id_idx ON posts (user_id)`), and with `CREATE INDEX CONCURRENTLY` in a migration outside a transaction when the table has data. In Drizzle declare it in the table (`index(\'posts_user_id_idx\').on(t.userId)`) so the snapshot knows it.',
    messages: {
      missingIndex: 'Foreign key {{table}} ({{columns}}) → {{refTable}} has no index starting with its columns: each delete or key update on {{refTable}} scans {{table}}.',
      indexDropped: 'This removes the last index covering foreign key {{table}} ({{columns}}) → {{refTable}}: each delete or key update on {{refTable}} will scan {{table}}.',
    },
    exemptions: [
      'Foreign keys that existed before the change (unless the change drops their index).',
      'An index created anywhere later in the change (another file included) counts; so do PRIMARY KEY and UNIQUE constraints, and indexes whose leading columns are the key\'s columns in another order.',
      'Tables dropped again within the change.',
    ],
    pgDocs: 'ddl-constraints.html#DDL-CONSTRAINTS-FK',
    examples: {
      bad: [
        {
          base: 'CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
          sql: 'CREATE TABLE "posts" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"user_id" bigint NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;',
        },
      ],
      good: [
        {
          base: 'CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
          sql: 'CREATE TABLE "posts" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"user_id" bigint NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint\nCREATE INDEX "posts_user_id_idx" ON "posts" USING btree ("user_id");',
        },
      ],
    },
    tests: {
      valid: [
        { name: 'index created in a later file of the change', base: 'CREATE TABLE users (id bigint PRIMARY KEY);', sql: 'CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));', more: ['CREATE INDEX posts_user_id_idx ON posts (user_id);'] },
        { name: 'index created before the foreign key', base: 'CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE posts (id bigint, user_id bigint);', sql: 'CREATE INDEX CONCURRENTLY posts_user_id_idx ON posts (user_id);\nALTER TABLE posts ADD FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;', transaction: 'none' },
        { name: 'leading column of a composite primary key', base: 'CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE groups (id bigint PRIMARY KEY);', sql: 'CREATE TABLE members (user_id bigint REFERENCES users, group_id bigint, PRIMARY KEY (user_id, group_id));\nCREATE INDEX members_group_id_idx ON members (group_id);\nALTER TABLE members ADD FOREIGN KEY (group_id) REFERENCES groups;' },
        { name: 'composite key covered in another column order, with more columns', base: 'CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));', sql: 'CREATE TABLE c (id bigint PRIMARY KEY, a int, b int, at timestamptz, FOREIGN KEY (a, b) REFERENCES p (a, b));\nCREATE INDEX c_b_a_at_idx ON c (b, a, at);' },
        { name: 'unique constraint covers it', base: 'CREATE TABLE users (id bigint PRIMARY KEY);', sql: 'CREATE TABLE profiles (id bigint PRIMARY KEY, user_id bigint NOT NULL UNIQUE REFERENCES users (id));' },
        { name: 'existing foreign key without an index is not this change\'s', base: 'CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE posts (id bigint, user_id bigint REFERENCES users);', sql: 'ALTER TABLE posts ADD COLUMN title text;' },
        { name: 'table dropped again within the change', base: 'CREATE TABLE users (id bigint PRIMARY KEY);', sql: 'CREATE TABLE tmp (user_id bigint REFERENCES users);\nDROP TABLE tmp;' },
        { name: 'index of an existing foreign key replaced within the change', base: 'CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE posts (id bigint, user_id bigint REFERENCES users); CREATE INDEX posts_user_idx ON posts (user_id);', sql: 'CREATE INDEX CONCURRENTLY posts_user_id_idx ON posts (user_id);\nDROP INDEX CONCURRENTLY posts_user_idx;', transaction: 'none' },
        { name: 'foreign-key column dropped together with its index', base: 'CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE posts (id bigint, user_id bigint REFERENCES users); CREATE INDEX posts_user_idx ON posts (user_id);', sql: 'ALTER TABLE posts DROP COLUMN user_id;' },
      ],
      invalid: [
        {
          name: 'inline REFERENCES points at the constraint',
          base: 'CREATE TABLE users (id bigint PRIMARY KEY);',
          sql: 'CREATE TABLE posts (\n  id bigint PRIMARY KEY,\n  user_id bigint REFERENCES users (id)\n);',
          errors: [{ messageId: 'missingIndex', line: 3, column: 18 }],
        },
        {
          name: 'ADD COLUMN … REFERENCES on an existing table, schema-qualified',
          base: 'CREATE TABLE app.users (id bigint PRIMARY KEY); CREATE TABLE app.posts (id bigint PRIMARY KEY);',
          sql: 'ALTER TABLE app.posts ADD COLUMN author_id bigint REFERENCES app.users (id);',
          errors: [{ messageId: 'missingIndex' }],
        },
        {
          name: 'only the second column of the composite primary key',
          base: 'CREATE TABLE groups (id bigint PRIMARY KEY);',
          sql: 'CREATE TABLE members (user_id bigint, group_id bigint REFERENCES groups, PRIMARY KEY (user_id, group_id));',
          errors: [{ messageId: 'missingIndex' }],
        },
        {
          name: 'partial and expression indexes do not count',
          base: 'CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE);',
          sql: 'CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users, email text REFERENCES users (email));\nCREATE INDEX posts_user_live_idx ON posts (user_id) WHERE user_id IS NOT NULL;\nCREATE INDEX posts_email_lower_idx ON posts (lower(email));',
          errors: [{ messageId: 'missingIndex', column: 59 }, { messageId: 'missingIndex', column: 88 }],
        },
        {
          name: 'composite key only half covered',
          base: 'CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));',
          sql: 'CREATE TABLE c (id bigint PRIMARY KEY, a int, b int, CONSTRAINT c_p_fk FOREIGN KEY (a, b) REFERENCES p (a, b));\nCREATE INDEX c_a_idx ON c (a);',
          errors: [{ messageId: 'missingIndex', column: 54 }],
        },
        {
          name: 'dropping the index of an existing foreign key',
          base: 'CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE posts (id bigint, user_id bigint REFERENCES users); CREATE INDEX posts_user_idx ON posts (user_id);',
          sql: 'ALTER TABLE posts ADD COLUMN title text;\nDROP INDEX posts_user_idx;',
          errors: [{ messageId: 'indexDropped', line: 2 }],
        },
        {
          name: 'foreign key of a later file, index never created',
          base: 'CREATE TABLE users (id bigint PRIMARY KEY);',
          sql: 'CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint);',
          more: ['ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id);'],
          errors: [{ messageId: 'missingIndex', file: 1, line: 1 }],
        },
      ],
    },
  },
  check: (ctx) => {
    /**
     * Per table, the foreign keys it had when the change began and which of them an index covered. Taken
     * just before the first statement that can change the table's keys or indexes, rather than for every
     * table of the schema at every batch (linting a whole history reviews each migration as a batch).
     */
    const atStart = new Map<TableInfo, { keys: Set<ConstraintInfo>; covered: ConstraintInfo[] }>()
    /** Tables whose keys or indexes the current statement can change, as named before it runs. */
    let targets: TableInfo[] = []
    /** The table the current statement can add foreign keys to (CREATE or ALTER TABLE). */
    let keyTarget: PgNode | undefined
    let createdHere = false
    const pendingNodes: Array<{ columns: string[]; anchor: Anchor }> = []
    const added: TrackedKey[] = []
    const uncovered: TrackedKey[] = []

    const foreignKeys = (table: TableInfo) => table.constraints.filter((c) => c.kind === 'foreign')
    const snapshot = (table: TableInfo) => {
      let start = atStart.get(table)
      if (!start) {
        const keys = foreignKeys(table)
        start = { keys: new Set(keys), covered: keys.filter((fk) => isCovered(table, fk)) }
        atStart.set(table, start)
      }
      return start
    }
    const stillThere = (table: TableInfo, fk: ConstraintInfo) => ctx.schema.table(table) === table && table.constraints.includes(fk)
    const report = (messageId: 'missingIndex' | 'indexDropped', { table, fk, anchor }: TrackedKey) =>
      ctx.report({ messageId, data: { table: displayName(table), columns: fk.columns.join(', '), refTable: fk.references ? displayName(fk.references.table) : '?' }, at: anchor })

    return {
      Constraint(node, ancestors) {
        if (node.contype !== 'CONSTR_FOREIGN') return
        const fkAttrs = stringsOf(node.fk_attrs)
        const column: unknown = ancestors[ancestors.length - 1]?.colname
        pendingNodes.push({ columns: fkAttrs.length || typeof column !== 'string' ? fkAttrs : [column], anchor: ctx.anchor(node) })
      },
      Statement(statement) {
        const node = statement.node
        keyTarget = statement.kind === 'CreateStmt' || statement.kind === 'AlterTableStmt' ? node?.relation : undefined
        if (!node) targets = []
        else if (statement.kind === 'CreateStmt' || statement.kind === 'AlterTableStmt' || statement.kind === 'IndexStmt') {
          const table = ctx.schema.table(node.relation)
          targets = table ? [table] : []
        } else if (statement.kind === 'DropStmt' && node.removeType === 'OBJECT_INDEX') {
          targets = (node.objects ?? [])
            .map((object: PgNode) => stringsOf(object.List?.items))
            .map((parts: string[]) => ctx.schema.tableOfIndex(parts.length > 1 ? parts[parts.length - 2] : undefined, parts[parts.length - 1] as string))
            .filter((t: TableInfo | undefined): t is TableInfo => t !== undefined)
        } else targets = []
        for (const table of targets) snapshot(table)
        // A table this statement creates starts with no keys.
        createdHere = keyTarget !== undefined && !ctx.schema.table(keyTarget)
      },
      'Statement:exit'() {
        if (pendingNodes.length) {
          // Only CREATE TABLE and ALTER TABLE add foreign keys to the schema model.
          const table = keyTarget && ctx.schema.table(keyTarget)
          if (table) {
            if (createdHere) atStart.set(table, { keys: new Set(), covered: [] })
            const before = snapshot(table).keys
            for (const fk of foreignKeys(table)) {
              if (before.has(fk)) continue
              before.add(fk)
              added.push({ table, fk, anchor: pendingNodes.find((p) => sameColumns(p.columns, fk.columns))?.anchor ?? ctx.anchor() })
            }
          }
          pendingNodes.length = 0
        }
        // Only an ALTER TABLE or DROP INDEX can take an index (or the key itself) away from an existing foreign key.
        for (const table of targets) {
          const covered = atStart.get(table)?.covered
          // `stillThere`, with the table looked up once rather than per key.
          if (!covered?.length || ctx.schema.table(table) !== table) continue
          for (const fk of covered) {
            if (table.constraints.includes(fk) && !isCovered(table, fk) && !uncovered.some((u) => u.fk === fk)) uncovered.push({ table, fk, anchor: ctx.anchor() })
          }
        }
      },
      'Change:exit'() {
        for (const key of added) if (stillThere(key.table, key.fk) && !isCovered(key.table, key.fk)) report('missingIndex', key)
        for (const key of uncovered) if (stillThere(key.table, key.fk) && !isCovered(key.table, key.fk)) report('indexDropped', key)
      },
    }
  },
})
