// The parts of the WebAssembly JavaScript API that wasm-parser.ts uses. TypeScript declares it only in its
// DOM and web-worker libraries, whose other globals this Node project must not see, and @types/node 20 not at all.
declare namespace WebAssembly {
  interface Module {}
  interface Instance {
    readonly exports: Record<string, unknown>
  }
  type Imports = Record<string, Record<string, unknown>>
  function compile(bytes: Uint8Array): Promise<Module>
  function instantiate(module: Module, imports?: Imports): Promise<Instance>
}
