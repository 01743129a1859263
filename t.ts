import { loadParser, parseMigration } from './src/sql/parse.js'
await loadParser()
const text = `-- Custom SQL migration file, put your code below! --
CREATE TABLE "é" ("id" int);--> statement-breakpoint
-- dba-review-ignore require-concurrent-index-creation: small table
CREATE INDEX "x" ON "é" ("id");--> statement-breakpoint
ALTER TABLE x ADD COLUMNN y int; SELECT 'a;b'; DO $$ BEGIN PERFORM 1; END $$
-- trailing
`
const p = parseMigration({ id: 'm', path: 'm.sql', text, hash: '', order: 0, breakpoints: true })
for (const s of p.statements) console.log(s.index, s.chunk, s.kind, JSON.stringify(s.text), s.range.start, s.range.end.line+':'+s.range.end.column, s.syntaxError, s.leadingComments.map(c=>c.text))
console.log(p.trailingComments)
const idx = p.statements[1]!
console.log(p.lines.positionAt(p.fileOffset(idx, idx.node!.relation.location)))
