// Writes dist/cli/dba-review.cjs.code-cache after one warm-up run: a lint of the bundled example's base
// branch, which loads a config and runs the rules, the parser and the text report (src/cli/load-cli.cts).
import { writeCodeCache } from '../dist/src/cli/load-cli.cjs'

const code = await writeCodeCache(['lint', '--repo', 'examples/drizzle-app/base'], { cwd: new URL('..', import.meta.url).pathname })
// 1 is the example's error findings; 2 would mean the warm-up never got to lint anything.
if (code === 2) {
  console.error('write-code-cache: the warm-up lint could not run')
  process.exit(1)
}
