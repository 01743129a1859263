import { displayName } from '../src/lint/ast.js'
import { columnTypeVisitors } from '../src/lint/column-types.js'
import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'prefer-jsonb-over-json',
    severity: 'notice',
    category: 'design',
    summary: 'Store JSON documents as `jsonb`, not `json`',
    rationale:
      '`json` keeps the input text and reparses it on every access. It has no equality operator, so `SELECT DISTINCT`, `GROUP BY`, `UNION` and unique constraints on it fail, and it cannot be indexed with GIN or queried with the containment operators (`@>`, `?`). Converting later is `ALTER COLUMN … TYPE jsonb`, which rewrites the table under an ACCESS EXCLUSIVE lock.',
    safeAlternative: 'Declare the column `jsonb` (Drizzle: `jsonb()` instead of `json()`).',
    messages: {
      jsonColumn: 'Column {{table}}.{{column}} is json: no equality, no GIN index, reparsed on every access.',
    },
    exemptions: [
      'Documents whose exact text must be kept (whitespace, key order, duplicate keys), e.g. a webhook body whose signature is verified byte for byte: keep `json` with a `-- dba-review-ignore prefer-jsonb-over-json: <why>`.',
      'Temporary tables.',
    ],
    pgDocs: 'datatype-json.html',
    examples: {
      bad: [{ sql: 'CREATE TABLE "events" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"payload" json NOT NULL\n);' }],
      good: [{ sql: 'CREATE TABLE "events" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"payload" jsonb NOT NULL\n);' }],
    },
    tests: {
      valid: [
        { name: 'jsonb and json arrays of jsonb', sql: 'CREATE TABLE t (a jsonb, b jsonb[]);' },
        { name: 'an existing json column', base: 'CREATE TABLE t (a json);', sql: 'ALTER TABLE t ALTER COLUMN a SET NOT NULL;' },
        {
          name: 'ignored with a reason',
          base: 'CREATE TABLE hooks (id bigint);',
          sql: '-- dba-review-ignore prefer-jsonb-over-json: raw body kept for signature checks\nALTER TABLE hooks ADD COLUMN body json;',
        },
      ],
      invalid: [
        { name: 'ADD COLUMN json on an existing table', base: 'CREATE TABLE t (id bigint);', sql: 'ALTER TABLE "t" ADD COLUMN "meta" json DEFAULT \'{}\'::json;', errors: [{ messageId: 'jsonColumn', column: 35 }] },
        { name: 'retype from jsonb back to json', base: 'CREATE TABLE t (a jsonb);', sql: 'ALTER TABLE t ALTER COLUMN a SET DATA TYPE json USING a::json;', errors: [{ messageId: 'jsonColumn' }] },
      ],
    },
  },
  check: (ctx) =>
    columnTypeVisitors(ctx, (site) => {
      if (site.type.name !== 'json' || site.type.schema) return
      ctx.report({ messageId: 'jsonColumn', data: { table: displayName(site.table), column: site.column }, node: site.typeName })
    }),
})
