import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import parserBinary from '../../src/sql/parser-binary.cjs'
import { parseSql } from '../../src/sql/wasm-parser.js'

describe("the parser's WebAssembly", () => {
  it('starts its memory at 40 MB instead of the 128 MB libpg-query ships', () => {
    // Fails after a libpg-query upgrade that changes the layout: re-check parser-binary.cts then.
    expect(parserBinary.initialMemoryPages(readFileSync(createRequire(import.meta.url).resolve('libpg-query/wasm/libpg-query.wasm')))).toBe(2048)
    expect(parserBinary.initialMemoryPages(parserBinary.readParserBinary())).toBe(640)
  })

  it('grows its memory for a statement whose tree needs more than that', () => {
    const rows = 40_000
    const sql = `INSERT INTO t (a, b, c) VALUES ${Array.from({ length: rows }, (_, i) => `(${i}, 'row ${i}', now())`).join(', ')};`
    const values = parseSql(sql).stmts?.[0]?.stmt.InsertStmt.selectStmt.SelectStmt.valuesLists
    expect(values).toHaveLength(rows)
    expect(values[rows - 1].List.items[1].A_Const.sval.sval).toBe(`row ${rows - 1}`)
  })
})
