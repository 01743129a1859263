import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import parserBinary from '../../src/sql/parser-binary.cjs'
import { parseSql } from '../../src/sql/wasm-parser.js'

/** The initial page count (64 KiB each) of a WebAssembly binary's one memory. */
function initialPages(bytes: Uint8Array): number {
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
  while (at < bytes.length) {
    const id = bytes[at++]!
    const end = leb() + at
    if (id === 5) {
      leb()
      at++
      return leb()
    }
    at = end
  }
  throw new Error('no memory section')
}

describe("the parser's WebAssembly", () => {
  it('starts its memory at 40 MB instead of the 128 MB libpg-query ships', () => {
    // Fails after a libpg-query upgrade that changes the layout: re-check parser-binary.cts then.
    expect(initialPages(readFileSync(createRequire(import.meta.url).resolve('libpg-query/wasm/libpg-query.wasm')))).toBe(2048)
    expect(initialPages(parserBinary.readParserBinary())).toBe(640)
  })

  it('grows its memory for a statement whose tree needs more than that', () => {
    const rows = 40_000
    const sql = `INSERT INTO t (a, b, c) VALUES ${Array.from({ length: rows }, (_, i) => `(${i}, 'row ${i}', now())`).join(', ')};`
    const values = parseSql(sql).stmts?.[0]?.stmt.InsertStmt.selectStmt.SelectStmt.valuesLists
    expect(values).toHaveLength(rows)
    expect(values[rows - 1].List.items[1].A_Const.sval.sval).toBe(`row ${rows - 1}`)
  })
})
