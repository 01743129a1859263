import * as z from 'zod/mini'
import type { Config } from '../config/schema.js'
import type { Migration, MigrationChange, SetProblem, TransactionMode } from '../migrations/types.js'
import { type ParsedMigration, type PgNode, type Statement, parseMigration } from '../sql/parse.js'
import type { SourceRange } from '../sql/source.js'
import { refOf, SchemaState, type TableRef } from '../schema/schema-state.js'
import { compareFindings, type Finding, type Fix, type Severity, type SeveritySetting, severityRank } from './finding.js'
import { type IgnoreDirective, parseIgnoreComment } from './ignores.js'
import type { Anchor, ReportDescriptor, Rule, RuleContext, TransactionInfo, Visitors } from './rule.js'

/** Production row counts by `schema.table`, from the stats file. */
export type TableStats = ReadonlyMap<string, number>

export interface LintOptions {
  change: MigrationChange
  config: Config
  transactionMode: TransactionMode
  rules: readonly Rule[]
  tableStats?: TableStats
}

/** Ids of the findings the engine itself raises; their rule modules carry only metadata. */
const ENGINE_RULES = { syntaxError: 'syntax-error', invalidIgnore: 'invalid-ignore', unusedIgnore: 'unused-ignore' } as const

interface ResolvedRule {
  rule: Rule
  severity: Severity
  options: Record<string, unknown>
}

function resolveRules(rules: readonly Rule[], config: Config): ResolvedRule[] {
  const resolved: ResolvedRule[] = []
  for (const rule of rules) {
    const setting = config.rules[rule.meta.id]
    const severity: SeveritySetting = typeof setting === 'string' ? setting : (setting?.severity ?? rule.meta.severity)
    if (severity === 'off') continue
    resolved.push({ rule, severity, options: optionsOf(rule, typeof setting === 'object' ? (setting.options ?? {}) : {}) })
  }
  return resolved
}

/**
 * Options parsed by the rule's schema (defaults filled in). The config loader (`validateConfig`) refuses a
 * config with invalid options, naming the key, so an invalid one here is a bug in the caller: it throws
 * rather than run the rule on options nobody asked for.
 */
function optionsOf(rule: Rule, raw: Record<string, unknown>): Record<string, unknown> {
  const schema = rule.meta.options
  return schema ? z.parse(schema, raw) : raw
}

/** Templates split once into literal text (even indexes) and placeholder names (odd): a run renders thousands of messages. */
const compiledTemplates = new Map<string, string[]>()

export function renderMessage(template: string, data: Record<string, string | number> | undefined): string {
  let parts = compiledTemplates.get(template)
  if (!parts) {
    parts = template.split(/\{\{\s*(\w+)\s*\}\}/)
    compiledTemplates.set(template, parts)
  }
  let message = parts[0]!
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!
    message += (data && name in data ? String(data[name]) : `{{${name}}}`) + parts[i + 1]!
  }
  return message
}

function tableKey(ref: TableRef): string {
  return `${ref.schema ?? 'public'}.${ref.name}`
}

/** A review batch: migrations the runner applies together, reviewed with everything before them as context. */
interface Batch {
  context: readonly Migration[]
  reviewed: Migration[]
}

/**
 * With a base, the change's new migrations form one batch on top of the base (that is what deploys).
 * Without one, every migration is reviewed as if it were deployed on its own after its predecessors
 * (whose context is the head's migrations before it: `contextLength` of them).
 */
function* batchesOf(change: MigrationChange): Generator<Batch & { contextLength: number }> {
  if (change.base) {
    yield { context: change.base.migrations, contextLength: change.base.migrations.length, reviewed: change.added }
    return
  }
  const migrations = change.head.migrations
  for (let i = 0; i < migrations.length; i++) yield { context: migrations, contextLength: i, reviewed: [migrations[i]!] }
}

