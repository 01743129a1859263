import { displayName } from '../src/lint/ast.js'
import { isDangerousLock, type LockMode, locksTakenBy, lockStrength, type TableLock } from '../src/lint/lock-modes.js'
import { defineRule, type TransactionInfo } from '../src/lint/rule.js'
import { WORK_VERBS, workDoneBy } from '../src/lint/statement-work.js'
import type { TableRef } from '../src/schema/schema-state.js'

const BASE = 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total int);\nCREATE TABLE users (id bigint PRIMARY KEY, email text);'

interface Held {
  table: TableRef
  mode: LockMode
  file: string
  line: number
}

const key = (ref: TableRef): string => `${ref.schema ?? 'public'}.${ref.name}`

interface HeldParts {
  held: string
  blocked: string
  until: string
}

/** The message parts about the locks still held, as seen from `file`. */
function heldParts(held: Map<string, Held>, file: string, tx: TransactionInfo): HeldParts {
  const where = (h: Held): string => (h.file === file ? `line ${h.line}` : `${h.file}:${h.line}`)
  const all = [...held.values()]
  return {
    held: all.map((h) => `${h.mode} on ${displayName(h.table)} since ${where(h)}`).join(', '),
    blocked: all.map((h) => `${h.mode === 'ACCESS EXCLUSIVE' ? 'reads and writes of' : 'writes to'} ${displayName(h.table)}`).join(' and '),
    until: tx.mode === 'all-pending' && !tx.explicit ? ' (under drizzle: the end of the last pending migration)' : '',
  }
}

