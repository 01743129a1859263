import type { PgNode, Statement } from '../sql/parse.js'

/** Why the sandbox refuses a statement before it runs. `location` is a parse-node byte offset, for the finding's range. */
export interface Refusal {
  messageId: string
  data: Record<string, string | number>
  location?: number
}

export type Screening =
  | { action: 'run' }
  /** An extension statement on approved extensions: the engine runs it as admin on the migration's behalf. */
  | { action: 'engine'; extensions: string[]; cascade: boolean }
  | { action: 'refuse'; refusal: Refusal }

export interface ScreenPolicy {
  /** Extensions the engine may create or alter (the team's approved and needs-approval lists). */
  extensions: ReadonlySet<string>
  statementTimeoutMs: number
  /** Largest row count one set-returning call may produce (`replay.maxRows`). */
  maxRows: number
}

/** Server-side files, other sessions, server configuration, replication: nothing a migration of its own database needs. */
const SERVER_FUNCTIONS = new Map<string, string>([
  ...['pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'pg_file_write', 'pg_file_rename', 'pg_file_unlink', 'pg_file_sync', 'pg_logdir_ls', 'lo_import', 'lo_export'].map(
    (name) => [name, 'server-file'] as const,
  ),
  ...['pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf', 'pg_rotate_logfile', 'pg_promote', 'pg_switch_wal', 'pg_create_restore_point', 'pg_backup_start', 'pg_backup_stop'].map(
    (name) => [name, 'server-admin'] as const,
  ),
])
const SERVER_FUNCTION_PREFIXES: Array<[string, string]> = [
  ['pg_ls_', 'server-file'],
  ['dblink', 'other-database'],
  ['pg_create_physical_replication_slot', 'server-admin'],
  ['pg_create_logical_replication_slot', 'server-admin'],
  ['pg_drop_replication_slot', 'server-admin'],
  ['pg_logical_slot_', 'server-admin'],
  ['pg_replication_origin_', 'server-admin'],
]

/** Statement kinds that act beyond the migration's own database. */
const REFUSED_KINDS: Record<string, { messageId: string; what: string }> = {
  CreatePLangStmt: { messageId: 'untrusted-language', what: 'CREATE LANGUAGE' },
  AlterSystemStmt: { messageId: 'alter-system', what: 'ALTER SYSTEM' },
  CreateRoleStmt: { messageId: 'role-management', what: 'CREATE ROLE' },
  AlterRoleStmt: { messageId: 'role-management', what: 'ALTER ROLE' },
  AlterRoleSetStmt: { messageId: 'role-management', what: 'ALTER ROLE … SET' },
  DropRoleStmt: { messageId: 'role-management', what: 'DROP ROLE' },
  GrantRoleStmt: { messageId: 'role-management', what: 'GRANT/REVOKE role membership' },
  ReassignOwnedStmt: { messageId: 'role-management', what: 'REASSIGN OWNED' },
  DropOwnedStmt: { messageId: 'role-management', what: 'DROP OWNED' },
  CreatedbStmt: { messageId: 'other-database', what: 'CREATE DATABASE' },
  DropdbStmt: { messageId: 'other-database', what: 'DROP DATABASE' },
  AlterDatabaseStmt: { messageId: 'other-database', what: 'ALTER DATABASE' },
  AlterDatabaseSetStmt: { messageId: 'other-database', what: 'ALTER DATABASE … SET' },
  AlterDatabaseRefreshCollStmt: { messageId: 'other-database', what: 'ALTER DATABASE … REFRESH COLLATION VERSION' },
  CreateSubscriptionStmt: { messageId: 'other-database', what: 'CREATE SUBSCRIPTION' },
  AlterSubscriptionStmt: { messageId: 'other-database', what: 'ALTER SUBSCRIPTION' },
  DropSubscriptionStmt: { messageId: 'other-database', what: 'DROP SUBSCRIPTION' },
  CreateFdwStmt: { messageId: 'other-database', what: 'CREATE FOREIGN DATA WRAPPER' },
  AlterFdwStmt: { messageId: 'other-database', what: 'ALTER FOREIGN DATA WRAPPER' },
  CreateForeignServerStmt: { messageId: 'other-database', what: 'CREATE SERVER' },
  AlterForeignServerStmt: { messageId: 'other-database', what: 'ALTER SERVER' },
  CreateUserMappingStmt: { messageId: 'other-database', what: 'CREATE USER MAPPING' },
  AlterUserMappingStmt: { messageId: 'other-database', what: 'ALTER USER MAPPING' },
  ImportForeignSchemaStmt: { messageId: 'other-database', what: 'IMPORT FOREIGN SCHEMA' },
  CreateTableSpaceStmt: { messageId: 'server-admin', what: 'CREATE TABLESPACE' },
  DropTableSpaceStmt: { messageId: 'server-admin', what: 'DROP TABLESPACE' },
  AlterTableSpaceOptionsStmt: { messageId: 'server-admin', what: 'ALTER TABLESPACE' },
  LoadStmt: { messageId: 'server-admin', what: 'LOAD (a shared library)' },
  CheckPointStmt: { messageId: 'server-admin', what: 'CHECKPOINT' },
  CreateEventTrigStmt: { messageId: 'server-admin', what: 'CREATE EVENT TRIGGER' },
  AlterEventTrigStmt: { messageId: 'server-admin', what: 'ALTER EVENT TRIGGER' },
}

