import { defineRule } from '../src/lint/rule.js'

export default defineRule({
  meta: {
    id: 'unused-ignore',
    severity: 'warning',
    category: 'engine',
    summary: 'Ignore comments must suppress something',
    rationale:
      'An ignore that suppresses nothing is stale (the statement changed) or misplaced (it must stand directly above the statement). Left in place, it would silently hide a real finding later.',
    safeAlternative: 'Remove the ignore, or move it directly above the statement it is meant for.',
    messages: { unused: 'This ignore of {{rules}} suppresses no finding.' },
    examples: {
      bad: [{ sql: '-- dba-review-ignore ban-drop-table: not needed\nCREATE TABLE t (id int);' }],
      good: [{ sql: '-- dba-review-ignore ban-drop-table: sessions is unused since #412\nDROP TABLE sessions;', base: 'CREATE TABLE sessions (id int);' }],
    },
  },
  check: () => ({}),
})
