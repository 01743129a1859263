import type pg from 'pg'
import type { PgNode, Statement } from '../sql/parse.js'
import type { EffectReport, LockMode, LockReport, RelationKind } from './report.js'

/** Schema of the engine's helpers inside replay databases; owned by admin, usable (not writable) by the sandbox. */
export const HELPER_SCHEMA = '_dba_review'

/** First OID of user objects: everything below belongs to the system catalogs. */
const FIRST_NORMAL_OID = 16384

/**
 * `observe(max_oid, scope)` reads, inside the migration's own session and transaction (where
 * uncommitted catalog changes are visible), the relation locks it holds on pre-existing relations
 * (OID ≤ max_oid), the sequential scans counted for them and the timeouts in force; and relfilenodes
 * (of tables and their indexes), constraints, columns and new indexes — with scope `ddl` for the tables
 * it holds a DDL-strength lock on (only under those can a table be rewritten, validated or indexed),
 * with `all` for every pre-existing table, with `locks` for none. The fixed search_path keeps objects
 * the migration creates from shadowing the catalogs; plpgsql caches the plans.
 */
const OBSERVE_FUNCTION = `
CREATE FUNCTION ${HELPER_SCHEMA}.observe(max_oid oid, scope text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  observed jsonb;
  held oid[];
  modes text[];
  ddl oid[];
BEGIN
  SELECT coalesce(array_agg(l.relation), '{}'), coalesce(array_agg(l.mode), '{}') INTO held, modes FROM pg_locks l
   WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.relation BETWEEN ${FIRST_NORMAL_OID} AND max_oid;
  IF scope = 'all' THEN
    SELECT coalesce(array_agg(c.oid), '{}') INTO ddl FROM pg_class c
     WHERE c.oid BETWEEN ${FIRST_NORMAL_OID} AND max_oid AND c.relkind IN ('r', 'p', 'm');
  ELSIF scope = 'ddl' THEN
    SELECT coalesce(array_agg(DISTINCT h.o), '{}') INTO ddl FROM unnest(held, modes) AS h(o, m)
     WHERE h.m NOT IN ('AccessShareLock', 'RowShareLock', 'RowExclusiveLock');
  ELSE
    ddl := '{}';
  END IF;
  observed := jsonb_build_object(
    'locks', (SELECT coalesce(json_agg(json_build_array(h.o::int8, h.m)), '[]') FROM unnest(held, modes) AS h(o, m)),
    'scans', (SELECT coalesce(json_agg(json_build_array(s.o::int8, pg_stat_get_xact_numscans(s.o))), '[]') FROM (SELECT DISTINCT o FROM unnest(held) AS o) AS s),
    'files', (SELECT coalesce(json_agg(json_build_array(c.oid::int8, c.relfilenode::int8)), '[]') FROM pg_class c
               WHERE c.oid <= max_oid AND (c.oid = ANY (ddl) OR c.oid IN (SELECT i.indexrelid FROM pg_index i WHERE i.indrelid = ANY (ddl)))),
    'constraints', (SELECT coalesce(json_agg(json_build_array(k.oid::int8, k.conrelid::int8, k.conname, k.convalidated)), '[]') FROM pg_constraint k
               WHERE k.conrelid = ANY (ddl)),
    'columns', (SELECT coalesce(json_agg(json_build_array(a.attrelid::int8, a.attnum, a.attname, a.attnotnull, a.atttypid::int8, a.atttypmod)), '[]') FROM pg_attribute a
               WHERE a.attrelid = ANY (ddl) AND a.attnum > 0 AND NOT a.attisdropped),
    'indexes', (SELECT coalesce(json_agg(json_build_array(i.indexrelid::int8, i.indrelid::int8)), '[]') FROM pg_index i
               WHERE i.indrelid = ANY (ddl) AND i.indexrelid > max_oid),
    'settings', json_build_object('lock_timeout', current_setting('lock_timeout'), 'statement_timeout', current_setting('statement_timeout'))
  );
  -- Its own duration, so that a statement observed in the same round trip is timed without it.
  RETURN observed || jsonb_build_object('ms', extract(epoch FROM clock_timestamp() - started) * 1000);
END
$fn$`

