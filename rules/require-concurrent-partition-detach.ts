import { displayName, existingTableCommands } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE events (id bigint, at timestamptz) PARTITION BY RANGE (at);\nCREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM (\'2023-01-01\') TO (\'2024-01-01\');'

export default defineRule({
  meta: {
    id: 'require-concurrent-partition-detach',
    severity: 'warning',
    category: 'locks',
    summary: 'Detach partitions of existing tables with DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+)',
    rationale:
      '`ALTER TABLE … DETACH PARTITION` takes ACCESS EXCLUSIVE on the partitioned table and on the partition. The detach itself is catalog-only, but the lock request queues behind every running query on any partition and every later query queues behind it; inside a transaction it is held until COMMIT. Reads and writes of the whole partitioned table stop meanwhile.',
    safeAlternative:
      'Use `ALTER TABLE parent DETACH PARTITION part CONCURRENTLY` (PostgreSQL 14+; SHARE UPDATE EXCLUSIVE on the parent) as the only command of its statement, in a migration that runs outside a transaction block. It fails if the parent has a DEFAULT partition; if it is interrupted, finish it with `ALTER TABLE parent DETACH PARTITION part FINALIZE`.',
    messages: {
      missingConcurrently: 'Partition {{partition}} is detached from {{table}} without CONCURRENTLY: ACCESS EXCLUSIVE on {{table}} blocks reads and writes of every partition until the transaction commits.',
    },
    exemptions: [
      'Partitioned tables created earlier in the same change.',
      'PostgreSQL before 14 (`postgres.version`), which has no DETACH CONCURRENTLY.',
      '`DETACH PARTITION … FINALIZE`, which completes an interrupted concurrent detach.',
    ],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION',
    aliases: ['squawk:require-concurrent-partition-detach'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "events" DETACH PARTITION "events_2023";', base: BASE }],
      good: [
        { sql: 'ALTER TABLE "events" DETACH PARTITION "events_2023" CONCURRENTLY;', base: BASE, transaction: 'none' },
        { sql: `${BASE}\nALTER TABLE events DETACH PARTITION events_2023;` },
      ],
    },
    tests: {
      valid: [
        { name: 'PostgreSQL 13 has no DETACH CONCURRENTLY', base: BASE, sql: 'ALTER TABLE events DETACH PARTITION events_2023;', pgVersion: 13 },
        { name: 'FINALIZE completes a concurrent detach', base: BASE, sql: 'ALTER TABLE events DETACH PARTITION events_2023 FINALIZE;' },
      ],
      invalid: [
        {
          name: 'schema-qualified parent, reported at the partition name, no fix',
          base: 'CREATE SCHEMA app;\nCREATE TABLE app.events (id bigint, at timestamptz) PARTITION BY RANGE (at);\nCREATE TABLE app.events_2023 PARTITION OF app.events FOR VALUES FROM (\'2023-01-01\') TO (\'2024-01-01\');',
          sql: 'ALTER TABLE app.events\n  DETACH PARTITION app.events_2023;',
          transaction: 'none',
          errors: [{ messageId: 'missingConcurrently', line: 2, column: 20 }],
          output: null,
        },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      if (ctx.pgVersion < 14) return
      for (const cmd of existingTableCommands(ctx, node, ['AT_DetachPartition'])) {
        const partition = cmd.def?.PartitionCmd
        if (cmd.subtype !== 'AT_DetachPartition' || !partition || partition.concurrent) continue
        ctx.report({ messageId: 'missingConcurrently', node: partition.name, data: { partition: displayName(partition.name), table: displayName(node.relation) } })
      }
    },
  }),
})
