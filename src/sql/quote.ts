/** An identifier as SQL text, always double-quoted (drizzle's style; safe for keywords and mixed case). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** A string literal as SQL text (standard_conforming_strings, on since PostgreSQL 9.1). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}