/**
 * `scans(max_oid)`: sequential scans counted so far for every pre-existing table. The counters are the
 * session's pending statistics, which also hold earlier transactions' counts until they are flushed
 * (only ever between transactions): read at the start of each transaction, they are the baseline that
 * makes later readings in that transaction exact.
 */
const SCANS_FUNCTION = `
CREATE FUNCTION ${HELPER_SCHEMA}.scans(max_oid oid) RETURNS json
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT coalesce(json_agg(json_build_array(s.oid::int8, s.n)), '[]') FROM (
    SELECT c.oid, pg_stat_get_xact_numscans(c.oid) AS n FROM pg_class c
     WHERE c.oid BETWEEN ${FIRST_NORMAL_OID} AND max_oid AND c.relkind IN ('r', 'p', 'm')) AS s
   WHERE s.n > 0
$fn$`

/** Installs the helpers as admin (in templates, so every clone has them). */
export async function installTraceHelpers(admin: pg.Client): Promise<void> {
  await admin.query(`CREATE SCHEMA ${HELPER_SCHEMA}`)
  await admin.query(`REVOKE ALL ON SCHEMA ${HELPER_SCHEMA} FROM PUBLIC`)
  await admin.query(`GRANT USAGE ON SCHEMA ${HELPER_SCHEMA} TO PUBLIC`)
  await admin.query(OBSERVE_FUNCTION)
  await admin.query(SCANS_FUNCTION)
}

export interface Observation {
  locks: Array<[number, string]>
  files: Array<[number, number]>
  constraints: Array<[number, number, string, boolean]>
  columns: Array<[number, number, string, boolean, number, number]>
  scans: Array<[number, number]>
  indexes: Array<[number, number]>
  settings: { lock_timeout: string; statement_timeout: string }
  /** How long the observation itself took, server side. */
  ms: number
}

export interface Relation {
  oid: number
  /** `schema.name` before the change. */
  name: string
  kind: RelationKind
  /** For indexes and TOAST tables: the table they belong to. */
  table?: number
}

const RELKINDS: Record<string, RelationKind> = {
  r: 'table',
  p: 'partitioned table',
  i: 'index',
  I: 'partitioned index',
  S: 'sequence',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
}

const LOCK_MODES: Record<string, LockMode> = {
  AccessShareLock: 'ACCESS SHARE',
  RowShareLock: 'ROW SHARE',
  RowExclusiveLock: 'ROW EXCLUSIVE',
  ShareUpdateExclusiveLock: 'SHARE UPDATE EXCLUSIVE',
  ShareLock: 'SHARE',
  ShareRowExclusiveLock: 'SHARE ROW EXCLUSIVE',
  ExclusiveLock: 'EXCLUSIVE',
  AccessExclusiveLock: 'ACCESS EXCLUSIVE',
}

/** SHARE and stronger block writes (ACCESS EXCLUSIVE also reads): reference.md §2. */
const DANGEROUS = new Set<LockMode>(['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'])

export function lockMode(pgName: string): LockMode {
  return LOCK_MODES[pgName] ?? 'ACCESS EXCLUSIVE'
}

/** The strongest of some lock modes (by PostgreSQL's conflict order). */
export function strongest(modes: LockMode[]): LockMode | undefined {
  const order = Object.values(LOCK_MODES)
  return modes.reduce<LockMode | undefined>((best, mode) => (best === undefined || order.indexOf(mode) > order.indexOf(best) ? mode : best), undefined)
}

export function isDangerous(mode: LockMode): boolean {
  return DANGEROUS.has(mode)
}

/** Relations as they exist before the change, named by OID so that renames and drops cannot confuse attribution. */
export interface Capture {
  relations: Map<number, Relation>
  maxOid: number
  /** Constraints with a higher OID were created by the change. */
  maxConstraintOid: number
}

