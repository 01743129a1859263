import { normaliseTypeName } from '../schema/types.js'
import type { CatalogSchema, CatalogTable } from './catalog.js'
import type { DriftDifference } from './report.js'

type Json = Record<string, any>

const SERIALS: Record<string, string> = { serial: 'int4', bigserial: 'int8', smallserial: 'int2' }

/**
 * A type as one canonical string, whichever way it is spelled: drizzle's snapshot (`varchar(256)`,
 * `timestamp (3) with time zone`, `serial`, `"public"."status"[]`) or `format_type()` (`character
 * varying(256)`, `timestamp(3) with time zone`, `integer`, `status[]`).
 */
export function canonicalType(type: string): string {
  const text = type.trim().toLowerCase().replace(/"/g, '')
  const arrays = (/(\s*\[\d*\])*$/.exec(text)?.[0] ?? '').replace(/[\s\d]/g, '')
  const body = text.slice(0, text.length - (/(\s*\[\d*\])*$/.exec(text)?.[0].length ?? 0)).trim()
  const match = /^(.*?)\s*(?:\(([^)]*)\))?\s*((?:with|without) time zone)?$/.exec(body)
  const base = (match?.[1] ?? body).replace(/^public\./, '').replace(/\s+/g, ' ')
  const mods = match?.[2]?.replace(/\s+/g, '')
  const zone = match?.[3]
  const name = normaliseTypeName(zone ? `${base} ${zone}` : base)
  return `${SERIALS[name] ?? name}${mods ? `(${mods})` : ''}${arrays}`
}

/**
 * A default as one canonical string: casts on literals dropped (`'a'::text` → `'a'`), redundant
 * parentheses and case of keywords ignored.
 */
export function canonicalDefault(value: unknown): string | null {
  if (value === undefined || value === null) return null
  let text = String(value).trim()
  for (;;) {
    const stripped = text
      .replace(/::\s*"?[a-z_][\w ."]*"?(\(\d+(,\s*\d+)?\))?(\[\])*/gi, '')
      .replace(/^\((.*)\)$/s, '$1')
      .trim()
    if (stripped === text) break
    text = stripped
  }
  // jsonb stores objects with its own key order and spacing: compare a JSON literal by value.
  const literal = /^'(.*)'$/s.exec(text)?.[1]
  if (literal !== undefined) {
    try {
      return `'${stableJson(JSON.parse(literal.replace(/''/g, "'")))}'`
    } catch {
      // Not JSON: an ordinary string literal, compared as text.
    }
  }
  return text.replace(/\s+/g, ' ').toLowerCase()
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

/** PostgreSQL keeps the first 63 bytes of an identifier (NAMEDATALEN - 1); drizzle's snapshot has the full name. */
function identifier(name: string): string {
  const bytes = Buffer.from(name, 'utf8')
  if (bytes.length <= 63) return name
  let end = 63
  // Never cut a multi-byte character in half.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString('utf8')
}

function tableKey(key: string, table: Json): string {
  if (key.includes('.')) return key
  return `${table.schema || 'public'}.${table.name ?? key}`
}

function enumValues(value: Json): string[] {
  return Array.isArray(value.values) ? value.values : Object.values(value.values ?? {})
}

/** Column names an index's `columns` entry lists (v7 objects or v5 strings). */
function indexColumns(index: Json): string[] {
  return (index.columns ?? []).map((c: Json | string) => (typeof c === 'string' ? c : c.expression))
}

function constraintColumns(definition: string): string[] {
  const inner = /\(([^)]*)\)/.exec(definition)?.[1] ?? ''
  return inner.split(',').map((c) => c.trim().replace(/^"|"$/g, ''))
}

/**
 * Compares the schema a replay produced with a Drizzle snapshot (versions 5–7): tables, columns (type,
 * nullability, default), primary keys, unique constraints, indexes, foreign keys and enums. Objects in
 * `ignoreSchemas` (the migrations bookkeeping) are not compared.
 */
