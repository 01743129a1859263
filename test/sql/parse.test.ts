import { describe, expect, it } from 'vitest'
import type { Migration } from '../../src/migrations/types.js'
import { splitStatements } from '../../src/sql/lexer.js'
import { parseMigration, splitChunks } from '../../src/sql/parse.js'

const migration = (text: string, breakpoints = true): Migration => ({ id: 'm', path: 'drizzle/m.sql', text, hash: 'h', order: 0, breakpoints })

describe('parseMigration', () => {
  it('locates statements across breakpoint chunks, with and without the marker on its own line', () => {
    const text = 'CREATE TABLE a (id int);--> statement-breakpoint\nCREATE TABLE b (id int);\n--> statement-breakpoint\n\n  ALTER TABLE a ADD COLUMN x int;'
    const { statements } = parseMigration(migration(text))
    expect(statements.map((s) => [s.kind, s.chunk, s.range.start.line, s.range.start.column, s.range.end.line, s.range.end.column])).toEqual([
      ['CreateStmt', 0, 1, 1, 1, 25],
      ['CreateStmt', 1, 2, 1, 2, 25],
      ['AlterTableStmt', 2, 5, 3, 5, 34],
    ])
    expect(statements[2]!.text).toBe('ALTER TABLE a ADD COLUMN x int;')
  })

  it('keeps comments before a statement as its leading comments and out of its range', () => {
    const { statements } = parseMigration(migration('-- first\n/* block\n comment */\nCREATE TABLE a (id int);'))
    expect(statements[0]!.range.start.line).toBe(4)
    expect(statements[0]!.leadingComments.map((c) => [c.kind, c.text.trim()])).toEqual([
      ['line', 'first'],
      ['block', 'block\n comment'],
    ])
  })

  it('does not split inside dollar-quoted bodies, strings or quoted identifiers', () => {
    const text = `DO $body$ BEGIN RAISE NOTICE 'a;b'; END $body$;\nSELECT 'it''s; fine', "semi;colon" FROM t;\nSELECT E'back\\'slash;';`
    const { statements } = parseMigration(migration(text, false))
    expect(statements.map((s) => s.kind)).toEqual(['DoStmt', 'SelectStmt', 'SelectStmt'])
    expect(statements.map((s) => s.range.start.line)).toEqual([1, 2, 3])
  })

  it('splits where drizzle splits even where SQL would read the marker as a comment or inside a token', () => {
    const shape = (text: string) =>
      parseMigration(migration(text)).statements.map((s) => [s.chunk, s.kind, s.text, s.syntaxError ? s.syntaxError.position.column : null])
    // SQL after the marker on its line, even after a `--` comment: drizzle runs it as the next chunk.
    expect(shape('SELECT 1;\n--> statement-breakpoint SELECT 2;')).toEqual([
      [0, 'SelectStmt', 'SELECT 1;', null],
      [1, 'SelectStmt', 'SELECT 2;', null],
    ])
    expect(shape('SELECT 1; -- note --> statement-breakpoint SELECT 3;\nSELECT 2;')).toEqual([
      [0, 'SelectStmt', 'SELECT 1;', null],
      [1, 'SelectStmt', 'SELECT 3;', null],
      [1, 'SelectStmt', 'SELECT 2;', null],
    ])
    // A marker inside a block comment, a string or a statement cuts it in two.
    expect(shape('SELECT 1; /* --> statement-breakpoint */ SELECT 2;')).toEqual([
      [0, 'SelectStmt', 'SELECT 1;', null],
      [1, null, '*/ SELECT 2;', 39],
    ])
    expect(shape("SELECT 'a --> statement-breakpoint b';").map(([chunk, kind]) => [chunk, kind])).toEqual([
      [0, null],
      [1, null],
    ])
    expect(shape('SELECT 1\n--> statement-breakpoint\n+ 2;')).toEqual([
      [0, 'SelectStmt', 'SELECT 1', null],
      [1, null, '+ 2;', 1],
    ])
    // `---> statement-breakpoint` reads as one comment, but drizzle leaves the first `-` on its own.
    expect(shape('SELECT 1;---> statement-breakpoint\nSELECT 2;')).toEqual([
      [0, 'SelectStmt', 'SELECT 1;', null],
      [0, null, '-', 10],
      [1, 'SelectStmt', 'SELECT 2;', null],
    ])
  })

  it('maps node locations through multibyte characters to UTF-16 columns in every chunk', () => {
    const text = 'CREATE TABLE "a€" (id int);\n--> statement-breakpoint\nCREATE INDEX "i😀" ON "a€" ("😀");'
    const parsed = parseMigration(migration(text))
    const positions = parsed.statements.map((s) => parsed.lines.positionAt(parsed.fileOffset(s, s.node!.relation.location)))
    expect(positions.map((p) => [p.line, p.column])).toEqual([
      [1, 14],
      [3, 23],
    ])
  })

  it('maps node locations through multibyte characters to UTF-16 columns', () => {
    const text = `COMMENT ON TABLE t IS 'prix en €';\nCREATE INDEX i ON "tâble" (c);`
    const parsed = parseMigration(migration(text))
    const index = parsed.statements[1]!
    const at = parsed.lines.positionAt(parsed.fileOffset(index, index.node!.relation.location))
    expect([at.line, at.column]).toEqual([2, 19])
  })

  it('keeps the statements around one PostgreSQL rejects, with the position PostgreSQL reports', () => {
    const text = 'CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMNN b int;\nCREATE INDEX i ON a (id);'
    const { statements } = parseMigration(migration(text, false))
    expect(statements.map((s) => s.kind)).toEqual(['CreateStmt', null, 'IndexStmt'])
    expect(statements[1]!.syntaxError).toMatchObject({ message: 'syntax error at or near "int"', position: { line: 2, column: 29 } })
    expect(statements[1]!.text).toBe('ALTER TABLE a ADD COLUMNN b int;')
  })

  it('maps node locations of statements parsed on their own after a failure in the same chunk', () => {
    const text = 'SELEC 1;\nCREATE INDEX i ON orders (c);'
    const parsed = parseMigration(migration(text, false))
    const index = parsed.statements[1]!
    expect(parsed.lines.positionAt(parsed.fileOffset(index, index.node!.relation.location))).toMatchObject({ line: 2, column: 19 })
  })

  it('treats a custom-migration header comment as trailing comment of an empty chunk', () => {
    const parsed = parseMigration(migration('-- Custom SQL migration file, put your code below! --\n'))
    expect(parsed.statements).toEqual([])
    expect(parsed.trailingComments.map((c) => c.text)).toEqual([' Custom SQL migration file, put your code below! --'])
  })

  it('ends a final statement without a semicolon at its last token', () => {
    const { statements } = parseMigration(migration('CREATE TABLE a (id int)\n\n-- trailing\n', false))
    expect(statements[0]!.text).toBe('CREATE TABLE a (id int)')
  })
})

