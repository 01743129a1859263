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

interface MemoryLayout {
  /** Where the memory's initial page count is encoded (LEB128), and in how many bytes. */
  initialAt: number
  initialLength: number
  initialPages: number
  /** The first global when it is a mutable i32 set by i32.const: emscripten's stack pointer (the stack grows down from it). */
  stackTop: number | undefined
}

/** Reads the memory section and the first global of a WebAssembly binary; undefined without one memory. */
function memoryLayout(bytes: Uint8Array): MemoryLayout | undefined {
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
  let memory: Omit<MemoryLayout, 'stackTop'> | undefined
  let stackTop: number | undefined
  while (at < bytes.length) {
    const id = bytes[at++]!
    const length = leb()
    const end = at + length
    if (id === MEMORY_SECTION && leb() === 1) {
      at++ // limits flags
      const initialAt = at
      const initialPages = leb()
      memory = { initialAt, initialLength: at - initialAt, initialPages }
    } else if (id === GLOBAL_SECTION && leb() > 0 && bytes[at] === 0x7f && bytes[at + 1] === 1 && bytes[at + 2] === 0x41) {
      at += 3
      stackTop = leb()
    }
    at = end
  }
  return memory && { ...memory, stackTop }
}

function readParserBinary(): Buffer {
  const bytes = fs.readFileSync(require.resolve('libpg-query/wasm/libpg-query.wasm'))
  const layout = memoryLayout(bytes)
  // Rewritten in place: 2048 and 640 both take two LEB128 bytes.
  if (layout?.initialPages === SHIPPED_INITIAL_PAGES && layout.initialLength === 2 && layout.stackTop !== undefined && layout.stackTop <= INITIAL_PAGES * PAGE_BYTES) {
    bytes[layout.initialAt] = (INITIAL_PAGES & 0x7f) | 0x80
    bytes[layout.initialAt + 1] = INITIAL_PAGES >> 7
  }
  return bytes
}

/** The initial page count (64 KiB each) of a WebAssembly binary's memory. */
const initialMemoryPages = (bytes: Uint8Array): number | undefined => memoryLayout(bytes)?.initialPages

export = { readParserBinary, initialMemoryPages }