export function compareWithSnapshot(catalog: CatalogSchema, snapshot: unknown, ignoreSchemas: string[]): DriftDifference[] {
  const differences: DriftDifference[] = []
  const json = (snapshot ?? {}) as Json
  const ignored = (key: string) => ignoreSchemas.includes(key.split('.')[0] as string)
  const expectedTables = new Map<string, Json>(Object.entries((json.tables ?? {}) as Json).map(([key, table]) => [tableKey(key, table), table]))
  const actualTables = new Map(Object.entries(catalog.tables).filter(([key, t]) => !ignored(key) && (t.kind === 'r' || t.kind === 'p')))

  for (const [key, expected] of expectedTables) {
    const actual = actualTables.get(key)
    if (!actual) differences.push({ object: 'table', name: key, kind: 'missing' })
    else differences.push(...compareTable(key, expected, actual))
  }
  for (const key of actualTables.keys()) if (!expectedTables.has(key)) differences.push({ object: 'table', name: key, kind: 'unexpected' })

  const expectedEnums = new Map<string, string[]>(Object.entries((json.enums ?? {}) as Json).map(([key, e]) => [key.includes('.') ? key : `${e.schema || 'public'}.${e.name ?? key}`, enumValues(e)]))
  const actualEnums = new Map(Object.entries(catalog.enums).filter(([key]) => !ignored(key)))
  for (const [key, values] of expectedEnums) {
    const actual = actualEnums.get(key)
    if (!actual) differences.push({ object: 'enum', name: key, kind: 'missing', snapshot: values.join(', ') })
    else if (actual.join('\u0000') !== values.join('\u0000')) differences.push({ object: 'enum', name: key, kind: 'different', snapshot: values.join(', '), database: actual.join(', ') })
  }
  for (const [key, values] of actualEnums) if (!expectedEnums.has(key)) differences.push({ object: 'enum', name: key, kind: 'unexpected', database: values.join(', ') })
  return differences
}

