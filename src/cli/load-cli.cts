import fs = require('node:fs')
import nodeModule = require('node:module')
import path = require('node:path')
import v8 = require('node:v8')
import vm = require('node:vm')
import type * as CliModule from './main.js'
import parserBinary = require('../sql/parser-binary.cjs')

/**
 * How `bin/dba-review.cjs` starts the CLI: the one-file bundle (`scripts/bundle-cli.mjs`), compiled with V8's
 * code cache. Compiling the bundle's functions is a good part of a short run; the cache, written by the build
 * after a warm-up run, holds the bytecode of every function that run compiled. Node 20 has no compile cache
 * for modules (`module.enableCompileCache` came with Node 22), so the bundle is CommonJS and compiled here as a
 * classic script, the one kind `vm.Script` can take cached data for. This loader is CommonJS too: an ES module
 * would start Node's ES module loader, which a CLI run has no other use for.
 */

const CLI_BUNDLE = path.join(__dirname, '../../cli/dba-review.cjs')

/**
 * Set before anything is compiled, and the same when the cache is written (V8 refuses a cache made under
 * other flags):
 * - `--liftoff-only`: a run parses SQL once, and V8's optimising WebAssembly tier would compile the parser for
 *   longer than the whole run takes.
 * - `--no-wasm-lazy-compilation`: the parser compiles whole on background threads while the run reads its
 *   input (`compileWasmParser`), not function by function on the main thread when first called.
 * - `--interrupt-budget=400000` (the default is 67,584): optimising compiles of the rules' code otherwise take
 *   the CPU from the run and are ready too late to pay off (DEVELOPERS.md has the figures).
 */
const V8_FLAGS = ['--liftoff-only', '--no-wasm-lazy-compilation', '--interrupt-budget=400000']

/** Bytes before the cached data: the bundle's size and modification time when the cache was written. */
const STAMP_BYTES = 16

interface LoadedCli {
  cli: typeof CliModule
  /** The SQL parser's WebAssembly, compiling since before the bundle loaded: pass it to `cli.run`. */
  parser: Promise<WebAssembly.Module>
  /** `accepted` unless the cache is missing, from another build (`none`), or refused by V8 (`rejected`: another Node version). */
  codeCache: 'accepted' | 'rejected' | 'none'
  script: vm.Script
  stamp: Buffer
}

const codeCacheOf = (bundle: string): string => `${bundle}.code-cache`

/**
 * The bundle's size and modification time. V8 checks a cache against the source's length only: a cache left
 * from another build of the same length would run that build's bytecode.
 */
function stampOf(fd: number): Buffer {
  const { size, mtimeMs } = fs.fstatSync(fd)
  const stamp = Buffer.alloc(STAMP_BYTES)
  stamp.writeDoubleLE(size, 0)
  stamp.writeDoubleLE(mtimeMs, 8)
  return stamp
}

function cachedDataFor(bundle: string, stamp: Buffer): Buffer | undefined {
  let file: Buffer
  try {
    file = fs.readFileSync(codeCacheOf(bundle))
  } catch {
    // No cache (or none readable): the bundle compiles as any script does.
    return undefined
  }
  return file.subarray(0, STAMP_BYTES).equals(stamp) ? file.subarray(STAMP_BYTES) : undefined
}

/**
 * Started first, the parser compiles on V8's background threads while the bundle loads and the run reads its
 * input. A command that never parses leaves it unfinished; one that does reports a failure when it awaits it.
 */
function compileParser(): Promise<WebAssembly.Module> {
  let compiling: Promise<WebAssembly.Module>
  try {
    compiling = WebAssembly.compile(parserBinary.readParserBinary())
  } catch (error) {
    compiling = Promise.reject(error)
  }
  compiling.catch(() => undefined)
  return compiling
}

function loadCli(options: { bundle?: string; codeCache?: boolean } = {}): LoadedCli {
  const bundle = options.bundle ?? CLI_BUNDLE
  for (const flag of V8_FLAGS) v8.setFlagsFromString(flag)
  const parser = compileParser()
  const fd = fs.openSync(bundle, 'r')
  let source: string
  let stamp: Buffer
  try {
    stamp = stampOf(fd)
    // ASCII (scripts/bundle-cli.mjs checks): Latin-1 is the same text, without decoding UTF-8.
    source = fs.readFileSync(fd, 'latin1')
  } finally {
    fs.closeSync(fd)
  }
  const cachedData = options.codeCache === false ? undefined : cachedDataFor(bundle, stamp)
  // The bundle is a function expression taking CommonJS's module arguments (scripts/bundle-cli.mjs).
  const script = new vm.Script(source, { filename: bundle, cachedData })
  const bundleModule = { exports: {} as typeof CliModule }
  script.runInThisContext()(bundleModule.exports, nodeModule.createRequire(bundle), bundleModule, bundle, path.dirname(bundle))
  return { cli: bundleModule.exports, parser, codeCache: !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted', script, stamp }
}

/**
 * Build step, in a process of its own: runs `argv` once through the bundle (output discarded), then writes
 * what V8 compiled meanwhile as the bundle's code cache. Returns the command's exit code.
 */
async function writeCodeCache(argv: string[], options: { bundle?: string; cwd?: string } = {}): Promise<number> {
  const bundle = options.bundle ?? CLI_BUNDLE
  const loaded = loadCli({ bundle, codeCache: false })
  const discard = { write: () => true }
  const code = await loaded.cli.main(argv, { stdout: discard, stderr: discard, env: {}, cwd: options.cwd ?? process.cwd(), stdoutIsTTY: false })
  fs.writeFileSync(codeCacheOf(bundle), Buffer.concat([loaded.stamp, loaded.script.createCachedData()]))
  return code
}

export = { loadCli, writeCodeCache }
