import { startApp } from './runner.js'

// The process entry point only: everything testable lives in runner.ts.
await startApp()
