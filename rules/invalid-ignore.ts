import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'invalid-ignore',
    severity: 'warning',
    category: 'engine',
    summary: 'Ignore comments must name known rules and give a reason',
    rationale:
      'An ignore without a reason tells the next reviewer nothing about why a hazard was accepted, and an ignore naming an unknown rule (a typo) silently suppresses nothing.',
    safeAlternative: 'Write `-- dba-review-ignore <rule>[, <rule>]: <why this is safe here>` directly above the statement.',
    messages: {
      missingReason: 'Ignore of {{rules}} has no reason; write `: <why this is safe>` after the rule names.',
      unknownRule: 'Ignore names unknown rule "{{rule}}".',
      noRules: 'Ignore comment names no rule.',
    },
    examples: {
      bad: [{ sql: '-- dba-review-ignore ban-drop-table\nDROP TABLE sessions;', base: 'CREATE TABLE sessions (id int);' }],
      good: [{ sql: '-- dba-review-ignore ban-drop-table: sessions is unused since #412\nDROP TABLE sessions;', base: 'CREATE TABLE sessions (id int);' }],
    },
    tests: {
      valid: [{ name: 'squawk ignores need no reason', sql: '-- squawk-ignore ban-drop-table\nDROP TABLE sessions;', base: 'CREATE TABLE sessions (id int);' }],
      invalid: [
        { name: 'unknown rule name (typo)', sql: '-- dba-review-ignore ban-drop-tabel: typo\nCREATE TABLE t (id int);', errors: [{ messageId: 'unknownRule', line: 1, column: 1 }] },
        { name: 'no rule named', sql: '-- dba-review-ignore: because\nCREATE TABLE t (id int);', errors: [{ messageId: 'noRules', line: 1 }] },
        { name: 'file-level ignore without reason', sql: '-- dba-review-ignore-file ban-drop-table\nDROP TABLE sessions;', base: 'CREATE TABLE sessions (id int);', errors: [{ messageId: 'missingReason', line: 1 }] },
      ],
    },
  },
  check: () => ({}),
})
