import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/** What the CLI bundle holds is paid for by every run; these imports decide how much of zod it holds. */
const ROOT = new URL('../../', import.meta.url).pathname
const ALLOWED_ZOD_IMPORTS = new Set(["import * as z from 'zod/mini'", "import type * as z from 'zod/mini'", "import { en } from 'zod/locales'"])

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []))
}

describe('CLI start-up', () => {
  it('imports zod only as the zod/mini namespace (classic zod or `import { z }` would bundle all of it)', () => {
    const offenders = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'rules'))].flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^import .* from 'zod[^']*'$/gm)].map(([line]) => line).filter((line) => !ALLOWED_ZOD_IMPORTS.has(line)).map((line) => `${relative(ROOT, file)}: ${line}`),
    )
    expect(offenders).toEqual([])
  })
})