/** Tracks transaction boundaries and timeouts the way PostgreSQL will see them under the runner. */
class TransactionTracker {
  private id = 0
  private inTransaction = false
  private explicit = false
  private sessionLockTimeout = false
  private localLockTimeout = false
  private sessionStatementTimeout = false
  private localStatementTimeout = false
  private members: Array<{ migration: Migration; statement: Statement }> = []
  /** Rules read `ctx.transaction` many times per statement; rebuilt only when the state changes. */
  private cached: TransactionInfo | undefined

  constructor(
    private readonly mode: TransactionMode,
    private readonly config: Config,
  ) {}

  startBatch(): void {
    if (this.mode === 'all-pending') this.begin()
  }

  startMigration(first: boolean): void {
    if (this.mode === 'per-file') {
      if (!first || this.inTransaction) this.end()
      this.begin()
    }
  }

  info(): TransactionInfo {
    this.cached ??= {
      inTransaction: this.inTransaction,
      id: this.id,
      lockTimeoutSet: this.config.lint.assumeLockTimeout || this.sessionLockTimeout || this.localLockTimeout,
      statementTimeoutSet: this.config.lint.assumeStatementTimeout || this.sessionStatementTimeout || this.localStatementTimeout,
      mode: this.mode,
      explicit: this.inTransaction && this.explicit,
    }
    return this.cached
  }

  before(): ReadonlyArray<{ migration: Migration; statement: Statement }> {
    return this.members
  }

  /** Updates state after `statement` ran. */
  after(migration: Migration, statement: Statement): void {
    this.members.push({ migration, statement })
    const node = statement.node
    if (!node) return
    if (statement.kind === 'TransactionStmt') {
      const kind = node.kind as string
      if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
        if (!this.inTransaction) this.begin(true)
      } else if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE' || kind === 'TRANS_STMT_COMMIT_PREPARED') {
        this.end()
      }
      return
    }
    for (const [name, value, local] of timeoutSettings(statement)) {
      this.cached = undefined
      const set = value !== undefined && !/^0+\s*(ms|s|min)?$/i.test(value.trim())
      if (name === 'lock_timeout') {
        if (local && this.inTransaction) this.localLockTimeout = set
        else this.sessionLockTimeout = set
      } else if (local && this.inTransaction) this.localStatementTimeout = set
      else this.sessionStatementTimeout = set
    }
  }

  private begin(explicit = false): void {
    this.cached = undefined
    this.explicit = explicit
    this.id++
    this.inTransaction = true
    this.members = []
  }

  private end(): void {
    this.cached = undefined
    this.inTransaction = false
    this.localLockTimeout = false
    this.localStatementTimeout = false
    this.id++
    this.members = []
  }
}

type TimeoutSetting = [name: 'lock_timeout' | 'statement_timeout', value: string | undefined, local: boolean]

function constValue(node: PgNode | undefined): string | undefined {
  const c = node?.A_Const
  if (!c) return undefined
  if (c.sval) return String(c.sval.sval ?? '')
  if (c.ival) return String(c.ival.ival ?? 0)
  return undefined
}

/** `SET [LOCAL] lock_timeout = …`, `RESET`, and `SELECT set_config('lock_timeout', …, is_local)`. */
function timeoutSettings(statement: Statement): TimeoutSetting[] {
  const node = statement.node as PgNode
  const isTimeout = (name: unknown): name is TimeoutSetting[0] => name === 'lock_timeout' || name === 'statement_timeout'
  if (statement.kind === 'VariableSetStmt') {
    if (!isTimeout(node.name)) return []
    const value = node.kind === 'VAR_SET_VALUE' ? constValue(node.args?.[0]) : undefined
    return [[node.name, value, Boolean(node.is_local)]]
  }
  if (statement.kind === 'SelectStmt') {
    const settings: TimeoutSetting[] = []
    for (const target of node.targetList ?? []) {
      const call = target.ResTarget?.val?.FuncCall
      const fname = call?.funcname?.map((n: PgNode) => n.String?.sval).pop()
      if (fname !== 'set_config') continue
      const [name, value, local] = (call.args ?? []).map(constValue)
      if (isTimeout(name)) settings.push([name, value, local === 'true' || local === 't'])
    }
    return settings
  }
  return []
}

