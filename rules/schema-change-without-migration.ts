import { drizzleFolder } from '../src/lint/example-trees.js'
import { fileAnchor } from '../src/lint/file-anchors.js'
import { defineRule } from '../src/lint/rule.js'

const base = drizzleFolder([{ tag: '0000_init' }], { 'src/db/schema/users.ts': 'export const users = pgTable("users", { id: bigint("id", { mode: "number" }).primaryKey() })\n' })
const schemaChanged = { ...base, 'src/db/schema/users.ts': 'export const users = pgTable("users", { id: bigint("id", { mode: "number" }).primaryKey(), email: text("email") })\n' }

export default defineRule({
  meta: {
    id: 'schema-change-without-migration',
    severity: 'warning',
    category: 'integrity',
    summary: 'A change to the ORM schema files comes with a migration',
    rationale:
      'The application code is written against the Drizzle schema, the database is changed only by migrations. A schema change merged without `drizzle-kit generate` deploys code that queries columns or tables the database does not have: queries fail with "column does not exist" right after the deploy, and the next developer who runs `generate` gets someone else\'s change in their migration.',
    safeAlternative:
      'Run `drizzle-kit generate` and commit the migration with the schema change. If the change cannot affect the database (relations, exported types, comments), say so in the review; to stop checking a path, narrow `paths.schema`.',
    messages: { noMigration: '{{file}} changed, but this change adds no migration: run drizzle-kit generate, unless the edit cannot affect the database.' },
    exemptions: ['Repositories without migration files (schema pushed with `drizzle-kit push`).', 'Reviews without a base branch.'],
    examples: {
      bad: [{ files: { base, head: schemaChanged } }],
      good: [{ files: { base, head: { ...schemaChanged, ...drizzleFolder([{ tag: '0000_init' }, { tag: '0001_email', sql: 'ALTER TABLE "users" ADD COLUMN "email" text;\n' }]) } } }],
    },
    tests: {
      valid: [
        { name: 'a file outside the schema paths', files: { base, head: { ...base, 'src/db/client.ts': 'export const db = drizzle()\n' } } },
        { name: 'a project without migrations', files: { base: { 'src/db/schema/users.ts': 'a' }, head: { 'src/db/schema/users.ts': 'b' } } },
        { name: 'no base branch', files: { head: schemaChanged } },
      ],
      invalid: [
        {
          name: 'each changed schema file, with configured paths',
          config: { paths: { schema: ['packages/db/src/*.ts'] } },
          files: {
            base: { ...drizzleFolder([{ tag: '0000_init' }]), 'packages/db/src/users.ts': 'a', 'packages/db/src/posts.ts': 'a' },
            head: { ...drizzleFolder([{ tag: '0000_init' }]), 'packages/db/src/users.ts': 'b', 'packages/db/src/tags.ts': 'new' },
          },
          errors: [
            { messageId: 'noMigration', file: 'packages/db/src/posts.ts', line: 1 },
            { messageId: 'noMigration', file: 'packages/db/src/tags.ts', line: 1 },
            { messageId: 'noMigration', file: 'packages/db/src/users.ts', line: 1 },
          ],
        },
      ],
    },
  },
  check: (ctx) => ({
    Change(change) {
      if (!change.base || change.added.length || !change.head.migrations.length) return
      for (const file of change.changedSchemaFiles) ctx.report({ messageId: 'noMigration', data: { file }, at: fileAnchor(file) })
    },
  }),
})
