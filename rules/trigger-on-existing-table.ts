import { displayName } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE TABLE orders (id bigint PRIMARY KEY, updated_at timestamptz);\nCREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;'

/** pg_trigger.tgtype bits, as the parse tree gives `timing` and `events`. */
const TIMING: Record<number, string> = { 2: 'BEFORE', 64: 'INSTEAD OF' }
const EVENTS: Array<[number, string]> = [
  [4, 'INSERT'],
  [16, 'UPDATE'],
  [8, 'DELETE'],
  [32, 'TRUNCATE'],
]

export default defineRule({
  meta: {
    id: 'trigger-on-existing-table',
    severity: 'warning',
    category: 'locks',
    summary: 'Review triggers added to existing tables: they block writes while created and change every later write',
    rationale:
      '`CREATE TRIGGER` takes SHARE ROW EXCLUSIVE on the table: every INSERT, UPDATE and DELETE waits while it is created, and behind any long-running query on the table if the lock request has to queue (until COMMIT inside drizzle-orm\'s migrator transaction). From then on the trigger function runs inside every matching write, adding its latency, its locks and its failure modes to all of them, in code that application reviews rarely look at.',
    safeAlternative:
      'Prefer doing the work in the application. If the trigger is needed, keep its function small and free of queries on other busy tables, create it in a short migration of its own with `SET LOCAL lock_timeout`, and say in the review what it changes for every write.',
    messages: {
      triggerOnExistingTable: 'Trigger {{trigger}} is created on existing table {{table}} ({{when}}): the statement blocks writes to {{table}} (SHARE ROW EXCLUSIVE), and from then on {{function}} runs in every matching write.',
    },
    exemptions: ['Tables created earlier in the same change.', 'Triggers on views (`INSTEAD OF`): no table lock on stored rows.'],
    pgDocs: 'sql-createtrigger.html',
    examples: {
      bad: [{ sql: 'CREATE TRIGGER "orders_touch" BEFORE UPDATE ON "orders" FOR EACH ROW EXECUTE FUNCTION touch_updated_at();', base: BASE }],
      good: [{ sql: 'CREATE TABLE "carts" (id bigint PRIMARY KEY, updated_at timestamptz);\n--> statement-breakpoint\nCREATE TRIGGER "carts_touch" BEFORE UPDATE ON "carts" FOR EACH ROW EXECUTE FUNCTION touch_updated_at();', base: BASE }],
    },
    tests: {
      valid: [{ name: 'INSTEAD OF trigger on a view', base: `${BASE}\nCREATE VIEW recent_orders AS SELECT * FROM orders;`, sql: 'CREATE TRIGGER recent_orders_ins INSTEAD OF INSERT ON recent_orders FOR EACH ROW EXECUTE FUNCTION touch_updated_at();' }],
      invalid: [
        { name: 'statement-level, several events, schema-qualified, OR REPLACE', base: 'CREATE TABLE audit.events (id bigint);', sql: 'CREATE OR REPLACE TRIGGER events_audit AFTER INSERT OR DELETE ON audit.events FOR EACH STATEMENT EXECUTE FUNCTION audit.log_change();', errors: [{ messageId: 'triggerOnExistingTable', line: 1, column: 1 }] },
        { name: 'constraint trigger', base: BASE, sql: 'CREATE CONSTRAINT TRIGGER orders_check AFTER UPDATE ON orders DEFERRABLE FOR EACH ROW EXECUTE FUNCTION touch_updated_at();', errors: [{ messageId: 'triggerOnExistingTable' }] },
      ],
    },
  },
  check: (ctx) => ({
    CreateTrigStmt(node) {
      if (!ctx.isExistingTable(node.relation) || ctx.schema.table(node.relation)?.kind === 'view') return
      const events = EVENTS.filter(([bit]) => (node.events ?? 0) & bit).map(([, name]) => name)
      const when = `${TIMING[node.timing ?? 0] ?? 'AFTER'} ${events.join(' OR ')}, for each ${node.row ? 'row' : 'statement'}`
      const fn = (node.funcname ?? []).map((n: { String?: { sval: string } }) => n.String?.sval).join('.')
      ctx.report({ messageId: 'triggerOnExistingTable', data: { trigger: node.trigname, table: displayName(node.relation), when, function: `${fn}()` } })
    },
  }),
})
