import { loadParser } from '../src/sql/parse.js'

// Every suite may parse SQL; the WebAssembly module loads once per worker.
await loadParser()
