import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { locksTakenBy, type LockMode, LOCK_MODES, lockStrength } from '../../src/lint/lock-modes.js'
import { workDoneBy } from '../../src/lint/statement-work.js'
import { startEmbedded } from '../../src/replay/embedded.js'
import type { ServerEndpoint } from '../../src/replay/server.js'
import { openClient } from '../../src/replay/server.js'
import { SchemaState } from '../../src/schema/schema-state.js'
import { parseMigration, type Statement } from '../../src/sql/parse.js'

/**
 * The lock and work tables of src/lint/lock-modes.ts and src/lint/statement-work.ts, checked twice: the
 * static answer against the expected one, and the expected one against PostgreSQL 16 itself (pg_locks
 * and relfilenode read inside the statement's transaction, then rolled back).
 */

const BASE = `
CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100), name text, score numeric(10,2), created timestamp, net cidr, status text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total int, CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id));
CREATE INDEX orders_total_idx ON orders (total);
CREATE TABLE events (id bigint, at int) PARTITION BY RANGE (at);
CREATE TABLE events_1 (id bigint, at int);
CREATE TABLE sales (id int, region text, amount int);
CREATE MATERIALIZED VIEW region_sales AS SELECT region, sum(amount) AS amount FROM sales GROUP BY region;
CREATE UNIQUE INDEX region_sales_region ON region_sales (region);
CREATE DOMAIN positive AS int;
CREATE TABLE scores (id int, value positive);
CREATE DOMAIN code AS text;
ALTER DOMAIN code ADD CONSTRAINT code_short CHECK (length(VALUE) < 10) NOT VALID;
CREATE TABLE coupons (id int, code code);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE accounts (id int PRIMARY KEY, plan text, CONSTRAINT accounts_plan_present CHECK (plan IS NOT NULL));
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TABLE logs (id int, at int) PARTITION BY RANGE (at);
CREATE TABLE logs_1 PARTITION OF logs FOR VALUES FROM (0) TO (10);
CREATE SCHEMA archive;
INSERT INTO users VALUES (1, 'a@example.com', 'a', 1, now(), '10.0.0.0/8', 'x');
INSERT INTO orders VALUES (1, 1, 5);
INSERT INTO scores VALUES (1, 1);
`

interface Case {
  sql: string
  /** `table:MODE`, strongest per table, ROW EXCLUSIVE and stronger. */
  locks: string[]
  /** `table:kind` of the size-proportional work. */
  work?: string[]
}

