import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'extension-policy',
    severity: 'error',
    category: 'policy',
    summary: 'Create only extensions the team has approved (`extensions` in the config)',
    rationale:
      'An extension installs C code into the database server: it can crash or slow the server, needs superuser or a provider allow-list, must exist on every replica and in every environment, constrains future PostgreSQL upgrades, and is hard to remove once columns use its types. Which extensions a production database may carry is an operations decision, not a per-pull-request one.',
    safeAlternative:
      'Use an extension from `extensions.approved`. For one in `extensions.needsApproval`, ask a DBA to approve the pull request. To allow a new one for everyone, add it to `.github/dba-review.yml` in its own reviewed change.',
    messages: {
      needsApproval: 'Extension {{extension}} needs a DBA\'s approval (it is listed under extensions.needsApproval).',
      notApproved: 'Extension {{extension}} is not approved for this database (neither in extensions.approved nor in extensions.needsApproval).',
    },
    exemptions: ['`CREATE EXTENSION IF NOT EXISTS` of an extension the migrations already created: it does nothing.'],
    pgDocs: 'sql-createextension.html',
    examples: {
      bad: [{ sql: 'CREATE EXTENSION IF NOT EXISTS "timescaledb_toolkit";' }],
      good: [{ sql: 'CREATE EXTENSION IF NOT EXISTS "pg_trgm";' }],
    },
    tests: {
      valid: [
        { name: 'quoted approved name', sql: 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;' },
        { name: 'configured approval list', sql: 'CREATE EXTENSION hstore;', config: { extensions: { approved: ['hstore'] } } },
        { name: 'already created by an applied migration', base: 'CREATE EXTENSION postgis;', sql: 'CREATE EXTENSION IF NOT EXISTS postgis;' },
      ],
      invalid: [
        { name: 'needs approval: a warning', sql: 'CREATE EXTENSION IF NOT EXISTS vector;', errors: [{ messageId: 'needsApproval', line: 1, column: 1, severity: 'warning' }] },
        { name: 'unknown extension: an error', sql: 'CREATE EXTENSION plv8;', errors: [{ messageId: 'notApproved', severity: 'error' }] },
        { name: 'names are compared as PostgreSQL stores them (unquoted names fold to lower case)', sql: 'CREATE EXTENSION "PostGIS";\nCREATE EXTENSION PostGIS;', errors: [{ messageId: 'notApproved', line: 1 }, { messageId: 'needsApproval', line: 2 }] },
        { name: 'without IF NOT EXISTS an existing one is still checked', base: 'CREATE EXTENSION postgis;', sql: 'CREATE EXTENSION postgis;', errors: [{ messageId: 'needsApproval' }] },
      ],
    },
  },
  check: (ctx) => ({
    CreateExtensionStmt(node) {
      const name: string = node.extname
      const { approved, needsApproval } = ctx.config.extensions
      if (approved.includes(name) || (node.if_not_exists && ctx.schema.extensions.has(name))) return
      if (needsApproval.includes(name)) ctx.report({ messageId: 'needsApproval', data: { extension: name }, severity: 'warning' })
      else ctx.report({ messageId: 'notApproved', data: { extension: name } })
    },
  }),
})