/** A visitor: hooks take the statement, migration or change; node visitors also the node's ancestors. */
type Hook = (arg: any, ancestors?: PgNode[]) => void

/** Where one visitor of a rule goes: its key and its place in the list for that key. */
interface Slot {
  key: string
  list: Array<Hook | undefined>
  index: number
}

/**
 * The rules' visitors for one batch, grouped by what they visit, each list in rule order. Rules return new
 * visitors for every batch, under the same keys (`Rule.check`): the first batch lays out the lists and each
 * rule's slots in them, and every later batch only writes its visitors into those slots. A run without a base
 * has hundreds of batches, and regrouping the visitors by key every time cost more than calling them.
 */
class Dispatch {
  readonly onStatement: Array<Hook | undefined> = []
  readonly onStatementExit: Array<Hook | undefined> = []
  readonly onMigration: Array<Hook | undefined> = []
  readonly onChange: Array<Hook | undefined> = []
  readonly onChangeExit: Array<Hook | undefined> = []
  /** Node visitors by node kind; a kind no rule visits has no list. */
  readonly byKind = new Map<string, Array<Hook | undefined>>()
  /** By rule, in the order of the visitors passed to `refill`. */
  private slots: Slot[][] | undefined

  refill(visitorsOfRules: readonly Visitors[], ruleIds: readonly string[]): void {
    this.slots ??= visitorsOfRules.map((visitors) => Object.keys(visitors).map((key) => this.slotFor(key)))
    for (let r = 0; r < visitorsOfRules.length; r++) {
      const visitors = visitorsOfRules[r]!
      const slots = this.slots[r]!
      // Same count and every known key present: the same keys. Otherwise visitors would be lost unnoticed.
      // (Counted with for-in: Object.keys would allocate an array per rule and batch.)
      let count = 0
      for (const _key in visitors) count++
      let same = count === slots.length
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!
        const visitor = visitors[slot.key]
        if (visitor === undefined && !(slot.key in visitors)) same = false
        slot.list[slot.index] = visitor as Hook | undefined
      }
      if (!same) throw new Error(`rule ${ruleIds[r]}: check() returned visitors under other keys than in the first batch`)
    }
  }

  private slotFor(key: string): Slot {
    const list = this.listFor(key)
    list.push(undefined)
    return { key, list, index: list.length - 1 }
  }

  private listFor(key: string): Array<Hook | undefined> {
    switch (key) {
      case 'Statement':
        return this.onStatement
      case 'Statement:exit':
        return this.onStatementExit
      case 'Migration':
        return this.onMigration
      case 'Change':
        return this.onChange
      case 'Change:exit':
        return this.onChangeExit
    }
    let list = this.byKind.get(key)
    if (!list) this.byKind.set(key, (list = []))
    return list
  }

  visit(kind: string, node: PgNode, ancestors: PgNode[]): void {
    const list = this.byKind.get(kind)
    if (!list) return
    for (let i = 0; i < list.length; i++) {
      const visitor = list[i]
      if (visitor) visitor(node, ancestors)
    }
  }

  /** Visits every node under `body` in document order (node kinds are the capitalised keys). */
  walk(body: unknown, ancestors: PgNode[]): void {
    if (Array.isArray(body)) {
      for (let i = 0; i < body.length; i++) this.walk(body[i], ancestors)
      return
    }
    if (!body || typeof body !== 'object') return
    for (const k in body) {
      const value = (body as PgNode)[k]
      if (!value || typeof value !== 'object') continue
      const first = k.charCodeAt(0)
      if (first >= 65 && first <= 90 && !Array.isArray(value)) {
        this.visit(k, value as PgNode, ancestors)
        ancestors.push(value as PgNode)
        this.walk(value, ancestors)
        ancestors.pop()
      } else this.walk(value, ancestors)
    }
  }
}

function callAll(hooks: ReadonlyArray<Hook | undefined>, arg: unknown): void {
  for (let i = 0; i < hooks.length; i++) {
    const hook = hooks[i]
    if (hook) hook(arg)
  }
}