function compareTable(key: string, expected: Json, actual: CatalogTable): DriftDifference[] {
  const differences: DriftDifference[] = []
  const columns = new Map(actual.columns.map((c) => [c.name, c]))
  const expectedColumns = Object.values((expected.columns ?? {}) as Json) as Json[]
  const primaryKey: string[] = []
  for (const column of expectedColumns) {
    const name = `${key}.${column.name}`
    const found = columns.get(column.name)
    if (column.primaryKey) primaryKey.push(column.name)
    if (!found) {
      differences.push({ object: 'column', name, kind: 'missing', snapshot: column.type })
      continue
    }
    const [typeWanted, typeHas] = [canonicalType(String(column.type)), canonicalType(found.type)]
    if (typeWanted !== typeHas) differences.push({ object: 'column', name, kind: 'different', snapshot: `type ${column.type}`, database: `type ${found.type}` })
    const notNull = Boolean(column.notNull) || Boolean(column.primaryKey)
    if (notNull !== found.notNull) differences.push({ object: 'column', name, kind: 'different', snapshot: notNull ? 'NOT NULL' : 'nullable', database: found.notNull ? 'NOT NULL' : 'nullable' })
    const serial = String(column.type).toLowerCase() in SERIALS
    const identity = Boolean(column.identity) || found.identity !== ''
    const generated = Boolean(column.generated) || found.generated !== ''
    if (!serial && !identity && !generated && canonicalDefault(column.default) !== canonicalDefault(found.default)) {
      differences.push({ object: 'column', name, kind: 'different', snapshot: `default ${column.default ?? 'none'}`, database: `default ${found.default ?? 'none'}` })
    }
  }
  for (const column of actual.columns) if (!expectedColumns.some((c) => c.name === column.name)) differences.push({ object: 'column', name: `${key}.${column.name}`, kind: 'unexpected', database: column.type })

  const constraints = Object.entries(actual.constraints)
  for (const pk of Object.values((expected.compositePrimaryKeys ?? {}) as Json) as Json[]) primaryKey.push(...(pk.columns ?? []))
  const actualPk = constraints.find(([, def]) => def.startsWith('PRIMARY KEY'))
  const pkHas = actualPk ? constraintColumns(actualPk[1]) : []
  if ([...primaryKey].sort().join(',') !== [...pkHas].sort().join(',')) {
    differences.push({ object: 'primary key', name: key, kind: primaryKey.length === 0 ? 'unexpected' : pkHas.length === 0 ? 'missing' : 'different', snapshot: primaryKey.join(', '), database: pkHas.join(', ') })
  }

  const expectedUnique = new Map<string, Json>(Object.values((expected.uniqueConstraints ?? {}) as Json).map((u: Json) => [identifier(u.name), u]))
  const actualUnique = new Map(constraints.filter(([, def]) => def.startsWith('UNIQUE')))
  for (const [name, unique] of expectedUnique) {
    if (!actualUnique.has(name)) differences.push({ object: 'unique', name, kind: 'missing', snapshot: (unique.columns ?? []).join(', ') })
  }
  for (const [name, def] of actualUnique) if (!expectedUnique.has(name)) differences.push({ object: 'unique', name, kind: 'unexpected', database: def })

  // Indexes that back a constraint are the constraint's; drizzle models those separately.
  const constraintNames = new Set(constraints.map(([name]) => name))
  const expectedIndexes = new Map<string, Json>(Object.values((expected.indexes ?? {}) as Json).map((i: Json) => [identifier(i.name), i]))
  const actualIndexes = new Map(Object.entries(actual.indexes).filter(([name]) => !constraintNames.has(name)))
  for (const [name, index] of expectedIndexes) {
    const found = actualIndexes.get(name)
    if (!found) differences.push({ object: 'index', name, kind: 'missing', snapshot: indexColumns(index).join(', ') })
    else if (Boolean(index.isUnique) !== found.startsWith('CREATE UNIQUE')) differences.push({ object: 'index', name, kind: 'different', snapshot: index.isUnique ? 'unique' : 'not unique', database: found })
  }
  for (const [name, def] of actualIndexes) if (!expectedIndexes.has(name)) differences.push({ object: 'index', name, kind: 'unexpected', database: def })

  const expectedKeys = new Map<string, Json>(Object.values((expected.foreignKeys ?? {}) as Json).map((k: Json) => [identifier(k.name), k]))
  const actualKeys = new Map(constraints.filter(([, def]) => def.startsWith('FOREIGN KEY')))
  for (const [name, fk] of expectedKeys) {
    const found = actualKeys.get(name)
    const wanted = `(${(fk.columnsFrom ?? []).join(', ')}) → ${fk.schemaTo ? `${fk.schemaTo}.` : ''}${fk.tableTo}(${(fk.columnsTo ?? []).join(', ')})`
    if (!found) {
      differences.push({ object: 'foreign key', name, kind: 'missing', snapshot: wanted })
      continue
    }
    const sameColumns = constraintColumns(found).join(',') === (fk.columnsFrom ?? []).join(',')
    const target = /REFERENCES\s+("?[^"(]+"?(?:\."?[^"(]+"?)?)\(([^)]*)\)/.exec(found)
    const sameTarget =
      target !== null &&
      (target[1] as string).replace(/"/g, '').replace(/^public\./, '') === `${fk.schemaTo && fk.schemaTo !== 'public' ? `${fk.schemaTo}.` : ''}${fk.tableTo}` &&
      (target[2] as string).split(',').map((c) => c.trim().replace(/^"|"$/g, '')).join(',') === (fk.columnsTo ?? []).join(',')
    const action = (clause: string, wantedAction: string | undefined) => {
      const has = new RegExp(`ON ${clause} (SET NULL|SET DEFAULT|CASCADE|RESTRICT)`).exec(found)?.[1] ?? 'NO ACTION'
      return has.toLowerCase() === (wantedAction ?? 'no action').toLowerCase()
    }
    if (!sameColumns || !sameTarget || !action('DELETE', fk.onDelete) || !action('UPDATE', fk.onUpdate)) {
      differences.push({ object: 'foreign key', name, kind: 'different', snapshot: `${wanted} on delete ${fk.onDelete ?? 'no action'} on update ${fk.onUpdate ?? 'no action'}`, database: found })
    }
  }
  for (const [name, def] of actualKeys) if (!expectedKeys.has(name)) differences.push({ object: 'foreign key', name, kind: 'unexpected', database: def })
  return differences
}
