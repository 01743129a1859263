import { displayName } from '../src/lint/ast.js'
import { createdTableVisitors } from '../src/lint/created-tables.js'
import { defineRule } from '../src/lint/rule.js'
import type { PgNode } from '../src/sql/parse.js'

/** `CREATE TABLE … (LIKE src INCLUDING INDEXES)` (or `INCLUDING ALL`) copies the source's primary key. */
const LIKE_INCLUDING_INDEXES = 1 << 6

export default defineRule({
  meta: {
    id: 'require-primary-key',
    severity: 'warning',
    category: 'design',
    summary: 'Every table created by the change has a primary key',
    rationale:
      'Without a primary key a table has no replica identity: once it is in a logical-replication publication (managed blue/green upgrades, CDC, Supabase Realtime), every UPDATE and DELETE on it fails with "cannot update table … because it does not have a replica identity". `pg_repack` cannot rebuild it online, duplicate rows cannot be told apart, and adding the key later builds a unique index under an ACCESS EXCLUSIVE lock (or needs `CREATE UNIQUE INDEX CONCURRENTLY` + `ADD PRIMARY KEY USING INDEX`).',
    safeAlternative:
      'Declare a primary key when creating the table (`id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`, or `PRIMARY KEY (a, b)` for a join table; Drizzle: `.primaryKey()` or `primaryKey({ columns: [...] })`). Adding it later in the same change also counts.',
    messages: { missingPrimaryKey: 'Table {{table}} is created without a primary key.' },
    exemptions: [
      'Temporary tables.',
      'Partitions (`PARTITION OF`): they inherit the partitioned table\'s key, which is where it is checked.',
      '`CREATE TABLE … (LIKE source INCLUDING INDEXES)` or `INCLUDING ALL` of a table that has one (or that the change cannot see).',
      '`CREATE TABLE … AS` (a query result, usually a backup or scratch copy).',
      'Tables dropped again within the change.',
    ],
    pgDocs: 'ddl-constraints.html#DDL-CONSTRAINTS-PRIMARY-KEYS',
    examples: {
      bad: [{ sql: 'CREATE TABLE "audit_log" (\n\t"at" timestamp with time zone DEFAULT now() NOT NULL,\n\t"message" text NOT NULL\n);' }],
      good: [
        { sql: 'CREATE TABLE "audit_log" (\n\t"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,\n\t"at" timestamp with time zone DEFAULT now() NOT NULL\n);' },
        { sql: 'CREATE TABLE "users_to_groups" (\n\t"user_id" bigint NOT NULL,\n\t"group_id" bigint NOT NULL,\n\tCONSTRAINT "users_to_groups_user_id_group_id_pk" PRIMARY KEY("user_id","group_id")\n);' },
      ],
    },
    tests: {
      valid: [
        { name: 'primary key added by a later file of the change', sql: 'CREATE TABLE t (a bigint NOT NULL);', more: ['ALTER TABLE t ADD PRIMARY KEY (a);'] },
        { name: 'primary key added after a rename', sql: 'CREATE TABLE a (id bigint NOT NULL);\nALTER TABLE a RENAME TO b;\nALTER TABLE b ADD CONSTRAINT b_pk PRIMARY KEY (id);' },
        { name: 'temporary table', sql: 'CREATE TEMP TABLE scratch (a int);' },
        { name: 'partition of a partitioned table', base: 'CREATE TABLE events (id bigint, at timestamptz, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);', sql: "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');" },
        { name: 'LIKE … INCLUDING ALL of a table with a key', base: 'CREATE TABLE users (id bigint PRIMARY KEY);', sql: 'CREATE TABLE users_archive (LIKE users INCLUDING ALL);' },
        { name: 'LIKE … INCLUDING INDEXES of a table the change cannot see', sql: 'CREATE TABLE copy (LIKE elsewhere INCLUDING INDEXES);' },
        { name: 'CREATE TABLE AS', base: 'CREATE TABLE users (id bigint PRIMARY KEY);', sql: 'CREATE TABLE users_backup AS SELECT * FROM users;' },
        { name: 'IF NOT EXISTS of a table the base already has', base: 'CREATE TABLE t (a int);', sql: 'CREATE TABLE IF NOT EXISTS t (a int);' },
        { name: 'dropped again within the change', sql: 'CREATE TABLE scratch (a int);\nDROP TABLE scratch;' },
      ],
      invalid: [
        { name: 'no key at all', sql: 'CREATE TABLE "public"."logs" (msg text);', errors: [{ messageId: 'missingPrimaryKey', line: 1, column: 14 }] },
        { name: 'a unique constraint is not a primary key', sql: 'CREATE TABLE t (email text NOT NULL UNIQUE);', errors: [{ messageId: 'missingPrimaryKey' }] },
        { name: 'partitioned table without a key', sql: 'CREATE TABLE events (id bigint, at timestamptz) PARTITION BY RANGE (at);', errors: [{ messageId: 'missingPrimaryKey' }] },
        { name: 'LIKE without INCLUDING INDEXES', base: 'CREATE TABLE users (id bigint PRIMARY KEY);', sql: 'CREATE TABLE copy (LIKE users INCLUDING DEFAULTS);', errors: [{ messageId: 'missingPrimaryKey' }] },
        { name: 'LIKE … INCLUDING ALL of a table without a key', base: 'CREATE TABLE logs (msg text);', sql: 'CREATE TABLE logs_copy (LIKE logs INCLUDING ALL);', errors: [{ messageId: 'missingPrimaryKey' }] },
        {
          name: 'reported in the file that created the table',
          sql: 'CREATE TABLE a (id bigint PRIMARY KEY);\nCREATE TABLE b (x int);',
          more: ['ALTER TABLE a ADD COLUMN note text;'],
          errors: [{ messageId: 'missingPrimaryKey', file: 0, line: 2 }],
        },
      ],
    },
  },
  check: (ctx) => {
    /** The primary key comes from a `LIKE … INCLUDING INDEXES` source that has one or that we cannot see. */
    const copiesKey = (node: PgNode): boolean =>
      (node.tableElts ?? []).some((e: PgNode) => {
        const like = e.TableLikeClause
        if (!like || !(like.options & LIKE_INCLUDING_INDEXES)) return false
        const source = ctx.schema.table(like.relation)
        return !source || source.constraints.some((c) => c.kind === 'primary')
      })

    return createdTableVisitors(
      ctx,
      (table, anchor) => {
        if (!table.constraints.some((c) => c.kind === 'primary')) ctx.report({ messageId: 'missingPrimaryKey', data: { table: displayName(table) }, at: anchor })
      },
      (node) => !copiesKey(node),
    )
  },
})
