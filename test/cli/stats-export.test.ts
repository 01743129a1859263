import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseTableStats } from '../../src/config/table-stats.js'
import type { ServerEndpoint } from '../../src/replay/server.js'
import { startEmbedded } from '../../src/replay/embedded.js'
import { runCli } from './run-cli.js'

let server: ServerEndpoint
let url: string
let out: string

beforeAll(async () => {
  server = await startEmbedded()
  const c = server.connection('postgres')
  url = `postgres://${encodeURIComponent(String(c.user))}:${encodeURIComponent(String(c.password))}@${c.host}:${c.port}/postgres`
  const client = new pg.Client(c)
  await client.connect()
  await client.query(`
    CREATE SCHEMA billing;
    CREATE TABLE public.users (id bigint PRIMARY KEY, email text);
    INSERT INTO public.users SELECT g, 'u' || g FROM generate_series(1, 1500) g;
    CREATE TABLE billing.invoices (id bigint, at date) PARTITION BY RANGE (at);
    CREATE TABLE billing.invoices_2025 PARTITION OF billing.invoices FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    CREATE TABLE billing.invoices_2026 PARTITION OF billing.invoices FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
    INSERT INTO billing.invoices SELECT g, DATE '2025-06-01' + (g % 400) FROM generate_series(1, 800) g;
    CREATE MATERIALIZED VIEW public.user_counts AS SELECT count(*) AS n FROM public.users;
    CREATE VIEW public.user_emails AS SELECT email FROM public.users;
    ANALYZE;
  `)
  await client.end()
  out = mkdtempSync(path.join(tmpdir(), 'dba-review-stats-'))
}, 120_000)

afterAll(async () => {
  await server?.stop()
  if (out) rmSync(out, { recursive: true, force: true })
})

describe('dba-review stats export', () => {
  it('writes a valid stats file with rows of tables, partitioned tables and materialized views', async () => {
    const run = await runCli(['stats', 'export', '--database-url', url, '--output', 'stats.json'], { cwd: out })
    expect(run).toMatchObject({ code: 0, stdout: '' })
    expect(run.stderr).toBe('Wrote 3 tables to stats.json\n')
    const text = readFileSync(path.join(out, 'stats.json'), 'utf8')
    const { stats, problems } = parseTableStats(text, 'stats.json')
    expect(problems).toEqual([])
    // Partitions are counted in their parent, views have no rows to count.
    expect([...stats]).toEqual([
      ['billing.invoices', 800],
      ['public.user_counts', 1],
      ['public.users', 1500],
    ])
    const file = JSON.parse(text)
    expect(file.tables['public.users'].bytes).toBeGreaterThan(8192)
    expect(new Date(file.generatedAt).getTime()).not.toBeNaN()
  })

  it('writes to stdout without --output, and takes DATABASE_URL', async () => {
    const run = await runCli(['stats', 'export'], { env: { DATABASE_URL: url } })
    expect(run.code).toBe(0)
    expect(Object.keys(JSON.parse(run.stdout).tables)).toEqual(['billing.invoices', 'public.user_counts', 'public.users'])
  })

  it('exits 2 with a clear message when it cannot connect or has no URL', async () => {
    const refused = await runCli(['stats', 'export', '--database-url', 'postgres://nobody@127.0.0.1:1/x'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/^dba-review: cannot read table stats: .*\n$/)
    expect(await runCli(['stats', 'export'])).toEqual({ code: 2, stdout: '', stderr: 'dba-review: stats export needs --database-url (or DATABASE_URL)\n' })
  })
})