describe('splitChunks', () => {
  it('splits on the marker wherever it stands, like drizzle-orm', () => {
    expect(splitChunks('a;--> statement-breakpoint\nb;', true).map((c) => [c.start, c.text])).toEqual([
      [0, 'a;'],
      [26, '\nb;'],
    ])
    expect(splitChunks('a;--> statement-breakpoint\nb;', false)).toHaveLength(1)
  })
})

describe('splitStatements', () => {
  it('ignores semicolons in nested block comments and keeps lone semicolons out', () => {
    const { statements } = splitStatements('/* a /* nested; */ still; */ SELECT 1;;\n;SELECT 2')
    expect(statements.map((s) => [s.start, s.end])).toEqual([
      [29, 38],
      [41, 49],
    ])
  })
})

describe('DO blocks', () => {
  it('expose the plain SQL that drizzle 0.x wraps in BEGIN … EXCEPTION … END, at exact positions', () => {
    const text = 'DO $$ BEGIN\n ALTER TABLE "orders" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;'
    const parsed = parseMigration(migration(text))
    const [block] = parsed.statements
    expect(block!.body?.map((s) => [s.kind, s.range.start.line, s.range.start.column, s.text.slice(0, 20)])).toEqual([['AlterTableStmt', 2, 2, 'ALTER TABLE "orders"']])
    const inner = block!.body![0]!
    expect(parsed.lines.positionAt(parsed.fileOffset(inner, inner.node!.relation.location))).toMatchObject({ line: 2, column: 14 })
  })

  it('leave PL/pgSQL control flow opaque', () => {
    const { statements } = parseMigration(migration("DO $$ BEGIN IF NOT EXISTS (SELECT 1) THEN CREATE TYPE s AS ENUM ('a'); END IF; END $$;"))
    expect(statements[0]!.body).toBeUndefined()
  })
})