const cases: Case[] = [
  { sql: 'ALTER TABLE users ADD COLUMN nick text', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ADD COLUMN visits int NOT NULL DEFAULT 0', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT now()', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'ALTER TABLE users ADD COLUMN seq bigserial', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'ALTER TABLE users ADD COLUMN no int GENERATED ALWAYS AS IDENTITY', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'ALTER TABLE users ADD COLUMN doubled numeric GENERATED ALWAYS AS (score * 2) STORED', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'ALTER TABLE users ADD COLUMN level int DEFAULT 1 CHECK (level > 0)', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:scan'] },
  { sql: 'ALTER TABLE users ADD COLUMN code text UNIQUE', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:index build'] },
  { sql: 'ALTER TABLE orders ADD COLUMN buyer_id bigint REFERENCES users (id)', locks: ['orders:ACCESS EXCLUSIVE', 'users:SHARE ROW EXCLUSIVE'], work: ['orders:scan'] },
  { sql: 'ALTER TABLE users ALTER COLUMN email TYPE varchar(200)', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ALTER COLUMN email TYPE varchar(50)', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'ALTER TABLE users ALTER COLUMN email TYPE text', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar(20)', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'ALTER TABLE users ALTER COLUMN name TYPE text USING name', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: "ALTER TABLE users ALTER COLUMN name TYPE text USING name || ''", locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'ALTER TABLE users ALTER COLUMN score TYPE numeric(12,2)', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ALTER COLUMN score TYPE numeric', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ALTER COLUMN score TYPE numeric(12,3)', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'ALTER TABLE users ALTER COLUMN net TYPE inet', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ALTER COLUMN created TYPE timestamp(3)', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'ALTER TABLE orders ALTER COLUMN total TYPE bigint', locks: ['orders:ACCESS EXCLUSIVE'], work: ['orders:rewrite'] },
  { sql: 'ALTER TABLE users ALTER COLUMN status SET NOT NULL', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:scan'] },
  { sql: 'ALTER TABLE users ALTER COLUMN email SET STATISTICS 500', locks: ['users:SHARE UPDATE EXCLUSIVE'] },
  { sql: 'ALTER TABLE users SET (fillfactor = 80)', locks: ['users:SHARE UPDATE EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ALTER COLUMN name SET DEFAULT $$x$$, ALTER COLUMN email SET STATISTICS 100', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0)', locks: ['orders:ACCESS EXCLUSIVE'], work: ['orders:scan'] },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID', locks: ['orders:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk2 FOREIGN KEY (user_id) REFERENCES users (id)', locks: ['orders:SHARE ROW EXCLUSIVE', 'users:SHARE ROW EXCLUSIVE'], work: ['orders:scan'] },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk2 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID', locks: ['orders:SHARE ROW EXCLUSIVE', 'users:SHARE ROW EXCLUSIVE'] },
  { sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk', locks: ['orders:SHARE UPDATE EXCLUSIVE'], work: ['orders:scan'] },
  { sql: 'ALTER TABLE orders DROP CONSTRAINT orders_user_fk', locks: ['orders:ACCESS EXCLUSIVE', 'users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE orders DROP COLUMN user_id', locks: ['orders:ACCESS EXCLUSIVE', 'users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:index build'] },
  { sql: 'ALTER TABLE events ATTACH PARTITION events_1 FOR VALUES FROM (0) TO (10)', locks: ['events:SHARE UPDATE EXCLUSIVE', 'events_1:ACCESS EXCLUSIVE'], work: ['events_1:scan'] },
  { sql: 'ALTER TABLE scores SET UNLOGGED', locks: ['scores:ACCESS EXCLUSIVE'], work: ['scores:rewrite'] },
  { sql: 'ALTER TABLE orders DISABLE TRIGGER ALL', locks: ['orders:SHARE ROW EXCLUSIVE'] },
  { sql: 'ALTER TABLE users RENAME COLUMN name TO full_name', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE users RENAME TO members', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER INDEX orders_total_idx RENAME TO orders_total_index', locks: [] },
  { sql: 'CREATE INDEX users_email_idx ON users (email)', locks: ['users:SHARE'], work: ['users:index build'] },
  { sql: 'DROP INDEX orders_total_idx', locks: ['orders:ACCESS EXCLUSIVE'] },
  { sql: 'REINDEX INDEX orders_total_idx', locks: ['orders:SHARE'], work: ['orders:index build'] },
  { sql: 'REINDEX TABLE users', locks: ['users:SHARE'], work: ['users:index build'] },
  { sql: 'DROP TABLE orders', locks: ['orders:ACCESS EXCLUSIVE', 'users:ACCESS EXCLUSIVE'] },
  { sql: 'TRUNCATE orders', locks: ['orders:ACCESS EXCLUSIVE'] },
  { sql: 'TRUNCATE users CASCADE', locks: ['orders:ACCESS EXCLUSIVE', 'users:ACCESS EXCLUSIVE'] },
  { sql: 'CLUSTER users USING users_pkey', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'REFRESH MATERIALIZED VIEW region_sales', locks: ['region_sales:ACCESS EXCLUSIVE'], work: ['region_sales:rewrite'] },
  { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY region_sales', locks: ['region_sales:EXCLUSIVE'], work: ['region_sales:scan'] },
  { sql: 'CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()', locks: ['users:SHARE ROW EXCLUSIVE'] },
  { sql: 'CREATE TABLE invoices (id int, order_id bigint REFERENCES orders (id))', locks: ['orders:SHARE ROW EXCLUSIVE'] },
  { sql: 'CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM (10) TO (20)', locks: ['events:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)', locks: ['scores:SHARE'], work: ['scores:scan'] },
  { sql: 'ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID', locks: [] },
  { sql: 'ALTER DOMAIN positive SET NOT NULL', locks: ['scores:SHARE'], work: ['scores:scan'] },
  { sql: 'ALTER DOMAIN code VALIDATE CONSTRAINT code_short', locks: ['coupons:SHARE'], work: ['coupons:scan'] },
  { sql: 'CREATE POLICY users_all ON users USING (true)', locks: ['users:ACCESS EXCLUSIVE'] },
  { sql: 'LOCK TABLE users IN SHARE MODE', locks: ['users:SHARE'] },
  { sql: "UPDATE users SET name = 'x'", locks: ['users:ROW EXCLUSIVE'], work: ['users:backfill'] },
  { sql: "UPDATE users SET name = 'x' WHERE id = 1", locks: ['users:ROW EXCLUSIVE'] },
  { sql: "UPDATE users SET name = 'x' WHERE email = 'a@example.com'", locks: ['users:ROW EXCLUSIVE'], work: ['users:backfill'] },
  { sql: 'DELETE FROM orders WHERE total > 3', locks: ['orders:ROW EXCLUSIVE'], work: ['orders:backfill'] },
  { sql: 'INSERT INTO orders SELECT id + 10, id, 1 FROM users', locks: ['orders:ROW EXCLUSIVE'], work: ['orders:backfill', 'users:scan'] },
  { sql: 'INSERT INTO orders VALUES (2, 1, 3)', locks: ['orders:ROW EXCLUSIVE'] },
  { sql: 'MERGE INTO accounts a USING sales s ON a.id = s.id WHEN MATCHED THEN DELETE', locks: ['accounts:ROW EXCLUSIVE'], work: ['accounts:backfill', 'sales:scan'] },
  { sql: 'CREATE TABLE sales_copy AS SELECT * FROM sales', locks: [], work: ['sales:scan'] },
  { sql: 'ALTER TABLE accounts ALTER COLUMN plan SET NOT NULL', locks: ['accounts:ACCESS EXCLUSIVE'] },
  { sql: 'DROP TRIGGER accounts_touch ON accounts', locks: ['accounts:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE accounts RENAME CONSTRAINT accounts_plan_present TO accounts_plan_nn', locks: ['accounts:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE accounts SET SCHEMA archive', locks: ['accounts:ACCESS EXCLUSIVE'] },
  { sql: 'ALTER TABLE logs DETACH PARTITION logs_1', locks: ['logs:ACCESS EXCLUSIVE', 'logs_1:ACCESS EXCLUSIVE'] },
  { sql: 'CREATE RULE accounts_notify AS ON INSERT TO accounts DO ALSO NOTIFY accounts', locks: ['accounts:ACCESS EXCLUSIVE'] },
  { sql: 'LOCK TABLE accounts', locks: ['accounts:ACCESS EXCLUSIVE'] },
]

/** Statements PostgreSQL refuses inside a transaction block: checked statically only. */
const staticOnly: Case[] = [
  { sql: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email)', locks: ['users:SHARE UPDATE EXCLUSIVE'], work: ['users:index build'] },
  { sql: 'DROP INDEX CONCURRENTLY orders_total_idx', locks: ['orders:SHARE UPDATE EXCLUSIVE'] },
  { sql: 'VACUUM FULL users', locks: ['users:ACCESS EXCLUSIVE'], work: ['users:rewrite'] },
  { sql: 'VACUUM users', locks: ['users:SHARE UPDATE EXCLUSIVE'] },
  { sql: 'ALTER TABLE logs DETACH PARTITION logs_1 CONCURRENTLY', locks: ['logs:SHARE UPDATE EXCLUSIVE', 'logs_1:ACCESS EXCLUSIVE'] },
]

const PG_MODES: Record<string, LockMode> = Object.fromEntries(LOCK_MODES.map((mode) => [`${mode.split(' ').map((w) => w[0] + w.slice(1).toLowerCase()).join('')}Lock`, mode]))

function parse(sql: string): Statement[] {
  return parseMigration({ id: 'case', path: 'case.sql', text: sql, hash: 'case', order: 0, breakpoints: false }).statements
}

const schema = new SchemaState()
for (const statement of parse(BASE)) if (statement.kind && statement.node) schema.apply(statement.kind, statement.node, false)

function staticAnswer(sql: string): { locks: string[]; work: string[] } {
  const [statement] = parse(sql)
  if (!statement) throw new Error(`no statement in ${sql}`)
  const locks = locksTakenBy(statement, { schema })
    .filter((l) => lockStrength(l.mode) >= lockStrength('ROW EXCLUSIVE'))
    .map((l) => `${l.table.name}:${l.mode}`)
  const work = workDoneBy(statement, { schema, pgVersion: 16 }).map((w) => `${w.table.name}:${w.kind}`)
  return { locks: locks.sort(), work: work.sort() }
}

describe('locksTakenBy and workDoneBy', () => {
  it.each([...cases, ...staticOnly].map((c) => [c.sql, c] as const))('%s', (_sql, c) => {
    expect(staticAnswer(c.sql)).toEqual({ locks: [...c.locks].sort(), work: [...(c.work ?? [])].sort() })
  })
})

describe('the expected answers are what PostgreSQL 16 does', () => {
  let endpoint: ServerEndpoint
  let client: pg.Client

  beforeAll(async () => {
    endpoint = await startEmbedded()
    client = await openClient(endpoint.connection('postgres'))
    await client.query(BASE)
  })
  afterAll(async () => {
    await client?.end()
    await endpoint?.stop()
  })

  it.each(cases.map((c) => [c.sql, c] as const))('%s', async (_sql, c) => {
    // By oid: a RENAME must not hide its own table.
    const files = async () =>
      new Map(
        (await client.query<{ oid: string; name: string; node: string }>("SELECT oid::text, relname AS name, relfilenode::text AS node FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'm')")).rows.map((r) => [r.oid, r]),
      )
    await client.query('BEGIN')
    try {
      const before = await files()
      await client.query(c.sql)
      const held = await client.query<{ oid: string; mode: string }>("SELECT relation::text AS oid, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted")
      const strongest = new Map<string, LockMode>()
      for (const { oid, mode } of held.rows) {
        const name = before.get(oid)?.name
        const m = PG_MODES[mode]!
        if (name && (!strongest.has(name) || lockStrength(m) > lockStrength(strongest.get(name)!))) strongest.set(name, m)
      }
      const observed = [...strongest].filter(([, m]) => lockStrength(m) >= lockStrength('ROW EXCLUSIVE')).map(([name, m]) => `${name}:${m}`)
      expect(observed.sort()).toEqual([...c.locks].sort())
      // TRUNCATE swaps in a new empty file: not a rewrite of the rows.
      if (!/^TRUNCATE/.test(c.sql)) {
        const after = await files()
        const rewritten = [...before].filter(([oid, { node }]) => after.has(oid) && after.get(oid)!.node !== node).map(([, { name }]) => `${name}:rewrite`)
        expect(rewritten.sort()).toEqual((c.work ?? []).filter((w) => w.endsWith(':rewrite')).sort())
      }
    } finally {
      await client.query('ROLLBACK')
    }
  })
})
