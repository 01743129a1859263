// Emscripten's JavaScript half of the parser, imported so that the CLI bundle holds it (and its code cache).
import createPgQueryModule from 'libpg-query/wasm/libpg-query.js'
import parserBinary from './parser-binary.cjs'

/**
 * libpg-query's WebAssembly parser, called directly rather than through the package's `parseSync`: that
 * wrapper copies the query into the module and the JSON tree out of it with JavaScript loops over every
 * character and byte, about a fifth of its time on real migration histories. This uses the same exports
 * and result structs as `parseSync` (libpg-query 16.7.3, pinned), with native encoding and decoding.
 */
interface PgQueryModule {
  /** The module's memory; replaced when the memory grows, so read it after every call into the module. */
  HEAPU8: Uint8Array
  HEAPU32: Uint32Array
  _malloc(size: number): number
  _free(pointer: number): void
  /** Returns a `PgQueryParseResult *`: `{ char *parse_tree; char *stderr_buffer; PgQueryError *error }`. */
  _wasm_parse_query_raw(query: number): number
  _wasm_free_parse_result(result: number): void
}

/** A libpg-query parse result: `stmts` is absent when the text holds no statement. */
export interface ParseTree {
  stmts?: Array<{ stmt: Record<string, any>; stmt_location?: number; stmt_len?: number }>
}

/** PostgreSQL rejected the text. */
export class PgSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based UTF-8 byte offset in the parsed text where PostgreSQL places the error (0 when it gives none). */
    readonly cursorPosition: number,
  ) {
    super(message)
  }
}

let wasm: PgQueryModule | undefined
let compiled: Promise<WebAssembly.Module> | undefined
let instantiated: Promise<void> | undefined

/**
 * Starts compiling the parser's WebAssembly, or adopts a compile already started (by the CLI's loader, before
 * the bundle loads). With the CLI's V8 flags (src/cli/load-cli.cts) the whole module compiles on V8's
 * background threads while the run reads its config and migrations, rather than function by function on the
 * main thread during the first parse. Call it as early as a run knows it will parse.
 */
export function compileWasmParser(started?: Promise<WebAssembly.Module>): void {
  compiled ??= started ?? WebAssembly.compile(parserBinary.readParserBinary())
}

/** Instantiates the WebAssembly module once per process. */
export function loadWasmParser(): Promise<void> {
  compileWasmParser()
  const compiling = compiled!
  instantiated ??= new Promise((resolve, reject) => {
    // Emscripten's hook for instantiating a module compiled elsewhere; its callback has no error path.
    const instantiateWasm = (imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object => {
      compiling.then(async (module) => receive(await WebAssembly.instantiate(module, imports), module)).catch(reject)
      return {}
    }
    const loading = createPgQueryModule({ instantiateWasm }) as Promise<PgQueryModule>
    loading.then((loaded) => {
      wasm = loaded
      resolve()
    }, reject)
  })
  return instantiated
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Parses SQL text into libpg-query's tree; node locations are UTF-8 byte offsets in `sql`. Throws `PgSyntaxError`. */
export function parseSql(sql: string): ParseTree {
  if (!wasm) throw new Error('the SQL parser is not loaded: await loadParser() first')
  const length = Buffer.byteLength(sql)
  const query = wasm._malloc(length + 1)
  if (!query) throw new Error('the SQL parser is out of memory')
  try {
    encoder.encodeInto(sql, wasm.HEAPU8.subarray(query, query + length))
    wasm.HEAPU8[query + length] = 0
    const result = wasm._wasm_parse_query_raw(query)
    if (!result) throw new Error('the SQL parser is out of memory')
    try {
      const words = wasm.HEAPU32
      const error = words[(result >> 2) + 2] as number
      if (error) {
        // PgQueryError: { char *message; char *funcname; char *filename; int lineno; int cursorpos; char *context }
        const message = words[error >> 2] as number
        const cursor = words[(error >> 2) + 4] as number
        throw new PgSyntaxError(message ? cString(message) : 'unknown error', cursor > 0 ? cursor - 1 : 0)
      }
      return JSON.parse(cString(words[result >> 2] as number)) as ParseTree
    } finally {
      wasm._wasm_free_parse_result(result)
    }
  } finally {
    wasm._free(query)
  }
}

function cString(pointer: number): string {
  const heap = (wasm as PgQueryModule).HEAPU8
  return decoder.decode(heap.subarray(pointer, heap.indexOf(0, pointer)))
}
