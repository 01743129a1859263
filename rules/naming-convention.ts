import * as z from 'zod/mini'
import { isTemporary } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import type { PgNode } from '../src/sql/parse.js'

const SNAKE_CASE = '^[a-z_][a-z0-9_]*$'

const regex = z.string().check(
  z.refine((source) => {
    try {
      new RegExp(source, 'u')
      return true
    } catch {
      return false
    }
  }, 'not a valid regular expression'),
)

const optionsSchema = z.strictObject({
  pattern: z._default(regex, SNAKE_CASE).check(z.describe('Regular expression every new name must match (default: snake_case).')),
  tables: z.optional(regex).check(z.describe('Overrides `pattern` for tables.')),
  columns: z.optional(regex).check(z.describe('Overrides `pattern` for columns.')),
  indexes: z.optional(regex).check(z.describe('Overrides `pattern` for indexes.')),
  constraints: z.optional(regex).check(z.describe('Overrides `pattern` for constraints.')),
})

type Kind = 'table' | 'column' | 'index' | 'constraint'

/** Every review batch checks names against the same few patterns (without `g` or `y` a RegExp keeps no state): each is compiled once. */
const compiledPatterns = new Map<string, RegExp>()

function compile(source: string): RegExp {
  let compiled = compiledPatterns.get(source)
  if (!compiled) {
    compiled = new RegExp(source, 'u')
    compiledPatterns.set(source, compiled)
  }
  return compiled
}

const RENAMED_KIND: Record<string, Kind> = { OBJECT_TABLE: 'table', OBJECT_COLUMN: 'column', OBJECT_INDEX: 'index', OBJECT_TABCONSTRAINT: 'constraint' }

