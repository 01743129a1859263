import { stringsOf } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import { identifierTokens } from '../src/sql/lexer.js'
import type { PgNode } from '../src/sql/parse.js'

/** NAMEDATALEN - 1: the longest identifier PostgreSQL keeps, in bytes. */
const MAX_BYTES = 63


/** The name PostgreSQL keeps: the first 63 bytes, never splitting a character (its `pg_mbcliplen`). */
function truncate(name: string): string {
  let bytes = 0
  let end = 0
  for (const char of name) {
    bytes += Buffer.byteLength(char)
    if (bytes > MAX_BYTES) break
    end += char.length
  }
  return name.slice(0, end)
}

const last = (names: PgNode[] | undefined): string | undefined => stringsOf(names).pop()

/** Whether `name` takes more than `bytes` bytes in UTF-8: at most 3 per UTF-16 unit, so most names need no byte count. */
const exceeds = (name: string, bytes: number): boolean => name.length * 3 > bytes && Buffer.byteLength(name) > bytes

export default defineRule({
  meta: {
    id: 'identifier-too-long',
    severity: 'warning',
    category: 'design',
    summary: 'Names of new objects fit in 63 bytes',
    rationale:
      'PostgreSQL keeps only the first 63 bytes of an identifier (NAMEDATALEN - 1) and truncates longer ones with a mere NOTICE. The database then holds a different name than the migration, the ORM schema and the Drizzle snapshot (so `drizzle-kit push`/`pull` keep seeing a difference), and two long names that share their first 63 bytes collide: the second `CREATE`/`ADD CONSTRAINT` fails with "already exists" and rolls back the batch. The limit is in bytes: a non-ASCII letter takes 2 to 4 of them. Drizzle\'s generated foreign-key names (`<table>_<column>_<table>_<column>_fk`) exceed it easily.',
    safeAlternative:
      'Give the object a shorter explicit name (Drizzle: `foreignKey({ name: \'posts_author_fk\', ... })`, `index(\'…\')`, `unique(\'…\')`, or a shorter table/column name).',
    messages: {
      tooLong: 'Identifier "{{name}}" is {{bytes}} bytes: PostgreSQL silently truncates it to "{{truncated}}".',
    },
    exemptions: ['Long names that only refer to existing objects: they are truncated the same way and still match.'],
    pgDocs: 'sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS',
    aliases: ['squawk:identifier-too-long'],
    examples: {
      bad: [
        {
          base: 'CREATE TABLE "workspace_members" ("id" bigint PRIMARY KEY); CREATE TABLE "workflow_execution_logs" ("id" bigint PRIMARY KEY, "workspace_member_id" bigint);',
          sql: 'ALTER TABLE "workflow_execution_logs" ADD CONSTRAINT "workflow_execution_logs_workspace_member_id_workspace_members_id_fk" FOREIGN KEY ("workspace_member_id") REFERENCES "public"."workspace_members"("id");',
        },
      ],
      good: [
        {
          base: 'CREATE TABLE "workspace_members" ("id" bigint PRIMARY KEY); CREATE TABLE "workflow_execution_logs" ("id" bigint PRIMARY KEY, "workspace_member_id" bigint);',
          sql: 'ALTER TABLE "workflow_execution_logs" ADD CONSTRAINT "workflow_execution_logs_member_fk" FOREIGN KEY ("workspace_member_id") REFERENCES "public"."workspace_members"("id");',
        },
      ],
    },
    tests: {
      valid: [
        { name: 'exactly 63 bytes', sql: `CREATE TABLE ${'t'.repeat(63)} (id bigint);` },
        { name: 'a long name referring to an existing object', base: `CREATE TABLE ${'t'.repeat(70)} (id bigint);`, sql: `ALTER TABLE ${'t'.repeat(70)} ADD COLUMN note text;` },
        { name: 'long identifiers inside strings, comments and function bodies', sql: `-- ${'c'.repeat(70)}\nCREATE TABLE t (id bigint DEFAULT length('${'s'.repeat(70)}'));\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 AS ${'x'.repeat(70)} $$;` },
      ],
      invalid: [
        {
          name: 'quoted table and unquoted column, at the token',
          sql: `CREATE TABLE "${'T'.repeat(64)}" (\n  ${'c'.repeat(70)} int\n);`,
          errors: [
            { messageId: 'tooLong', line: 1, column: 14 },
            { messageId: 'tooLong', line: 2, column: 3 },
          ],
        },
        { name: 'bytes, not characters: 32 two-byte letters', sql: `CREATE TABLE t (id bigint, "${'é'.repeat(32)}" text);`, errors: [{ messageId: 'tooLong', column: 28 }] },
        { name: 'index name', base: 'CREATE TABLE t (a int);', sql: `CREATE INDEX ${'i'.repeat(64)} ON t (a);`, errors: [{ messageId: 'tooLong' }] },
        { name: 'rename to a long name', base: 'CREATE TABLE t (a int);', sql: `ALTER TABLE t RENAME COLUMN a TO ${'a'.repeat(80)};`, errors: [{ messageId: 'tooLong', column: 34 }] },
        {
          name: 'two foreign-key names that collide after truncation are both reported',
          base: 'CREATE TABLE p (id bigint PRIMARY KEY); CREATE TABLE c (x bigint, y bigint);',
          sql: `ALTER TABLE c ADD CONSTRAINT ${'k'.repeat(63)}_x FOREIGN KEY (x) REFERENCES p;\nALTER TABLE c ADD CONSTRAINT ${'k'.repeat(63)}_y FOREIGN KEY (y) REFERENCES p;`,
          errors: [{ messageId: 'tooLong', line: 1 }, { messageId: 'tooLong', line: 2 }],
        },
      ],
    },
  },
  check: (ctx) => {
    /** Names the current statement creates. The parser has already truncated them. */
    const created = new Set<string>()
    const add = (name: string | undefined): void => {
      if (name !== undefined) created.add(name)
    }
    return {
      CreateStmt: (n) => add(n.relation?.relname),
      ColumnDef: (n) => add(n.colname),
      Constraint: (n) => add(n.conname),
      IndexStmt: (n) => add(n.idxname),
      RenameStmt: (n) => add(n.newname),
      ViewStmt: (n) => add(n.view?.relname),
      CreateTableAsStmt: (n) => add(n.into?.rel?.relname),
      CreateSeqStmt: (n) => add(n.sequence?.relname),
      CreateEnumStmt: (n) => add(last(n.typeName)),
      CompositeTypeStmt: (n) => add(n.typevar?.relname),
      CreateDomainStmt: (n) => add(last(n.domainname)),
      CreateTrigStmt: (n) => add(n.trigname),
      CreateSchemaStmt: (n) => add(n.schemaname),
      CreateFunctionStmt: (n) => add(last(n.funcname)),
      CreatePolicyStmt: (n) => add(n.policy_name),
      'Statement:exit'(statement) {
        // Only a name within a character (up to 4 bytes) of the limit can be the parser's truncation of a longer one.
        let nearLimit = false
        for (const name of created) {
          if (!exceeds(name, MAX_BYTES - 4)) continue
          nearLimit = true
          break
        }
        if (!nearLimit) {
          created.clear()
          return
        }
        const reported = new Set<string>()
        for (const token of identifierTokens(statement.text)) {
          if (!exceeds(token.name, MAX_BYTES) || reported.has(token.name)) continue
          const kept = truncate(token.name)
          if (!created.has(kept)) continue
          reported.add(token.name)
          const start = statement.range.start.offset + token.start
          ctx.report({ messageId: 'tooLong', data: { name: token.name, bytes: Buffer.byteLength(token.name), truncated: kept }, range: { start, end: statement.range.start.offset + token.end } })
        }
        created.clear()
      },
    }
  },
})
