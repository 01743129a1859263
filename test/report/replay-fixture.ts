import type { ReplayReport } from '../../src/replay/report.js'

/** A replay report as the engine writes it for one migration that indexes and alters an existing table. */
export const replayFixture: ReplayReport = {
  version: 1,
  startedAt: '2026-03-02T09:00:00.000Z',
  status: 'passed',
  server: { backend: 'embedded', version: '16.4' },
  transactionMode: 'all-pending',
  limits: { statementTimeoutMs: 60_000, deadlineMs: 300_000, tempFileLimitKb: 1_048_576, maxDatabaseBytes: 2_147_483_648, maxRows: 0 },
  base: { migrations: 1, templateKey: 'k1', template: 'reused' },
  migrations: [
    {
      id: '0001_orders_index',
      path: 'drizzle/0001_orders_index.sql',
      status: 'applied',
      startAtMs: 0,
      ms: 42,
      statements: [],
    },
  ],
  transactions: [{ startAtMs: 0, endAtMs: 45, outcome: 'commit' }],
  locks: [
    { relation: 'public.orders', relationKind: 'table', mode: 'SHARE', dangerous: true, migration: '0001_orders_index', statement: 0, acquiredAtMs: 1, releasedAtMs: 45, heldMs: 44 },
    { relation: 'public.orders', relationKind: 'table', mode: 'ACCESS EXCLUSIVE', dangerous: true, migration: '0001_orders_index', statement: 1, acquiredAtMs: 30, releasedAtMs: 45, heldMs: 15 },
    { relation: 'public.users', relationKind: 'table', mode: 'ACCESS SHARE', dangerous: false, migration: '0001_orders_index', statement: 1, acquiredAtMs: 31, releasedAtMs: 31, heldMs: 0 },
  ],
  totals: { ms: 45, statements: 2, executed: 2, rewrites: 0, scans: 1, maxDangerousLockMs: 44 },
  traffic: {
    intervalMs: 5,
    tables: [{ relation: 'public.orders', reads: { queries: 9, blocked: 3, maxBlockedMs: 15, totalBlockedMs: 30 }, writes: { queries: 9, blocked: 9, maxBlockedMs: 44, totalBlockedMs: 200 } }],
    reads: { queries: 9, blocked: 3, maxBlockedMs: 15, totalBlockedMs: 30 },
    writes: { queries: 9, blocked: 9, maxBlockedMs: 44, totalBlockedMs: 200 },
    unprobed: [],
  },
  estimates: {
    estimated: true,
    sizes: [1_000, 10_000],
    productionRows: { 'public.orders': 12_000_000 },
    statements: [{ migration: '0001_orders_index', statement: 0, relation: 'public.orders', rows: 12_000_000, measured: [{ rows: 1_000, ms: 4 }, { rows: 10_000, ms: 31 }], model: 'linear', estimatedMs: 36_000 }],
    locks: [{ relation: 'public.orders', mode: 'SHARE', migration: '0001_orders_index', statement: 0, estimatedHeldMs: 36_100 }],
    estimatedTotalMs: 36_200,
  },
  drift: { snapshot: 'drizzle/meta/0001_snapshot.json', differences: [{ object: 'index', name: 'orders_user_id_idx', kind: 'missing', snapshot: 'btree (user_id)' }] },
  unindexedForeignKeys: [],
  findings: [],
  timings: { setupMs: 120, changeMs: 45, afterMs: 30, totalMs: 195 },
}