async function captureRelations(client: pg.Client): Promise<Capture> {
  // OIDs go up to 2^32: int8 keeps them exact (and pg returns int8 as text).
  const { rows } = await client.query<{ oid: string; relkind: string; schema: string; name: string; owner: string | null }>(`
    SELECT c.oid::int8 AS oid, c.relkind::text AS relkind, n.nspname AS schema, c.relname AS name,
           coalesce(i.indrelid, t.oid)::int8 AS owner
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
      LEFT JOIN pg_catalog.pg_class t ON t.reltoastrelid = c.oid
     WHERE c.oid >= ${FIRST_NORMAL_OID} AND n.nspname NOT IN ('information_schema', '${HELPER_SCHEMA}')`)
  const max = await client.query<{ max: string; constraints: string | null }>(
    'SELECT (SELECT max(oid)::int8 FROM pg_catalog.pg_class) AS max, (SELECT max(oid)::int8 FROM pg_catalog.pg_constraint) AS constraints',
  )
  const relations = new Map<number, Relation>()
  for (const row of rows) {
    // TOAST tables and their indexes are reported as their table.
    if (row.relkind === 't' || (row.schema === 'pg_toast' && row.owner !== null)) continue
    const oid = Number(row.oid)
    relations.set(oid, { oid, name: `${row.schema}.${row.name}`, kind: RELKINDS[row.relkind] ?? 'other', table: row.owner === null ? undefined : Number(row.owner) })
  }
  return { relations, maxOid: Number(max.rows[0]?.max ?? FIRST_NORMAL_OID), maxConstraintOid: Number(max.rows[0]?.constraints ?? 0) }
}

/** How much to read after a statement: nothing, locks and scans only, or also the catalog state of DDL-locked tables. */
export type ObservationScope = 'skip' | 'locks' | 'ddl' | 'all'

function observeSql(capture: Capture, scope: Exclude<ObservationScope, 'skip'>): string {
  return `SELECT ${HELPER_SCHEMA}.observe(${capture.maxOid}, '${scope}') AS o`
}

/**
 * The relations of a database and their state, read once per template: every clone of it starts with
 * the same OIDs, relfilenodes, constraints and columns (seeding rows changes none of them).
 */
export async function captureTemplate(admin: pg.Client): Promise<{ capture: Capture; initial: Observation }> {
  const capture = await captureRelations(admin)
  const { rows } = await admin.query<{ o: Observation }>(observeSql(capture, 'all'))
  return { capture, initial: rows[0]?.o as Observation }
}

/** Statement kinds that create objects and run no code over existing rows. */
const CREATING_KINDS = new Set(['CreateStmt', 'IndexStmt', 'CreateEnumStmt', 'CompositeTypeStmt', 'CreateDomainStmt', 'CreateSeqStmt', 'CreateSchemaStmt', 'AlterTableStmt', 'CommentStmt'])
/**
 * DDL that can lock pre-existing tables but neither rewrites, validates nor indexes them, nor changes
 * the columns and constraints the tracer compares, and runs no user code.
 */
const LOCKS_ONLY_KINDS = new Set([
  'CreateStmt',
  'RenameStmt',
  'DropStmt',
  'CommentStmt',
  'GrantStmt',
  'VariableSetStmt',
  'TransactionStmt',
  'CreateEnumStmt',
  'AlterEnumStmt',
  'CreateFunctionStmt',
  'CreateTrigStmt',
  'ViewStmt',
  'CreateSeqStmt',
  'AlterSeqStmt',
  'CreateSchemaStmt',
  'CreateDomainStmt',
  'CompositeTypeStmt',
  'LockStmt',
  'CreatePolicyStmt',
  'AlterPolicyStmt',
  'AlterOwnerStmt',
  'AlterDefaultPrivilegesStmt',
  'AlterObjectSchemaStmt',
])

export interface StatementRef {
  migration: string
  statement: number
}

/**
 * Turns observations taken after each statement into locks and effects, per the eugene trace method
 * (reference.md §3.1): locks are the set difference on (OID, mode) within the transaction; a changed
 * relfilenode is a rewrite; a sequential scan counted in this transaction, a new index or a newly
 * validated constraint is a full pass over the table.
 */
export class Tracer {
  /** Every lock reported, in acquisition order. */
  readonly locks: LockReport[] = []
  private readonly held = new Map<string, LockReport>()
  private readonly files = new Map<number, number>()
  private readonly constraints = new Map<number, boolean>()
  private readonly columns = new Map<string, { notNull: boolean; type: string }>()
  private readonly scans = new Map<number, number>()
  private readonly builtIndexes = new Set<number>()

  private readonly names = new Set<string>()
  private readonly bareNames = new Set<string>()
  private namesUncertain = false

  /** `initial`: every pre-existing table's state before the change (scope `all`, outside a transaction). */
  constructor(
    readonly capture: Capture,
    initial: Observation,
  ) {
    this.absorbState(initial)
    for (const relation of capture.relations.values()) {
      this.names.add(relation.name)
      this.bareNames.add(relation.name.slice(relation.name.indexOf('.') + 1))
    }
  }