export default defineRule({
  meta: {
    id: 'lock-held-across-statements',
    severity: 'warning',
    category: 'locks',
    summary: 'Do no slow work after taking a lock that blocks traffic, in the same transaction',
    rationale:
      'A lock is held until the transaction commits, not until the statement that took it ends. After a quick `ALTER TABLE … ADD COLUMN` (ACCESS EXCLUSIVE) or `CREATE INDEX` (SHARE), every later statement of the same transaction runs with that table still blocked: a rewrite, a validating scan, an index build, a backfill or a wait for another lock keeps all reads and writes (SHARE and SHARE ROW EXCLUSIVE: all writes) of the first table waiting for its whole duration. drizzle-orm\'s migrator runs every pending migration in one transaction, so the lock is held until the end of the last pending file (eugene E4).',
    safeAlternative:
      'Put slow work first and the short locking statements last, or split them into separate deploys (separate transactions): e.g. build the index with `CREATE INDEX CONCURRENTLY` and backfill in batches outside the migration, then add the column or constraint in its own short migration.',
    messages: {
      workWhileLocked: '{{action}} {{verb}} {{table}} while locks taken earlier in this transaction are still held ({{held}}): {{blocked}} wait for it, and until the transaction commits{{until}}.',
      lockWhileLocked: '{{action}} waits for {{newMode}} on {{table}} while locks taken earlier in this transaction are still held ({{held}}): {{blocked}} wait for as long as it waits, and until the transaction commits{{until}}.',
    },
    exemptions: [
      'Catalog-only statements after the lock (more `ADD COLUMN`s, renames, `NOT VALID` constraints, comments) and statements on tables created in the change: they finish in milliseconds.',
      'Locks on tables created in the change, and locks weaker than SHARE.',
      'Statements in autocommit or after a COMMIT: the lock was released.',
      'Waits for further locks are reported once per transaction, and not at all when `lock_timeout` bounds them.',
    ],
    pgDocs: 'explicit-locking.html#LOCKING-TABLES',
    examples: {
      bad: [{ sql: 'ALTER TABLE "orders" ADD COLUMN "note" text;--> statement-breakpoint\nALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE bigint;', base: BASE }],
      good: [{ sql: 'ALTER TABLE "orders" ADD COLUMN "note" text;--> statement-breakpoint\nALTER TABLE "orders" ADD COLUMN "tag" text;', base: BASE }],
    },
    tests: {
      valid: [
        { name: 'released by COMMIT', base: BASE, sql: 'ALTER TABLE orders ADD COLUMN note text;\n--> statement-breakpoint\nCOMMIT;\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);' },
        { name: 'per-file transactions end at the file', base: BASE, sql: 'ALTER TABLE orders ADD COLUMN note text;', more: ["UPDATE users SET email = lower(email);"], transaction: 'per-file' },
        { name: 'work on a table created in the change', base: BASE, sql: 'ALTER TABLE orders ADD COLUMN note text;\n--> statement-breakpoint\nCREATE TABLE carts (id bigint);\n--> statement-breakpoint\nCREATE INDEX carts_id_idx ON carts (id);' },
        { name: 'SHARE UPDATE EXCLUSIVE is not held against traffic', base: BASE, sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_pkey;\n--> statement-breakpoint\nCREATE INDEX users_email_idx ON users (email);' },
        { name: 'lock_timeout bounds the wait for another lock', base: BASE, sql: "SET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN note text;\nALTER TABLE users ADD COLUMN nick text;" },
        { name: 'autocommit', base: BASE, sql: 'ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX users_email_idx ON users (email);', transaction: 'none' },
      ],
      invalid: [
        {
          name: 'a backfill in a later pending file (drizzle: one transaction)',
          base: BASE,
          sql: 'ALTER TABLE orders ADD COLUMN note text;',
          more: ["UPDATE users SET email = lower(email);"],
          errors: [{ messageId: 'workWhileLocked', file: 1, line: 1, column: 8 }],
        },
        {
          name: 'an index build after SHARE on another table, then a stronger lock while both are held',
          base: BASE,
          sql: 'CREATE INDEX orders_user_idx ON orders (user_id);\n--> statement-breakpoint\nCREATE INDEX users_email_idx ON users (email);\n--> statement-breakpoint\nALTER TABLE orders ADD COLUMN note text;',
          errors: [{ messageId: 'workWhileLocked', line: 3 }, { messageId: 'lockWhileLocked', line: 5 }],
        },
        {
          name: 'waiting for a lock on another table, once per transaction',
          base: `${BASE}\nCREATE TABLE carts (id bigint);`,
          sql: 'ALTER TABLE orders ADD COLUMN note text;\n--> statement-breakpoint\nALTER TABLE users ADD COLUMN nick text;\n--> statement-breakpoint\nALTER TABLE carts ADD COLUMN note text;',
          errors: [{ messageId: 'lockWhileLocked', line: 3 }],
        },
        {
          name: 'work on the locked table itself, in an explicit transaction',
          base: BASE,
          sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN paid boolean;\nALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);\nCOMMIT;',
          transaction: 'none',
          errors: [{ messageId: 'workWhileLocked', line: 3 }],
        },
      ],
    },
  },
  check: (ctx) => {
    let held = new Map<string, Held>()
    /** `heldParts` of `held` as it stands, kept for the next finding until a lock is added (most statements report nothing; many findings in a row see the same locks). */
    let parts: { file: string; parts: HeldParts } | undefined
    let transaction = -1
    let waitReported = false
    const blocksTraffic = (l: TableLock): boolean => isDangerousLock(l.mode) && ctx.isExistingTable(l.table)
    const partsFor = (file: string, tx: TransactionInfo): HeldParts => {
      if (parts?.file !== file) parts = { file, parts: heldParts(held, file, tx) }
      return parts.parts
    }
    return {
      Statement(statement) {
        const tx = ctx.transaction
        if (!tx.inTransaction || tx.id !== transaction) {
          held = new Map()
          parts = undefined
          waitReported = false
          transaction = tx.inTransaction ? tx.id : -1
        }
        const migration = ctx.migration
        if (!tx.inTransaction || !migration) return
        const locks = locksTakenBy(statement, ctx)
        if (held.size) {
          const work = workDoneBy(statement, ctx).find((w) => ctx.isExistingTable(w.table))
          if (work) {
            const { held: heldLocks, blocked, until } = partsFor(migration.path, tx)
            ctx.report({ messageId: 'workWhileLocked', data: { held: heldLocks, blocked, until, action: work.action, verb: WORK_VERBS[work.kind], table: displayName(work.table) }, node: work.node })
          } else if (!tx.lockTimeoutSet && !waitReported) {
            const lock = locks.find((l) => blocksTraffic(l) && lockStrength(l.mode) > lockStrength(held.get(key(l.table))?.mode ?? 'ACCESS SHARE'))
            if (lock) {
              // One wait per transaction makes the point; with lock_timeout set the wait is bounded.
              waitReported = true
              const { held: heldLocks, blocked, until } = partsFor(migration.path, tx)
              ctx.report({ messageId: 'lockWhileLocked', data: { held: heldLocks, blocked, until, action: lock.action, newMode: lock.mode, table: displayName(lock.table) }, node: lock.node })
            }
          }
        }
        for (const lock of locks) {
          if (!blocksTraffic(lock)) continue
          const tableKey = key(lock.table)
          const seen = held.get(tableKey)
          if (seen && lockStrength(lock.mode) <= lockStrength(seen.mode)) continue
          held.set(tableKey, { table: lock.table, mode: lock.mode, file: migration.path, line: statement.range.start.line })
          parts = undefined
        }
      },
    }
  },
})