export default defineRule({
  meta: {
    id: 'naming-convention',
    severity: 'notice',
    category: 'design',
    summary: 'New tables, columns, indexes and constraints follow the naming convention (snake_case by default)',
    rationale:
      'PostgreSQL folds unquoted identifiers to lower case, so a mixed-case name (what Drizzle emits for a camelCase TypeScript key without `casing: \'snake_case\'`) exists only in double quotes: every hand-written query, psql session, view, function and BI tool must quote it exactly, and `userId` without quotes fails with "column userid does not exist". Mixed conventions in one schema make every query a guess. Renaming later takes an ACCESS EXCLUSIVE lock and breaks running code.',
    safeAlternative:
      'Use lower-case snake_case names (Drizzle: `drizzle({ casing: \'snake_case\' })` and the same `casing` in `drizzle.config.ts`, or explicit column names). Teams with another convention set `rules.naming-convention.options.pattern` (or `tables`/`columns`/`indexes`/`constraints`), e.g. `^[a-z][a-zA-Z0-9]*$` for camelCase.',
    options: optionsSchema,
    messages: { badName: '{{kind}} name "{{name}}" does not match the naming convention {{pattern}}.' },
    exemptions: ['Names that existed before the change.', 'Temporary tables and their columns.'],
    pgDocs: 'sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS',
    examples: {
      bad: [{ sql: 'CREATE TABLE "users" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"createdAt" timestamp with time zone DEFAULT now() NOT NULL\n);' }],
      good: [{ sql: 'CREATE TABLE "users" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"created_at" timestamp with time zone DEFAULT now() NOT NULL\n);' }],
    },
    tests: {
      valid: [
        { name: 'camelCase allowed by the pattern option', sql: 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "createdAt" timestamptz);', options: { pattern: '^[a-z][a-zA-Z0-9]*$' } },
        { name: 'per-kind override: camelCase columns, snake_case elsewhere', sql: 'CREATE TABLE user_accounts ("userId" bigint CONSTRAINT user_accounts_pk PRIMARY KEY);', options: { columns: '^[a-z][a-zA-Z0-9]*$' } },
        { name: 'existing mixed-case names are not this change\'s', base: 'CREATE TABLE "Users" ("userId" bigint);', sql: 'ALTER TABLE "Users" ADD COLUMN "display_name" text;' },
        { name: 'temporary table', sql: 'CREATE TEMP TABLE "Scratch" ("A" int);' },
        { name: 'IF NOT EXISTS of an index the base has', base: 'CREATE TABLE t (a int); CREATE INDEX "tA" ON t (a);', sql: 'CREATE INDEX IF NOT EXISTS "tA" ON t (a);' },
      ],
      invalid: [
        {
          name: 'drizzle camelCase column and the constraint named after it',
          base: 'CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
          sql: 'CREATE TABLE "posts" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"authorId" bigint NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "posts" ADD CONSTRAINT "posts_authorId_users_id_fk" FOREIGN KEY ("authorId") REFERENCES "public"."users"("id");',
          errors: [
            { messageId: 'badName', line: 3, column: 2 },
            { messageId: 'badName', line: 6, column: 25 },
          ],
        },
        {
          name: 'table, index, and renames to bad names',
          base: 'CREATE TABLE t (a int, CONSTRAINT t_a_check CHECK (a > 0));',
          sql: 'CREATE TABLE "AuditLog" (id bigint PRIMARY KEY);\nCREATE INDEX "T_A_Idx" ON t (a);\nALTER TABLE t RENAME COLUMN a TO "A";\nALTER TABLE t RENAME CONSTRAINT t_a_check TO "tACheck";',
          errors: [
            { messageId: 'badName', line: 1 },
            { messageId: 'badName', line: 2 },
            { messageId: 'badName', line: 3 },
            { messageId: 'badName', line: 4 },
          ],
        },
        { name: 'ADD COLUMN with an inline named constraint', base: 'CREATE TABLE t (id bigint);', sql: 'ALTER TABLE t ADD COLUMN "Email" text CONSTRAINT "Email_Unique" UNIQUE;', errors: [{ messageId: 'badName' }, { messageId: 'badName' }] },
        { name: 'a custom pattern', sql: 'CREATE TABLE users (id bigint);', options: { tables: '^tbl_[a-z_]+$' }, errors: [{ messageId: 'badName', column: 14 }] },
      ],
    },
  },
  check: (ctx) => {
    const options = ctx.options as z.output<typeof optionsSchema>
    const patterns: Record<Kind, string> = {
      table: options.tables ?? options.pattern,
      column: options.columns ?? options.pattern,
      index: options.indexes ?? options.pattern,
      constraint: options.constraints ?? options.pattern,
    }
    const compiled: Record<Kind, RegExp> = { table: compile(patterns.table), column: compile(patterns.column), index: compile(patterns.index), constraint: compile(patterns.constraint) }

    const check = (kind: Kind, name: string | undefined, node?: PgNode): void => {
      if (name === undefined || compiled[kind].test(name)) return
      ctx.report({ messageId: 'badName', data: { kind: kind[0]!.toUpperCase() + kind.slice(1), name, pattern: patterns[kind] }, node })
    }
    const checkColumn = (def: PgNode): void => {
      check('column', def.colname, def)
      for (const c of def.constraints ?? []) check('constraint', c.Constraint?.conname, c.Constraint)
    }

    return {
      CreateStmt(node) {
        if (isTemporary(node.relation) || (node.if_not_exists && ctx.schema.table(node.relation))) return
        check('table', node.relation.relname, node.relation)
        for (const element of node.tableElts ?? []) {
          if (element.ColumnDef) checkColumn(element.ColumnDef)
          else if (element.Constraint) check('constraint', element.Constraint.conname, element.Constraint)
        }
      },
      AlterTableStmt(node) {
        if (node.objtype && node.objtype !== 'OBJECT_TABLE') return
        const table = ctx.schema.table(node.relation)
        for (const item of node.cmds ?? []) {
          const cmd = item.AlterTableCmd
          const def = cmd?.def
          if (cmd?.subtype === 'AT_AddColumn' && def?.ColumnDef && !(cmd.missing_ok && table?.columns.has(def.ColumnDef.colname))) checkColumn(def.ColumnDef)
          else if (cmd?.subtype === 'AT_AddConstraint' && def?.Constraint) check('constraint', def.Constraint.conname, def.Constraint)
        }
      },
      IndexStmt(node) {
        if (node.if_not_exists && node.idxname && ctx.schema.tableOfIndex(node.relation.schemaname, node.idxname)) return
        check('index', node.idxname)
      },
      RenameStmt(node) {
        const kind = RENAMED_KIND[node.renameType]
        if (kind) check(kind, node.newname)
      },
    }
  },
})
