import { displayName, optionEnabled } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb);'

export default defineRule({
  meta: {
    id: 'ban-vacuum-full-and-cluster',
    severity: 'error',
    category: 'locks',
    summary: 'Do not run VACUUM FULL or CLUSTER on existing tables in a migration',
    rationale:
      '`VACUUM FULL` and `CLUSTER` write a complete new copy of the table and all its indexes under ACCESS EXCLUSIVE: every read and write of the table waits for the whole rewrite, about a second per million narrow rows and far more on wide or bloated tables, and the copy needs as much free disk as the table. `VACUUM` cannot run inside a transaction block, so under drizzle-orm\'s migrator it also fails the migration outright.',
    safeAlternative:
      'Reclaim space online with `pg_repack` or `pg_squeeze` (short ACCESS EXCLUSIVE only at the start and end), run by an operator outside the deploy; for ordering, rely on an index instead of physical order. If the table is small and a maintenance window is booked, do it by hand then.',
    messages: {
      vacuumFull: 'VACUUM FULL rewrites {{table}} under ACCESS EXCLUSIVE: its reads and writes wait for the whole rewrite.{{note}}',
      vacuumFullAll: 'VACUUM FULL without a table rewrites every table of the database, one after another, each under ACCESS EXCLUSIVE.{{note}}',
      cluster: 'CLUSTER rewrites {{table}} in index order under ACCESS EXCLUSIVE: its reads and writes wait for the whole rewrite.',
      clusterAll: 'CLUSTER without a table rewrites every previously clustered table of the database, each under ACCESS EXCLUSIVE.',
    },
    exemptions: ['Tables created earlier in the same change.', 'Plain `VACUUM` and `ANALYZE` (SHARE UPDATE EXCLUSIVE: reads and writes continue).'],
    pgDocs: 'sql-vacuum.html',
    examples: {
      bad: [{ sql: 'VACUUM FULL "events";', base: BASE, transaction: 'none' }],
      good: [{ sql: 'VACUUM (ANALYZE) "events";', base: BASE, transaction: 'none' }],
    },
    tests: {
      valid: [
        { name: 'FULL switched off', base: BASE, sql: 'VACUUM (FULL false) events;', transaction: 'none' },
        { name: 'table created in the same change', sql: 'CREATE TABLE tmp (id int);\nCLUSTER tmp USING tmp_pkey;' },
      ],
      invalid: [
        { name: 'inside the runner transaction it also fails', base: BASE, sql: 'VACUUM (FULL, ANALYZE) events;', errors: [{ messageId: 'vacuumFull', line: 1, column: 24 }] },
        { name: 'whole database', sql: 'VACUUM FULL;', transaction: 'none', errors: [{ messageId: 'vacuumFullAll' }] },
        { name: 'CLUSTER with and without an index, schema-qualified', base: 'CREATE TABLE app.events (id bigint PRIMARY KEY);', sql: 'CLUSTER app.events USING events_pkey;\n--> statement-breakpoint\nCLUSTER app.events;', errors: [{ messageId: 'cluster', line: 1 }, { messageId: 'cluster', line: 3 }] },
        { name: 'CLUSTER of every clustered table', sql: 'CLUSTER;', transaction: 'none', errors: [{ messageId: 'clusterAll' }] },
      ],
    },
  },
  check: (ctx) => ({
    VacuumStmt(node) {
      if (!node.is_vacuumcmd || !optionEnabled(node.options, 'full')) return
      const note = ctx.transaction.inTransaction ? ' Inside a transaction block it fails outright ("VACUUM cannot run inside a transaction block").' : ''
      const rels = (node.rels ?? []).map((r: { VacuumRelation?: { relation?: Record<string, unknown> } }) => r.VacuumRelation?.relation).filter(Boolean)
      if (!rels.length) ctx.report({ messageId: 'vacuumFullAll', data: { note } })
      for (const relation of rels) if (ctx.isExistingTable(relation)) ctx.report({ messageId: 'vacuumFull', data: { table: displayName(relation), note }, node: relation })
    },
    ClusterStmt(node) {
      if (!node.relation) ctx.report({ messageId: 'clusterAll' })
      else if (ctx.isExistingTable(node.relation)) ctx.report({ messageId: 'cluster', data: { table: displayName(node.relation) }, node: node.relation })
    },
  }),
})
