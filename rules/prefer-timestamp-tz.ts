import { displayName } from '../src/lint/ast.js'
import { columnTypeVisitors } from '../src/lint/column-types.js'
import { defineRule } from '../src/lint/rule.js'

/** The type as drizzle-kit and people write it: `timestamp`, `timestamp (3)`, `timestamp without time zone`. */
const TIMESTAMP = /timestamp(\s*\(\s*\d+\s*\))?(\s+without\s+time\s+zone)?(?![\w$])/iy

export default defineRule({
  meta: {
    id: 'prefer-timestamp-tz',
    severity: 'warning',
    category: 'design',
    summary: 'Store points in time as `timestamptz`, not `timestamp` without time zone',
    rationale:
      '`timestamp` (without time zone) stores a wall-clock reading with no offset. `now()` and `Date` values are converted to it in the writing session\'s `TimeZone`, so the same instant is stored differently by servers, drivers and clients with different settings, comparisons across a DST change are off by an hour, and drivers guess an offset when reading it back. Converting the column later is `ALTER COLUMN … TYPE timestamptz`, which rewrites the table under an ACCESS EXCLUSIVE lock (and must guess which zone the old values were in).',
    safeAlternative:
      'Declare the column `timestamp with time zone` (`timestamptz`): in Drizzle, `timestamp(\'created_at\', { withTimezone: true })`. It takes the same 8 bytes and stores an absolute instant.',
    messages: {
      timestampWithoutTimeZone: 'Column {{table}}.{{column}} is `timestamp` without time zone: the instant it stores depends on the writer\'s time zone.',
    },
    fix: 'Writes `timestamp … with time zone` for a column that CREATE TABLE or ADD COLUMN introduces (no stored data to reinterpret); also set `withTimezone: true` on the Drizzle column so the next `drizzle-kit generate` does not revert it. No fix for ALTER COLUMN TYPE: existing values would be reinterpreted.',
    exemptions: [
      'A retype that keeps `timestamp` (e.g. changing its precision): the column already had no time zone.',
      'Temporary tables, and `CREATE TABLE IF NOT EXISTS` of a table that already exists.',
    ],
    pgDocs: 'datatype-datetime.html',
    aliases: ['squawk:prefer-timestamp-tz'],
    examples: {
      bad: [{ sql: 'CREATE TABLE "sessions" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"expires_at" timestamp NOT NULL\n);' }],
      good: [{ sql: 'CREATE TABLE "sessions" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"expires_at" timestamp with time zone NOT NULL\n);' }],
    },
    tests: {
      valid: [
        { name: 'timestamptz spelled out or short', sql: 'CREATE TABLE t (a timestamptz, b timestamp (3) with time zone, c timestamptz(6)[]);' },
        { name: 'changing the precision of an existing timestamp column', base: 'CREATE TABLE t (at timestamp);', sql: 'ALTER TABLE t ALTER COLUMN at SET DATA TYPE timestamp(3);' },
        { name: 'temporary table', sql: 'CREATE TEMP TABLE scratch (at timestamp);' },
        { name: 'IF NOT EXISTS of a table the base already has', base: 'CREATE TABLE t (at timestamp);', sql: 'CREATE TABLE IF NOT EXISTS t (at timestamp);' },
        { name: 'ADD COLUMN IF NOT EXISTS of a column that exists', base: 'CREATE TABLE t (at timestamp);', sql: 'ALTER TABLE t ADD COLUMN IF NOT EXISTS at timestamp;' },
        { name: 'a user type named timestamp in another schema', sql: 'CREATE TABLE t (at app.timestamp);' },
        { name: 'columns that existed before the change', base: 'CREATE TABLE t (at timestamp);', sql: 'ALTER TABLE t ALTER COLUMN at SET NOT NULL;' },
      ],
      invalid: [
        {
          name: 'drizzle CREATE TABLE: fix keeps the rest of the column definition',
          sql: 'CREATE TABLE "sessions" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"expires_at" timestamp DEFAULT now() NOT NULL\n);',
          errors: [{ messageId: 'timestampWithoutTimeZone', line: 3, column: 15 }],
          output: 'CREATE TABLE "sessions" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"expires_at" timestamp with time zone DEFAULT now() NOT NULL\n);',
        },
        {
          name: 'drizzle precision form and explicit without time zone, arrays',
          sql: 'CREATE TABLE t (a timestamp (3), b timestamp without time zone, c TIMESTAMP(6)[]);',
          errors: [{ messageId: 'timestampWithoutTimeZone' }, { messageId: 'timestampWithoutTimeZone' }, { messageId: 'timestampWithoutTimeZone' }],
          output: 'CREATE TABLE t (a timestamp (3) with time zone, b timestamp with time zone, c TIMESTAMP(6) with time zone[]);',
        },
        {
          name: 'ADD COLUMN on an existing table, schema-qualified',
          base: 'CREATE TABLE app.users (id bigint);',
          sql: 'ALTER TABLE "app"."users" ADD COLUMN "last_seen_at" timestamp;',
          errors: [{ messageId: 'timestampWithoutTimeZone', line: 1 }],
          output: 'ALTER TABLE "app"."users" ADD COLUMN "last_seen_at" timestamp with time zone;',
        },
        {
          name: 'ALTER COLUMN TYPE to timestamp is reported without a fix',
          base: 'CREATE TABLE t (at timestamptz);',
          sql: 'ALTER TABLE t ALTER COLUMN at SET DATA TYPE timestamp;',
          errors: [{ messageId: 'timestampWithoutTimeZone' }],
          output: null,
        },
        {
          name: 'quoted or schema-qualified type name: reported, no fix',
          sql: 'CREATE TABLE t (a "timestamp", b pg_catalog.timestamp);',
          errors: [{ messageId: 'timestampWithoutTimeZone' }, { messageId: 'timestampWithoutTimeZone' }],
          output: null,
        },
        {
          name: 'fix lands on the type after non-ASCII text',
          base: 'CREATE TABLE a (id bigint);',
          sql: '-- café ☕\nALTER TABLE a ADD COLUMN "née" timestamp;',
          errors: [{ messageId: 'timestampWithoutTimeZone', line: 2, column: 32 }],
          output: '-- café ☕\nALTER TABLE a ADD COLUMN "née" timestamp with time zone;',
        },
        {
          name: 'a later file of the batch',
          sql: 'CREATE TABLE a (id bigint, at timestamptz);',
          more: ['ALTER TABLE a ALTER COLUMN at TYPE timestamp;'],
          errors: [{ messageId: 'timestampWithoutTimeZone', file: 1, line: 1 }],
          output: null,
        },
      ],
    },
  },
  check: (ctx) =>
    columnTypeVisitors(ctx, (site) => {
      if (site.type.name !== 'timestamp' || site.type.schema) return
      const start = ctx.offsetOf(site.typeName)
      const text = ctx.migration?.text ?? ''
      TIMESTAMP.lastIndex = start
      const written = site.origin === 'alter' ? null : TIMESTAMP.exec(text)
      ctx.report({
        messageId: 'timestampWithoutTimeZone',
        data: { table: displayName(site.table), column: site.column },
        node: site.typeName,
        fix: written ? { description: 'Use timestamp with time zone', edits: [{ start, end: start + written[0].length, text: `${text.slice(start, start + 'timestamp'.length)}${written[1] ?? ''} with time zone` }] } : undefined,
      })
    }),
})