/** Languages whose code cannot leave the database. */
const TRUSTED_LANGUAGES = new Set(['sql', 'plpgsql'])
const ROLE_SETTINGS = new Set(['role', 'session_authorization'])
/** Per-session memory a migration may ask for; above it one sort or hash could exhaust the host. */
const MEMORY_CAPS_KB: Record<string, number> = { work_mem: 262_144, maintenance_work_mem: 1_048_576, temp_buffers: 262_144, logical_decoding_work_mem: 262_144 }
const LIBRARY_SETTINGS = new Set(['local_preload_libraries', 'session_preload_libraries', 'dynamic_library_path'])

function str(node: PgNode | undefined): string | undefined {
  return node?.String?.sval ?? node?.A_Const?.sval?.sval
}

function defElems(list: PgNode[] | undefined): Map<string, PgNode> {
  const map = new Map<string, PgNode>()
  for (const item of list ?? []) if (item.DefElem) map.set(item.DefElem.defname, item.DefElem)
  return map
}

/** A numeric constant, through casts: `5`, `1e6`, `'1e6'::float8`. */
function numericConst(node: PgNode | undefined): number | undefined {
  if (!node) return undefined
  if (node.TypeCast) return numericConst(node.TypeCast.arg)
  const c = node.A_Const
  if (!c) return undefined
  if (c.ival) return typeof c.ival.ival === 'number' ? c.ival.ival : 0
  if (c.fval) return Number(c.fval.fval)
  if (c.sval) return Number(c.sval.sval)
  return undefined
}

function isInfinity(node: PgNode | undefined): boolean {
  if (!node) return false
  if (node.TypeCast) return isInfinity(node.TypeCast.arg)
  return /^\s*[+-]?infinity\s*$/i.test(node.A_Const?.sval?.sval ?? '')
}

