import fs = require('node:fs')

/**
 * libpg-query's WebAssembly as the SQL parser compiles it. The module declares 128 MB of initial memory,
 * which V8 counts as external memory: instantiating it took ~5.5 ms and started a full garbage collection
 * ("external memory pressure"), against ~2 ms and none at 40 MB. The module grows its memory on demand (up
 * to 1 GB), and all it needs at start lies below 33 MB (data to 0.6 MB, the 32 MB stack above it), so the
 * initial size is lowered to 40 MB. Only a binary laid out exactly as expected (libpg-query 16.7.3, pinned)
 * is changed; any other is compiled as shipped.
 */
const SHIPPED_INITIAL_PAGES = 2048
const INITIAL_PAGES = 640
const PAGE_BYTES = 65536
const MEMORY_SECTION = 5
const GLOBAL_SECTION = 6

function readParserBinary(): Buffer {
  const bytes = fs.readFileSync(require.resolve('libpg-query/wasm/libpg-query.wasm'))
  lowerInitialMemory(bytes)
  return bytes
}

/** Rewrites the memory's initial size in place (same LEB128 length), when the binary is as expected. */
function lowerInitialMemory(bytes: Buffer): void {
  let at = 8
  const leb = (): number => {
    let value = 0
    let shift = 0
    let byte: number
    do {
      byte = bytes[at++]!
      value += (byte & 0x7f) * 2 ** shift
      shift += 7
    } while (byte & 0x80)
    return value
  }
  let initialAt = -1
  let initialLength = 0
  let stackTop = Infinity
  while (at < bytes.length) {
    const id = bytes[at++]!
    const length = leb()
    const end = at + length
    if (id === MEMORY_SECTION && leb() === 1) {
      at++ // limits flags
      initialAt = at
      if (leb() !== SHIPPED_INITIAL_PAGES) return
      initialLength = at - initialAt
    } else if (id === GLOBAL_SECTION && leb() > 0 && bytes[at] === 0x7f && bytes[at + 1] === 1 && bytes[at + 2] === 0x41) {
      // The first global, a mutable i32 set by i32.const: emscripten's stack pointer (the stack grows down from it).
      at += 3
      stackTop = leb()
    }
    at = end
  }
  if (initialAt < 0 || initialLength !== 2 || stackTop > INITIAL_PAGES * PAGE_BYTES) return
  bytes[initialAt] = (INITIAL_PAGES & 0x7f) | 0x80
  bytes[initialAt + 1] = INITIAL_PAGES >> 7
}

export = { readParserBinary }