/** Calls `run` for statements in execution order, each DO block followed by the plain SQL it wraps. */
function forEachExecuted(statements: readonly Statement[], run: (statement: Statement) => void): void {
  for (let i = 0; i < statements.length; i++) {
    const statement = statements[i]!
    run(statement)
    const body = statement.body
    if (body) for (let j = 0; j < body.length; j++) run(body[j]!)
  }
}

/** Lints a change. Call `loadParser()` before. */
export function lintChange(options: LintOptions): Finding[] {
  const { change, config, transactionMode, tableStats } = options
  const resolved = resolveRules(options.rules, config)
  const byId = new Map(options.rules.map((r) => [r.meta.id, r]))
  const severityOf = new Map(resolved.map((r) => [r.rule.meta.id, r.severity]))
  const findings: Finding[] = []
  const parsedCache = new Map<Migration, ParsedMigration>()
  const parse = (migration: Migration): ParsedMigration => {
    let parsed = parsedCache.get(migration)
    if (!parsed) {
      parsed = parseMigration(migration)
      parsedCache.set(migration, parsed)
    }
    return parsed
  }

  /** Records a finding of an enabled rule; `cappedSeverity` is a rule's own lower severity for this one. */
  const emit = (
    ruleId: string,
    messageId: string,
    data: Record<string, string | number> | undefined,
    file: string,
    range: SourceRange,
    migrationId?: string,
    fix?: Fix,
    cappedSeverity?: Severity,
  ): void => {
    const severity = severityOf.get(ruleId)
    const rule = byId.get(ruleId)
    if (!severity || !rule) return
    const template = (rule.meta.messages as Record<string, string>)[messageId] ?? messageId
    const finding: Finding = {
      ruleId,
      messageId,
      severity: cappedSeverity ?? severity,
      message: renderMessage(template, data),
      help: rule.meta.safeAlternative,
      file,
      range,
      source: 'lint',
    }
    if (migrationId !== undefined) finding.migration = migrationId
    if (fix) finding.fix = fix
    findings.push(finding)
  }

  // A problem the base already had (e.g. an old orphan file) is not this change's doing.
  const problemKey = (p: SetProblem): string => JSON.stringify([p.ruleId, p.messageId, p.file, p.data])
  const baseProblems = new Set(change.base?.problems.map(problemKey))
  for (const problem of change.head.problems) {
    if (baseProblems.has(problemKey(problem))) continue
    const range = problem.range ?? { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } }
    emit(problem.ruleId, problem.messageId, problem.data, problem.file, range)
  }

  const schema = new SchemaState()

  /** What the rule contexts read while a batch is linted; replaced at every batch. */
  interface BatchState {
    reviewed: Migration[]
    tracker: TransactionTracker
    current: { migration: Migration; parsed: ParsedMigration; statement: Statement | undefined } | undefined
    fileIgnores: Map<string, IgnoreDirective[]>
    statementIgnores: Map<Statement, IgnoreDirective[]>
    used: Set<IgnoreDirective>
  }
  let state: BatchState = { reviewed: [], tracker: new TransactionTracker(transactionMode, config), current: undefined, fileIgnores: new Map(), statementIgnores: new Map(), used: new Set() }

  const offsetOf = (node: PgNode | undefined): number => {
    const current = state.current
    if (!current?.statement) return 0
    const location = node && typeof node.location === 'number' && node.location >= 0 ? node.location : undefined
    return location === undefined ? current.statement.range.start.offset : current.parsed.fileOffset(current.statement, location)
  }

  /** Names an ignore directive may use for each rule: its id and its squawk aliases. */
  const ignoreNames = new Map(options.rules.map((r) => [r.meta.id, new Set([r.meta.id, ...(r.meta.aliases ?? []).map((a) => a.replace(/^squawk:/, ''))])]))
  const suppressedBy = (ruleId: string, migrationPath: string, statement: Statement | undefined): IgnoreDirective | undefined => {
    // Most migrations have no directives at all.
    if (!state.statementIgnores.size && !state.fileIgnores.get(migrationPath)?.length) return undefined
    const names = ignoreNames.get(ruleId)
    const matches = (d: IgnoreDirective) => d.rules.some((r) => names?.has(r) && (d.dialect === 'squawk' || r === ruleId))
    return (statement && state.statementIgnores.get(statement)?.find(matches)) || state.fileIgnores.get(migrationPath)?.find(matches)
  }

  const anchor = (node: PgNode | undefined): Anchor => {
    const { current } = state
    const migration = current?.migration ?? state.reviewed[0]
    if (!current || !migration) throw new Error('ctx.anchor() needs a migration under review')
    const start = offsetOf(node)
    const end = current.statement?.range.end.offset ?? start
    return { file: migration.path, range: current.parsed.lines.rangeOf(start, Math.max(start, end)), migration, statement: current.statement }
  }

  const report = (rule: ResolvedRule, descriptor: ReportDescriptor<string>): void => {
    const capped = descriptor.severity && severityRank[descriptor.severity] < severityRank[rule.severity] ? descriptor.severity : undefined
    const at = descriptor.at
    if (at) {
      const directive = at.migration && suppressedBy(rule.rule.meta.id, at.migration.path, at.statement)
      if (directive) {
        state.used.add(directive)
        return
      }
      emit(rule.rule.meta.id, descriptor.messageId, descriptor.data, at.file, at.range, at.migration?.id, descriptor.fix, capped)
      return
    }
    const { current } = state
    const migration = current?.migration ?? state.reviewed[0]
    if (!migration || !current) return
    const directive = suppressedBy(rule.rule.meta.id, migration.path, current.statement)
    if (directive) {
      state.used.add(directive)
      return
    }
    const statementRange = current.statement?.range
    const start = descriptor.range?.start ?? offsetOf(descriptor.node)
    const end = descriptor.range?.end ?? statementRange?.end.offset ?? start
    emit(rule.rule.meta.id, descriptor.messageId, descriptor.data, migration.path, current.parsed.lines.rangeOf(start, Math.max(start, end)), migration.id, descriptor.fix, capped)
  }

  // One context per rule for the whole run (contexts read the current batch through `state`).
  const contexts = resolved
    .filter((r) => r.rule.meta.category !== 'engine')
    .map((r): { rule: ResolvedRule; context: RuleContext } => ({
      rule: r,
      context: {
        config,
        pgVersion: config.postgres.version,
        options: r.options,
        change,
        get migration() {
          return state.current?.migration
        },
        get statement() {
          return state.current?.statement
        },
        get transaction() {
          return state.tracker.info()
        },
        schema,
        isExistingTable: (ref) => schema.existedBeforeChange(ref),
        // Without a stats file (the usual case) there is no key to build.
        rowCount: (ref) => (tableStats?.size ? tableStats.get(tableKey(refOf(ref))) : undefined),
        hasRowCounts: Boolean(tableStats?.size),
        statementsBeforeInTransaction: () => state.tracker.before(),
        offsetOf,
        anchor,
        report: (descriptor) => report(r, descriptor),
      },
    }))

  const dispatch = new Dispatch()
  const ruleIds = contexts.map((c) => c.rule.rule.meta.id)
  /** Each rule's visitors for the batch under review, in the order of `contexts`. */
  const visitorsOfRules: Visitors[] = []
  let applied = 0
  for (const batch of batchesOf(change)) {
    for (let i = applied; i < batch.contextLength; i++) {
      forEachExecuted(parse(batch.context[i]!).statements, (statement) => {
        if (statement.kind && statement.node) schema.apply(statement.kind, statement.node, false)
      })
    }
    schema.markAllExisting()
    lintBatch(batch.reviewed)
    // Linting applied the reviewed migrations; without a base they begin the next batch's context.
    applied = batch.contextLength + batch.reviewed.length
    // No later batch reads these parse trees again: letting them die young keeps garbage collection cheap.
    parsedCache.clear()
  }
  return findings.sort(compareFindings)

  function lintBatch(reviewed: Migration[]): void {
    state = { reviewed, tracker: new TransactionTracker(transactionMode, config), current: undefined, fileIgnores: new Map(), statementIgnores: new Map(), used: new Set() }
    const { tracker, fileIgnores, statementIgnores, used } = state
    for (let i = 0; i < contexts.length; i++) visitorsOfRules[i] = contexts[i]!.rule.rule.check(contexts[i]!.context)
    dispatch.refill(visitorsOfRules, ruleIds)

    tracker.startBatch()
    const first = reviewed[0]
    state.current = first ? { migration: first, parsed: parse(first), statement: undefined } : undefined
    callAll(dispatch.onChange, change)
    for (let i = 0; i < reviewed.length; i++) {
      const migration = reviewed[i]!
      const parsed = parse(migration)
      const current = { migration, parsed, statement: undefined as Statement | undefined }
      state.current = current
      collectIgnores(parsed)
      tracker.startMigration(i === 0)
      callAll(dispatch.onMigration, migration)
      forEachExecuted(parsed.statements, (statement) => {
        current.statement = statement
        if (statement.syntaxError) {
          emit(ENGINE_RULES.syntaxError, 'syntaxError', { message: statement.syntaxError.message }, migration.path, { start: statement.syntaxError.position, end: statement.range.end }, migration.id)
        }
        callAll(dispatch.onStatement, statement)
        if (statement.kind && statement.node) {
          dispatch.visit(statement.kind, statement.node, [])
          dispatch.walk(statement.node, [statement.node])
          schema.apply(statement.kind, statement.node, true)
        }
        callAll(dispatch.onStatementExit, statement)
        tracker.after(migration, statement)
      })
      current.statement = undefined
    }
    callAll(dispatch.onChangeExit, undefined)
    reportIgnoreProblems()

    function collectIgnores(parsed: ParsedMigration): void {
      const path = parsed.migration.path
      const place = (d: IgnoreDirective) => parsed.lines.rangeOf(d.start, d.end)
      const check = (d: IgnoreDirective): void => {
        for (const name of d.rules) {
          const known = d.dialect === 'squawk' ? [...byId.values()].some((r) => r.meta.id === name || r.meta.aliases?.includes(`squawk:${name}`)) : byId.has(name)
          if (!known) emit(ENGINE_RULES.invalidIgnore, 'unknownRule', { rule: name }, path, place(d), parsed.migration.id)
        }
        if (d.dialect === 'dba-review' && !d.reason) emit(ENGINE_RULES.invalidIgnore, 'missingReason', { rules: d.rules.join(', ') }, path, place(d), parsed.migration.id)
        if (!d.rules.length) emit(ENGINE_RULES.invalidIgnore, 'noRules', {}, path, place(d), parsed.migration.id)
      }
      const files: IgnoreDirective[] = []
      for (const statement of parsed.statements) {
        const own: IgnoreDirective[] = []
        for (const comment of statement.leadingComments) {
          const d = parseIgnoreComment(comment)
          if (!d) continue
          check(d)
          ;(d.scope === 'file' ? files : own).push(d)
        }
        // A DO block's ignores cover the statements it wraps.
        if (own.length) for (const covered of [statement, ...(statement.body ?? [])]) statementIgnores.set(covered, own)
      }
      for (const comment of parsed.trailingComments) {
        const d = parseIgnoreComment(comment)
        if (d?.scope === 'file') {
          check(d)
          files.push(d)
        }
      }
      fileIgnores.set(path, files)
    }

    function reportIgnoreProblems(): void {
      for (const migration of reviewed) {
        const files = fileIgnores.get(migration.path) ?? []
        // Most migrations have no directives at all.
        if (!files.length && !statementIgnores.size) continue
        const parsed = parse(migration)
        const all = new Set([...files, ...parsed.statements.flatMap((s) => statementIgnores.get(s) ?? [])])
        for (const d of all) {
          if (used.has(d) || !d.rules.length) continue
          emit(ENGINE_RULES.unusedIgnore, 'unused', { rules: d.rules.join(', ') }, migration.path, parsed.lines.rangeOf(d.start, d.end), migration.id)
        }
      }
    }
  }
}