/** `'10GB'`, `'512MB'`, `65536` (kB) → kB. */
function memoryKb(node: PgNode | undefined): number | undefined {
  const text = node?.A_Const?.sval?.sval
  if (text === undefined) return numericConst(node)
  const match = /^\s*(\d+(?:\.\d+)?)\s*(kB|MB|GB|TB)?\s*$/i.exec(text)
  if (!match) return undefined
  const factor: Record<string, number> = { kb: 1, mb: 1024, gb: 1024 ** 2, tb: 1024 ** 3 }
  return Number(match[1]) * (factor[(match[2] ?? 'kB').toLowerCase()] as number)
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`
}

/** Visits every node object of a parse tree with its kind (the single key naming it, where there is one). */
function walk(value: unknown, visit: (kind: string, node: PgNode) => Refusal | undefined): Refusal | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = walk(item, visit)
      if (found) return found
    }
    return undefined
  }
  if (!value || typeof value !== 'object') return undefined
  for (const [key, child] of Object.entries(value)) {
    if (child && typeof child === 'object' && !Array.isArray(child) && /^[A-Z]/.test(key)) {
      const found = visit(key, child as PgNode)
      if (found) return found
    }
    const found = walk(child, visit)
    if (found) return found
  }
  return undefined
}

function screenSetting(node: PgNode): Refusal | undefined {
  const name = String(node.name ?? '').toLowerCase()
  if (ROLE_SETTINGS.has(name) && node.kind !== 'VAR_RESET') return { messageId: 'set-role', data: { setting: name.replace('_', ' ').toUpperCase() } }
  if (LIBRARY_SETTINGS.has(name)) return { messageId: 'server-admin', data: { what: `SET ${name}` } }
  const cap = MEMORY_CAPS_KB[name]
  const kb = memoryKb(node.args?.[0])
  if (cap !== undefined && kb !== undefined && kb > cap) return { messageId: 'resource-setting', data: { setting: name, value: `${kb} kB`, cap: `${cap} kB` } }
  return undefined
}

function screenCall(node: PgNode, policy: ScreenPolicy): Refusal | undefined {
  const names: string[] = (node.funcname ?? []).map((n: PgNode) => String(n.String?.sval ?? '').toLowerCase())
  const name = names[names.length - 1] ?? ''
  const args: PgNode[] = node.args ?? []
  const location = node.location as number | undefined
  const listed = SERVER_FUNCTIONS.get(name) ?? SERVER_FUNCTION_PREFIXES.find(([prefix]) => name.startsWith(prefix))?.[1]
  if (listed) return { messageId: listed, data: { what: `${name}()` }, location }
  if (name === 'set_config') {
    const setting = str(args[0])?.toLowerCase()
    if (setting === undefined) return { messageId: 'set-role', data: { setting: 'set_config() with a computed setting name' }, location }
    return screenSetting({ name: setting, kind: 'VAR_SET_VALUE', args: [args[1]] })
  }
  if (name === 'pg_sleep') {
    const seconds = numericConst(args[0])
    if (seconds !== undefined && seconds * 1000 > policy.statementTimeoutMs) {
      return { messageId: 'runaway', data: { what: `pg_sleep(${seconds})`, limit: `statement limit ${formatMs(policy.statementTimeoutMs)}` }, location }
    }
  }
  if (name === 'pg_sleep_until' || name === 'pg_sleep_for') {
    return { messageId: 'runaway', data: { what: `${name}()`, limit: `statement limit ${formatMs(policy.statementTimeoutMs)}` }, location }
  }
  if (name === 'generate_series') {
    if (args.some(isInfinity)) return { messageId: 'runaway', data: { what: 'generate_series() up to infinity', limit: `${policy.maxRows} rows` }, location }
    const [start, stop, step] = args.map(numericConst)
    if (start !== undefined && stop !== undefined) {
      const rows = Math.abs(stop - start) / Math.abs(args[2] ? (step ?? 1) || 1 : 1)
      if (rows > policy.maxRows) return { messageId: 'runaway', data: { what: `generate_series() of ${rows.toExponential(1)} rows`, limit: `replay.maxRows ${policy.maxRows}` }, location }
    }
  }
  return undefined
}

function screenNode(kind: string, node: PgNode, policy: ScreenPolicy): Refusal | undefined {
  const refused = REFUSED_KINDS[kind]
  if (refused) return { messageId: refused.messageId, data: { what: refused.what } }
  switch (kind) {
    case 'CopyStmt':
      if (node.is_program) return { messageId: 'copy-program', data: {} }
      if (node.filename) return { messageId: 'server-file', data: { what: `COPY … ${node.is_from ? 'FROM' : 'TO'} '${node.filename}'` } }
      return undefined
    case 'CreateFunctionStmt':
    case 'DoStmt': {
      const options = defElems(kind === 'DoStmt' ? node.args : node.options)
      const language = (str(options.get('language')?.arg) ?? 'plpgsql').toLowerCase()
      if (!TRUSTED_LANGUAGES.has(language)) return { messageId: 'untrusted-language', data: { what: `LANGUAGE ${language}` } }
      const set = options.get('set')?.arg?.VariableSetStmt
      return set ? screenSetting(set) : undefined
    }
    case 'VariableSetStmt':
      return screenSetting(node)
    case 'TransactionStmt':
      return String(node.kind).includes('PREPARE') ? { messageId: 'server-admin', data: { what: 'two-phase commit (PREPARE TRANSACTION)' } } : undefined
    case 'FuncCall':
      return screenCall(node, policy)
    default:
      return undefined
  }
}

/** Extension names a statement creates, alters or drops, when it is an extension statement. */
function extensionStatement(statement: Statement): { extensions: string[]; cascade: boolean } | undefined {
  const node = statement.node
  if (!node) return undefined
  switch (statement.kind) {
    case 'CreateExtensionStmt':
      return { extensions: [node.extname], cascade: defElems(node.options).has('cascade') }
    case 'AlterExtensionStmt':
    case 'AlterExtensionContentsStmt':
      return { extensions: [node.extname], cascade: false }
    case 'DropStmt':
      return node.removeType === 'OBJECT_EXTENSION' ? { extensions: (node.objects ?? []).map((o: PgNode) => str(o) ?? ''), cascade: false } : undefined
    default:
      return undefined
  }
}

/**
 * Decides, before anything runs, whether a statement may run in the sandbox. This is the first of two
 * walls: whatever slips past it (dynamic SQL in a DO block, say) still runs as a role without the
 * privileges to do harm, under the watchdog's limits.
 */
export function screenStatement(statement: Statement, policy: ScreenPolicy): Screening {
  const text = statement.text.trimStart()
  if (text.startsWith('\\')) return { action: 'refuse', refusal: { messageId: 'psql-meta-command', data: { command: text.split(/\s/)[0] as string } } }
  const extension = extensionStatement(statement)
  // PostgreSQL turns `CREATE LANGUAGE name` into CREATE EXTENSION: say what it really is.
  if (extension && /^create\s+(or\s+replace\s+)?(trusted\s+)?(procedural\s+)?language\b/i.test(text) && !extension.extensions.every((name) => TRUSTED_LANGUAGES.has(name))) {
    return { action: 'refuse', refusal: { messageId: 'untrusted-language', data: { what: `CREATE LANGUAGE ${extension.extensions.join(', ')}` } } }
  }
  if (extension) {
    const refused = extension.extensions.find((name) => !policy.extensions.has(name))
    if (refused !== undefined) return { action: 'refuse', refusal: { messageId: 'extension-not-approved', data: { extension: refused } } }
    return { action: 'engine', ...extension }
  }
  if (!statement.node || !statement.kind) return { action: 'run' }
  const refusal = walk({ [statement.kind]: statement.node }, (kind, node) => screenNode(kind, node, policy))
  return refusal ? { action: 'refuse', refusal } : { action: 'run' }
}
