import { displayName, refOfNames, stringsOf } from '../src/lint/ast.js'
import { domainValidation, tablesUsingType } from '../src/lint/lock-modes.js'
import { defineRule } from '../src/lint/rule.js'

const BASE = 'CREATE DOMAIN price AS numeric(12,2);\nCREATE TABLE products (id bigint PRIMARY KEY, amount price);'

const key = (parts: string[]): string => {
  const ref = refOfNames(parts)
  return ref ? `${ref.schema ?? 'public'}.${ref.name}` : ''
}

export default defineRule({
  meta: {
    id: 'ban-domain-constraint',
    severity: 'warning',
    category: 'design',
    summary: 'Put CHECK constraints on table columns, not on domains',
    rationale:
      'A domain\'s constraint applies to every column of that type in every table, which makes it expensive to change: `ALTER DOMAIN … ADD CONSTRAINT` (or `SET NOT NULL`) checks every such column under a SHARE lock on each table, blocking all their writes for the whole scan; there is no cheap way to alter or drop-and-replace it on a busy database. `ADD COLUMN` of a domain type that has constraints rewrites the whole table under ACCESS EXCLUSIVE, even without a default (measured on PostgreSQL 16), where a plain type would be catalog-only.',
    safeAlternative:
      'Use a plain domain (or the base type) and put the rule on each column: `ALTER TABLE … ADD CONSTRAINT … CHECK (…) NOT VALID;` then `ALTER TABLE … VALIDATE CONSTRAINT …;` (a table\'s validation takes SHARE UPDATE EXCLUSIVE: reads and writes continue).',
    messages: {
      createDomainCheck: 'Domain {{domain}} is created with a CHECK constraint: changing it later checks every column of the type under SHARE locks, and adding a column of this type rewrites its table.',
      alterDomainConstraint: '{{action}} on domain {{domain}} checks every column of that type ({{tables}}) under a SHARE lock, blocking writes to those tables for the whole scan.',
    },
    exemptions: ['`ALTER DOMAIN … ADD CONSTRAINT … NOT VALID` itself (its later `VALIDATE CONSTRAINT` is reported).', 'Domains created earlier in the same change.', 'Domains created with only `NOT NULL` or `DEFAULT`.'],
    pgDocs: 'sql-alterdomain.html',
    aliases: ['squawk:ban-create-domain-with-constraint', 'squawk:ban-alter-domain-with-add-constraint'],
    examples: {
      bad: [{ sql: 'CREATE DOMAIN "email" AS text CHECK (VALUE ~ \'^[^@]+@[^@]+$\');' }],
      good: [{ sql: 'ALTER TABLE "products" ADD CONSTRAINT "products_amount_positive" CHECK ("amount" > 0) NOT VALID;', base: BASE }],
    },
    tests: {
      valid: [
        { name: 'NOT VALID', base: BASE, sql: 'ALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0) NOT VALID;' },
        { name: 'domain without a CHECK', sql: 'CREATE DOMAIN email AS text NOT NULL;' },
        { name: 'domain created earlier in the same change (reported there)', sql: 'CREATE DOMAIN code AS text;\n--> statement-breakpoint\nALTER DOMAIN code ADD CONSTRAINT code_short CHECK (length(VALUE) < 10);' },
      ],
      invalid: [
        { name: 'named CHECK among other constraints, schema-qualified', sql: "CREATE DOMAIN billing.iban AS text NOT NULL CONSTRAINT iban_format CHECK (VALUE ~ '^[A-Z]{2}');", errors: [{ messageId: 'createDomainCheck', line: 1, column: 1 }] },
        { name: 'adding a constraint names the tables using the domain', base: BASE, sql: 'ALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0);', errors: [{ messageId: 'alterDomainConstraint' }] },
        { name: 'SET NOT NULL checks every column too', base: BASE, sql: 'ALTER DOMAIN price SET NOT NULL;', errors: [{ messageId: 'alterDomainConstraint' }] },
        { name: 'a domain VALIDATE CONSTRAINT takes SHARE, unlike a table\'s', base: `${BASE}\nALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0) NOT VALID;`, sql: 'ALTER DOMAIN price VALIDATE CONSTRAINT price_positive;', errors: [{ messageId: 'alterDomainConstraint' }] },
      ],
    },
  },
  check: (ctx) => {
    const created = new Set<string>()
    return {
      CreateDomainStmt(node) {
        created.add(key(stringsOf(node.domainname)))
        if ((node.constraints ?? []).some((c: { Constraint?: { contype: string } }) => c.Constraint?.contype === 'CONSTR_CHECK')) {
          ctx.report({ messageId: 'createDomainCheck', data: { domain: stringsOf(node.domainname).join('.') } })
        }
      },
      AlterDomainStmt(node) {
        const parts = stringsOf(node.typeName)
        if (!domainValidation(node) || created.has(key(parts))) return
        const tables = tablesUsingType(ctx.schema, parts).map((t) => displayName({ schema: t.schema, name: t.name }))
        ctx.report({ messageId: 'alterDomainConstraint', data: { action: domainValidation(node)!, domain: parts.join('.'), tables: tables.length ? tables.join(', ') : 'none known to dba-review' } })
      },
    }
  },
})
