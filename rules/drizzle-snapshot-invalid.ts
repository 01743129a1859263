import { drizzleFolder } from '../src/lint/example-trees.js'
import { defineRule } from '../src/lint/rule.js'

const base = [{ tag: '0000_init' }]

export default defineRule({
  meta: {
    id: 'drizzle-snapshot-invalid',
    severity: 'warning',
    category: 'integrity',
    summary: 'Drizzle snapshots (`meta/*_snapshot.json`) are valid JSON',
    rationale:
      'drizzle-kit diffs the schema against the latest snapshot to generate the next migration and follows the snapshots\' `id`/`prevId` chain in `check`. A snapshot that is not valid JSON (typically an unresolved merge conflict) makes the next `drizzle-kit generate` fail, and hides the chain from dba-review\'s conflict checks.',
    safeAlternative: 'Resolve the conflict by taking the base branch\'s snapshots and regenerating this branch\'s migration with `drizzle-kit generate`.',
    messages: { invalidJson: 'The snapshot is not valid JSON ({{error}}): the next drizzle-kit generate fails.' },
    exemptions: ['Snapshots the base branch already had in the same state.'],
    examples: {
      bad: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0001_posts' }], { 'drizzle/meta/0001_snapshot.json': '{\n  "id": "a",\n<<<<<<< HEAD\n' }) } }],
      good: [{ files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0001_posts' }]) } }],
    },
    tests: {
      valid: [],
      invalid: [
        {
          name: 'points at the error in the snapshot',
          files: { base: drizzleFolder(base), head: drizzleFolder([...base, { tag: '0001_posts' }], { 'drizzle/meta/0001_snapshot.json': '{\n  "id": "a",\n  "prevId": \n}' }) },
          errors: [{ messageId: 'invalidJson', file: 'drizzle/meta/0001_snapshot.json', line: 4 }],
        },
      ],
    },
  },
  check: () => ({}),
})
