import { describe, expect, it } from 'vitest'
import { SCENARIO_SCHEMA_ID, buildScenarioJsonSchema, scenarioJsonSchemaText } from './jsonSchema'

// Core tests may not read files (no node:fs here), so Vite loads the JSON as a
// module. The specifier is a variable on purpose: a literal one makes tsc pull
// the JSON file into the src-main project, which does not list scenarios/
// (TS6307). Vite resolves it relative to this file.
const COMMITTED_SCHEMA = '../../scenarios/scenario.schema.json'

describe('scenarios/scenario.schema.json', () => {
  it('is what the zod schema generates now (regenerate: npx tsx src-main/cli/writeSchema.ts)', async () => {
    const committed = ((await import(/* @vite-ignore */ COMMITTED_SCHEMA)) as { default: unknown }).default
    expect(committed).toEqual(JSON.parse(scenarioJsonSchemaText()))
  })

  it('describes what an author writes: draft 7, named, strict, defaults optional', () => {
    const schema = buildScenarioJsonSchema() as {
      $schema: string
      $id: string
      title: string
      required: string[]
      additionalProperties: boolean
      definitions: Record<string, unknown>
      properties: Record<string, { description?: string; enumDescriptions?: string[] }>
    }
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#')
    expect(schema.$id).toBe(SCENARIO_SCHEMA_ID)
    expect(schema.title).toBe('Pretext scenario')
    expect(schema.additionalProperties).toBe(false)
    expect(schema.required.sort()).toEqual(['account', 'beats', 'caller', 'callerFacts', 'id', 'request', 'schemaVersion', 'summary', 'tier', 'title'])
    expect(Object.keys(schema.definitions)).toEqual(['Condition'])
    expect(schema.properties.caller?.description).toMatch(/^fraud, legitimate, or ambiguous/)
    expect(JSON.stringify(schema)).toContain('"enumDescriptions":["Ask for the account PIN"')
  })
})
