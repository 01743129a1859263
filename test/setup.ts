import { loadYaml } from '../src/config/validate-document.js'
import { loadParser } from '../src/sql/parse.js'

// Every suite may parse SQL or a config; the WebAssembly parser and the YAML library load once per worker.
await Promise.all([loadParser(), loadYaml()])
