import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildConfigArtifacts, type JsonSchema, jsonSchemaOf } from '../../scripts/generate-config-schema.js'
import { configSchema, defaultConfig } from '../../src/config/schema.js'
import { tableStatsFileSchema } from '../../src/config/table-stats.js'

const ROOT = new URL('../../', import.meta.url)

/** Every object schema with its key path, depth first. */
function* objects(schema: JsonSchema, path = '(root)'): Generator<[string, JsonSchema]> {
  yield [path, schema]
  for (const [name, prop] of Object.entries(schema.properties ?? {})) yield* objects(prop, `${path}.${name}`)
  for (const branch of schema.anyOf ?? []) yield* objects(branch, path)
  if (typeof schema.additionalProperties === 'object') yield* objects(schema.additionalProperties, `${path}.*`)
}

describe('generated configuration artifacts', () => {
  it('are committed as the schemas generate them (npm run generate)', () => {
    for (const [file, text] of buildConfigArtifacts()) expect(readFileSync(new URL(file, ROOT), 'utf8'), file).toBe(text)
  })

  it('never require a key that has a default', () => {
    for (const schema of [jsonSchemaOf(configSchema), jsonSchemaOf(tableStatsFileSchema)]) {
      for (const [path, object] of objects(schema)) {
        const defaulted = Object.entries(object.properties ?? {}).filter(([, prop]) => prop.default !== undefined).map(([name]) => name)
        expect(defaulted.filter((name) => object.required?.includes(name)), path).toEqual([])
      }
    }
  })

  it('accept an empty config, which means the defaults', () => {
    expect(configSchema.parse({})).toEqual(defaultConfig)
    expect(jsonSchemaOf(configSchema).required ?? []).toEqual([])
  })

  it('describe every configuration key', () => {
    const undocumented = [...objects(jsonSchemaOf(configSchema))].flatMap(([path, object]) => Object.entries(object.properties ?? {}).filter(([, prop]) => !prop.description).map(([name]) => `${path}.${name}`))
    expect(undocumented).toEqual([])
  })
})