  /** The call that observes the current session (inside its transaction). */
  observeSql(scope: Exclude<ObservationScope, 'skip'>): string {
    return observeSql(this.capture, scope)
  }

  /** The call that reads the scan counters at the start of a transaction. */
  baselineSql(): string {
    return `SELECT ${HELPER_SCHEMA}.scans(${this.capture.maxOid}) AS o`
  }

  /** A transaction started: later scan counts in it are relative to these (absent: zero). */
  baseline(scans: Array<[number, number]>): void {
    this.scans.clear()
    for (const [oid, count] of scans) this.scans.set(oid, count)
  }

  /**
   * What to observe after a statement. `skip`: it only creates objects (or alters new ones) and names no
   * relation that existed before the change — not even by an unqualified name a search_path could
   * resolve to one — so it cannot lock, rewrite or scan a pre-existing table. `locks`: DDL that may lock
   * pre-existing tables but cannot rewrite, validate or index them, and runs no user code. `ddl`:
   * everything else (ALTER TABLE, CREATE INDEX, DML, DO blocks, function calls…).
   */
  scopeFor(statement: Statement): Exclude<ObservationScope, 'all'> {
    const kind = statement.kind ?? ''
    if (!statement.node) return 'ddl'
    const scope = LOCKS_ONLY_KINDS.has(kind) ? 'locks' : 'ddl'
    // After anything but creation (a rename, a DO block, a function call) a new name may be an old table.
    if (!CREATING_KINDS.has(kind)) {
      if (kind !== 'VariableSetStmt' && kind !== 'TransactionStmt') this.namesUncertain = true
      return scope
    }
    if (this.namesUncertain) return scope
    let touches = false
    const visit = (value: unknown): void => {
      if (touches || !value || typeof value !== 'object') return
      if (Array.isArray(value)) return value.forEach(visit)
      const node = value as PgNode
      if (typeof node.relname === 'string') {
        touches = typeof node.schemaname === 'string' ? this.names.has(`${node.schemaname}.${node.relname}`) : this.bareNames.has(node.relname)
      }
      Object.values(node).forEach(visit)
    }
    visit(statement.node)
    return touches ? scope : 'skip'
  }

  relationName(oid: number): string {
    return this.capture.relations.get(oid)?.name ?? `oid ${oid}`
  }

  /** Marks locks and state as known without attributing them (the runner's own bookkeeping statements). */
  absorb(observation: Observation): void {
    for (const [oid, mode] of observation.locks) {
      const key = `${oid}:${mode}`
      if (this.capture.relations.has(oid) && !this.held.has(key)) this.held.set(key, this.lockOf(oid, mode, { migration: '', statement: -1 }, 0))
    }
    this.absorbState(observation)
  }

  /** Locks and effects of the statement that just ran inside the current transaction. */
  afterStatement(ref: StatementRef, startAtMs: number, observation: Observation): { locks: LockReport[]; effects: EffectReport[] } {
    const locks: LockReport[] = []
    for (const [oid, mode] of observation.locks) {
      const key = `${oid}:${mode}`
      if (this.held.has(key) || !this.capture.relations.has(oid)) continue
      const lock = this.lockOf(oid, mode, ref, startAtMs)
      this.held.set(key, lock)
      this.locks.push(lock)
      locks.push(lock)
    }
    return { locks, effects: this.effectsOf(observation) }
  }

  /** Locks seen by polling from a second session while a statement ran outside any transaction. */
  recordPolled(ref: StatementRef, seen: Array<{ oid: number; mode: string; firstAtMs: number; lastAtMs: number; waitedMs: number }>): LockReport[] {
    const locks: LockReport[] = []
    for (const entry of seen) {
      if (!this.capture.relations.has(entry.oid)) continue
      const lock = this.lockOf(entry.oid, entry.mode, ref, entry.firstAtMs)
      lock.releasedAtMs = entry.lastAtMs
      lock.heldMs = Math.max(0, entry.lastAtMs - entry.firstAtMs)
      if (entry.waitedMs > 0) lock.waitedMs = entry.waitedMs
      this.locks.push(lock)
      locks.push(lock)
    }
    return locks
  }

