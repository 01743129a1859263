import { columnConstraints, columnsAddedToExistingTable, displayName } from '../src/lint/ast.js'
import { defineRule } from '../src/lint/rule.js'
import { expressionVolatility } from '../src/lint/volatility.js'

const BASE = 'CREATE TABLE users (id bigint PRIMARY KEY);'

export default defineRule({
  meta: {
    id: 'adding-field-with-default',
    severity: 'error',
    category: 'locks',
    summary: 'Do not add columns with a volatile DEFAULT to existing tables',
    rationale:
      'Since PostgreSQL 11 (the oldest version dba-review supports), `ADD COLUMN … DEFAULT` with a constant, immutable or stable default is catalog-only: PostgreSQL evaluates the default once and stores it (`now()`, `CURRENT_TIMESTAMP`, `\'{}\'::jsonb` included). A **volatile** default (`gen_random_uuid()`, `random()`, `clock_timestamp()`, `nextval(…)`, `uuid_generate_v4()`) must be evaluated for every row, so PostgreSQL rewrites the whole table and all its indexes under ACCESS EXCLUSIVE: reads and writes wait for the rewrite (about 1 s per million narrow rows).\n\nVolatility comes from `pg_proc` of PostgreSQL 16 for built-in and common extension functions (`src/lint/pg-functions.ts`), and from `CREATE FUNCTION` in the migrations for your own (VOLATILE unless declared otherwise). A function dba-review knows nothing about is reported as possibly volatile.',
    safeAlternative:
      'Add the column without a default, or with a constant one; then `ALTER TABLE … ALTER COLUMN … SET DEFAULT gen_random_uuid()` (catalog-only: applies to new rows) and backfill existing rows in batches (`UPDATE … WHERE id BETWEEN …`), each batch its own transaction.',
    messages: {
      volatileDefault: 'Column {{table}}.{{column}} is added with a volatile DEFAULT ({{fn}}): PostgreSQL rewrites all of {{table}} and its indexes under ACCESS EXCLUSIVE to fill existing rows.',
      unknownDefault: 'Column {{table}}.{{column}} is added with a DEFAULT calling {{fn}}, whose volatility dba-review does not know: if it is VOLATILE, PostgreSQL rewrites all of {{table}} under ACCESS EXCLUSIVE.',
    },
    exemptions: [
      'Tables created earlier in the same change.',
      'Constant, immutable and stable defaults (`now()`, `CURRENT_TIMESTAMP`, `\'active\'`, `\'{}\'::jsonb`): catalog-only since PostgreSQL 11.',
      'Functions the migrations create with `IMMUTABLE` or `STABLE`.',
      'Serial, identity and stored generated columns: see adding-serial-column and adding-stored-generated-column.',
    ],
    pgDocs: 'sql-altertable.html#SQL-ALTERTABLE-NOTES',
    aliases: ['squawk:adding-field-with-default'],
    examples: {
      bad: [{ sql: 'ALTER TABLE "users" ADD COLUMN "api_key" uuid DEFAULT gen_random_uuid() NOT NULL;', base: BASE }],
      good: [
        { sql: 'ALTER TABLE "users" ADD COLUMN "created_at" timestamp with time zone DEFAULT now() NOT NULL;', base: BASE },
        { sql: 'ALTER TABLE "users" ADD COLUMN "api_key" uuid;\nALTER TABLE "users" ALTER COLUMN "api_key" SET DEFAULT gen_random_uuid();', base: BASE },
        { sql: 'CREATE TABLE "keys" ("id" bigint);\nALTER TABLE "keys" ADD COLUMN "value" uuid DEFAULT gen_random_uuid();' },
      ],
    },
    tests: {
      valid: [
        {
          name: 'stable and immutable defaults drizzle writes',
          base: BASE,
          sql: "ALTER TABLE users ADD COLUMN a timestamp DEFAULT (now() AT TIME ZONE 'utc'), ADD COLUMN b timestamptz DEFAULT CURRENT_TIMESTAMP, ADD COLUMN c jsonb DEFAULT '{}'::jsonb, ADD COLUMN d text[] DEFAULT ARRAY[]::text[], ADD COLUMN e text DEFAULT to_char(now(), 'YYYY'), ADD COLUMN f date DEFAULT CURRENT_DATE;",
        },
        { name: 'an immutable extension function in another schema', base: `CREATE SCHEMA extensions;\nCREATE EXTENSION "uuid-ossp" SCHEMA extensions;\n${BASE}`, sql: "ALTER TABLE users ADD COLUMN ns uuid DEFAULT extensions.uuid_generate_v5(extensions.uuid_ns_url(), 'x');" },
        { name: 'a function the migrations declared STABLE', base: `${BASE}\nCREATE SCHEMA app;\nCREATE FUNCTION app.tenant() RETURNS text LANGUAGE sql STABLE AS $$ SELECT current_setting('app.tenant', true) $$;`, sql: 'ALTER TABLE users ADD COLUMN tenant text DEFAULT app.tenant();' },
        { name: 'a function altered to IMMUTABLE', base: `${BASE}\nCREATE FUNCTION zero() RETURNS int LANGUAGE sql AS 'SELECT 0';\nALTER FUNCTION zero() IMMUTABLE;`, sql: 'ALTER TABLE users ADD COLUMN n int DEFAULT zero();' },
      ],
      invalid: [
        { name: 'clock_timestamp is volatile, now is not', base: BASE, sql: 'ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();', errors: [{ messageId: 'volatileDefault', line: 1, column: 50 }] },
        { name: 'a volatile call nested in a stable one', base: BASE, sql: 'ALTER TABLE users ADD COLUMN salt text DEFAULT md5(random()::text);', errors: [{ messageId: 'volatileDefault' }] },
        { name: 'a sequence', base: `${BASE}\nCREATE SEQUENCE user_no;`, sql: "ALTER TABLE users ADD COLUMN no bigint DEFAULT nextval('user_no'::regclass);", errors: [{ messageId: 'volatileDefault' }] },
        { name: 'uuid-ossp in an extensions schema', base: `CREATE SCHEMA extensions;\nCREATE EXTENSION "uuid-ossp" SCHEMA extensions;\n${BASE}`, sql: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT "extensions"."uuid_generate_v4"();', errors: [{ messageId: 'volatileDefault' }] },
        { name: 'a function the migrations created without a volatility is VOLATILE', base: `${BASE}\nCREATE FUNCTION nanoid() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'x'; END $$;`, sql: 'ALTER TABLE users ADD COLUMN public_id text DEFAULT nanoid();', errors: [{ messageId: 'volatileDefault' }] },
        { name: 'a function dba-review cannot see', base: BASE, sql: 'ALTER TABLE users ADD COLUMN public_id text DEFAULT generate_public_id();', errors: [{ messageId: 'unknownDefault' }] },
        {
          name: 'each column of a multi-command ALTER',
          base: BASE,
          sql: 'ALTER TABLE users ADD COLUMN a uuid DEFAULT gen_random_uuid(), ADD COLUMN b int DEFAULT 0, ADD COLUMN c float8 DEFAULT pg_catalog.random();',
          errors: [{ messageId: 'volatileDefault' }, { messageId: 'volatileDefault' }],
        },
      ],
    },
  },
  check: (ctx) => ({
    AlterTableStmt(node) {
      for (const def of columnsAddedToExistingTable(ctx, node)) {
        for (const constraint of columnConstraints(def, 'CONSTR_DEFAULT')) {
          const volatility = expressionVolatility(constraint.raw_expr, ctx.schema)
          if (volatility.kind === 'stable') continue
          ctx.report({
            messageId: volatility.kind === 'volatile' ? 'volatileDefault' : 'unknownDefault',
            node: constraint,
            data: { table: displayName(node.relation), column: def.colname, fn: `${volatility.fn}()` },
          })
        }
      }
    },
  }),
})
