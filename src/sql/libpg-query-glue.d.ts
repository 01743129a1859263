// libpg-query ships no types for its Emscripten module factory (`wasm/libpg-query.js`); wasm-parser.ts
// describes the module it resolves to.
declare module 'libpg-query/wasm/libpg-query.js' {
  const createPgQueryModule: (moduleArg: object) => Promise<unknown>
  export default createPgQueryModule
}
