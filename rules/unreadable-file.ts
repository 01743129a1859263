import { drizzleFolder } from '../src/lint/example-trees.js'
import { defineRule } from '../src/lint/rule.js'

const base = [{ tag: '0000_init' }]

export default defineRule({
  meta: {
    id: 'unreadable-file',
    severity: 'error',
    category: 'integrity',
    summary: 'Migration files are UTF-8 text of reviewable size',
    rationale:
      'A migration, journal or snapshot that is binary, not valid UTF-8, or larger than the review limit cannot be parsed or reviewed. PostgreSQL rejects invalid UTF-8 under a UTF8 client encoding (the deploy fails), and a file nobody can review is a change nobody has checked.',
    safeAlternative: 'Save the file as UTF-8 text (no UTF-16, no binary). Split huge data migrations, or load bulk data with `COPY` from a separate process instead of a migration.',
    messages: {
      binaryFile: '{{path}} is a binary file (it contains NUL bytes): it is neither SQL nor JSON and cannot be reviewed.',
      invalidUtf8: '{{path}} is not valid UTF-8: PostgreSQL rejects it under a UTF8 client encoding, and it cannot be reviewed.',
      fileTooLarge: '{{path}} is {{bytes}} bytes, over the {{limit}}-byte review limit: it was not read or reviewed.',
    },
    exemptions: ['Files the base branch already had in the same state.'],
    examples: {
      bad: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0001_seed', sql: 'INSERT INTO t VALUES (1);\0' }]) } }],
      good: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0001_seed', sql: 'INSERT INTO t VALUES (1);\n' }]) } }],
    },
    tests: {
      valid: [],
      invalid: [
        {
          name: 'a Latin-1 file',
          files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0001_names', sql: null }], { 'drizzle/0001_names.sql': Uint8Array.from([0x2d, 0x2d, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]) }) },
          errors: [{ messageId: 'invalidUtf8', file: 'drizzle/0001_names.sql', line: 1 }],
        },
        {
          name: 'a file over the 5 MiB limit',
          files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0001_bulk', sql: null }], { 'drizzle/0001_bulk.sql': new Uint8Array(5 * 1024 * 1024 + 1) }) },
          errors: [{ messageId: 'fileTooLarge', file: 'drizzle/0001_bulk.sql' }],
        },
        {
          name: 'a binary snapshot',
          files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0001_a' }], { 'drizzle/meta/0001_snapshot.json': Uint8Array.from([0x7b, 0x00, 0x7d]) }) },
          errors: [{ messageId: 'binaryFile', file: 'drizzle/meta/0001_snapshot.json' }],
        },
      ],
    },
  },
  check: () => ({}),
})
