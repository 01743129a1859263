import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
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

  // In a process of its own: loading sets the CLI's V8 flags.
  const loadInChild = (script: string): string => execFileSync(process.execPath, ['--input-type=module', '-e', `const { loadCli, writeCodeCache } = await import(${JSON.stringify(join(ROOT, 'dist/src/cli/load-cli.cjs'))});\n${script}`], { encoding: 'utf8' })

  it('compiles the built bundle from the code cache the build wrote', () => {
    expect(loadInChild('process.stdout.write(loadCli().codeCache)')).toBe('accepted')
  })

  it('ignores a code cache written for another build of the bundle, even one of the same length', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dba-review-code-cache-'))
    try {
      const bundle = join(dir, 'cli.cjs')
      // A bundle is a CommonJS module wrapped in its function (scripts/bundle-cli.mjs).
      const build = (answer: number): string => `(function (exports) {exports.main = async () => ${answer}; exports.run = async () => {}})`
      const loadAndRun = `const { cli, codeCache } = loadCli({ bundle: ${JSON.stringify(bundle)} }); process.stdout.write(codeCache + ' ' + (await cli.main()))`
      writeFileSync(bundle, build(41))
      expect(loadInChild(`await writeCodeCache([], { bundle: ${JSON.stringify(bundle)} }); ${loadAndRun}`)).toBe('accepted 41')
      const { mtime } = statSync(bundle)
      writeFileSync(bundle, build(42))
      utimesSync(bundle, mtime, new Date(mtime.getTime() + 10_000))
      // V8 itself checks only the length: it would run the bytecode of `41`.
      expect(loadInChild(loadAndRun)).toBe('none 42')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