  /** New indexes (built concurrently) on pre-existing tables, from an observation taken after the statement. */
  effectsAfterConcurrent(observation: Observation): EffectReport[] {
    // Outside a transaction the scan counters have no baseline: an index build is all this can tell.
    return this.effectsOf({ ...observation, scans: [] })
  }

  /** The transaction ended: every lock it held is released now. */
  endTransaction(atMs: number): void {
    for (const lock of this.held.values()) {
      if (lock.statement < 0) continue
      lock.releasedAtMs = atMs
      lock.heldMs = Math.max(0, atMs - lock.acquiredAtMs)
    }
    this.held.clear()
  }

  private lockOf(oid: number, pgMode: string, ref: StatementRef, atMs: number): LockReport {
    const relation = this.capture.relations.get(oid) as Relation
    const mode = lockMode(pgMode)
    const lock: LockReport = {
      relation: relation.name,
      relationKind: relation.kind,
      mode,
      dangerous: isDangerous(mode),
      migration: ref.migration,
      statement: ref.statement,
      acquiredAtMs: atMs,
      releasedAtMs: atMs,
      heldMs: 0,
    }
    if (relation.table !== undefined) lock.table = this.relationName(relation.table)
    return lock
  }

  private absorbState(observation: Observation): void {
    for (const [oid, file] of observation.files) this.files.set(oid, file)
    for (const [oid, , , validated] of observation.constraints) this.constraints.set(oid, validated)
    for (const [rel, num, , notNull, type, mod] of observation.columns) this.columns.set(`${rel}:${num}`, { notNull, type: `${type}:${mod}` })
    for (const [oid, count] of observation.scans) this.scans.set(oid, count)
    for (const [index] of observation.indexes) this.builtIndexes.add(index)
  }

  private effectsOf(observation: Observation): EffectReport[] {
    const byRelation = new Map<number, { kind: EffectReport['kind'] | undefined; reasons: string[] }>()
    const entry = (oid: number) => {
      let found = byRelation.get(oid)
      if (!found) byRelation.set(oid, (found = { kind: undefined, reasons: [] }))
      return found
    }
    const raise = (oid: number, kind: EffectReport['kind']) => {
      const order: Array<EffectReport['kind']> = ['scan', 'index-build', 'rewrite']
      const current = entry(oid)
      if (current.kind === undefined || order.indexOf(kind) > order.indexOf(current.kind)) current.kind = kind
    }
    for (const [oid, file] of observation.files) {
      const before = this.files.get(oid)
      if (before !== undefined && before !== file) {
        const relation = this.capture.relations.get(oid)
        // An index rebuilt along with its rewritten table is part of the table's rewrite.
        const table = relation?.table
        if (table === undefined || !observation.files.some(([t, f]) => t === table && this.files.get(t) !== undefined && this.files.get(t) !== f)) raise(oid, 'rewrite')
      }
    }
    for (const [index, table] of observation.indexes) {
      if (!this.builtIndexes.has(index)) raise(table, 'index-build')
    }
    for (const [oid, count] of observation.scans) {
      // For an index the counter is of index scans: only a table's sequential scans are full passes.
      const kind = this.capture.relations.get(oid)?.kind
      if (count > (this.scans.get(oid) ?? 0) && (kind === 'table' || kind === 'partitioned table' || kind === 'materialized view')) raise(oid, 'scan')
    }
    for (const [oid, rel, name, validated] of observation.constraints) {
      if (!validated || this.constraints.get(oid) === true) continue
      raise(rel, 'scan')
      entry(rel).reasons.push(`validate "${name}"`)
    }
    for (const [rel, num, name, notNull, type, mod] of observation.columns) {
      const before = this.columns.get(`${rel}:${num}`)
      if (!before) continue
      if (notNull && !before.notNull) entry(rel).reasons.push(`SET NOT NULL "${name}"`)
      if (before.type !== `${type}:${mod}`) entry(rel).reasons.push(`type of "${name}"`)
    }
    this.absorbState(observation)
    const effects: EffectReport[] = []
    for (const [oid, { kind, reasons }] of byRelation) {
      if (!kind) continue
      const relation = this.capture.relations.get(oid)
      effects.push({ relation: this.relationName(oid), relationKind: relation?.kind ?? 'other', kind, reasons })
    }
    return effects
  }
}
