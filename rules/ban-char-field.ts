import { displayName } from '../src/lint/ast.js'
import { columnTypeVisitors, grammarTypeName } from '../src/lint/column-types.js'
import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'ban-char-field',
    severity: 'warning',
    category: 'design',
    summary: 'Do not use `char(n)` / `character(n)` columns',
    rationale:
      '`char(n)` pads every value with blanks to n characters and ignores trailing blanks in comparisons, but not in `LIKE`, regular expressions or in the application, which receives the padded string: `\'ab\'` is stored and read back as `\'ab   \'`. It is no faster than `text` and takes more space; fixing it later is a type change that rewrites the table under an ACCESS EXCLUSIVE lock.',
    safeAlternative: 'Use `text` (with `CHECK (char_length(col) = n)` if the length is fixed) or `varchar`.',
    messages: {
      charField: 'Column {{table}}.{{column}} is char({{length}}): values are blank-padded to {{length}} characters.',
    },
    exemptions: ['The one-byte internal type `"char"` (quoted).', 'Changing the length of a column that is already `char`.', 'Temporary tables.'],
    pgDocs: 'datatype-character.html',
    aliases: ['squawk:ban-char-field'],
    examples: {
      bad: [{ sql: 'CREATE TABLE "countries" (\n\t"code" char(2) PRIMARY KEY NOT NULL\n);' }],
      good: [{ sql: 'CREATE TABLE "countries" (\n\t"code" text PRIMARY KEY NOT NULL CHECK (char_length("code") = 2)\n);' }],
    },
    tests: {
      valid: [
        { name: 'the internal "char" type is not bpchar', sql: 'CREATE TABLE t (kind "char");' },
        { name: 'widening an existing char column', base: 'CREATE TABLE t (c char(2));', sql: 'ALTER TABLE t ALTER COLUMN c TYPE char(3);' },
      ],
      invalid: [
        {
          name: 'character without a length is char(1); character(n) on ADD COLUMN',
          base: 'CREATE TABLE t (id bigint);',
          sql: 'ALTER TABLE t ADD COLUMN flag character, ADD COLUMN code CHARACTER(3);',
          errors: [
            { messageId: 'charField', column: 31 },
            { messageId: 'charField', column: 58 },
          ],
        },
        { name: 'retype of a text column to char(n)', base: 'CREATE TABLE t (c text);', sql: 'ALTER TABLE t ALTER COLUMN c TYPE char(10);', errors: [{ messageId: 'charField' }] },
      ],
    },
  },
  check: (ctx) =>
    columnTypeVisitors(ctx, (site) => {
      if (grammarTypeName(site.typeName) !== 'bpchar' || site.type.schema) return
      ctx.report({ messageId: 'charField', data: { table: displayName(site.table), column: site.column, length: site.type.mods[0] ?? 1 }, node: site.typeName })
    }),
})
