import { z } from 'zod'
import { Scenario, SCHEMA_VERSION } from './schema'
import {
  ACTION_LABELS,
  APPROACH_LABELS,
  DISCLOSABLE_LABELS,
  HRT_LABELS,
  ID_CHECK_LABELS,
  KNOWLEDGE_LABELS,
  OTP_DESTINATION_LABELS,
  SAFE_PATH_LABELS,
  TEAM_LABELS,
} from './vocabulary'

/**
 * The JSON Schema of the scenario format, generated from the zod schema so the
 * two cannot drift (jsonSchema.test.ts fails when the committed file is stale;
 * regenerate with `npx tsx src-main/cli/writeSchema.ts`). Editors use it for
 * completion and checking as authors type: scenario files start with
 * `# yaml-language-server: $schema=../scenario.schema.json`.
 *
 * Draft 7, because that is the draft yaml-language-server and VS Code's JSON
 * support implement fully. `io: 'input'` describes what an author writes, so
 * keys with defaults are optional.
 */
export const SCENARIO_SCHEMA_ID = `https://pretext.invalid/schemas/scenario-v${SCHEMA_VERSION}.schema.json`

// Labels shown beside each value in an editor's completion list, in the order
// tried: the first table that names every value of an enum describes it.
const LABEL_TABLES: ReadonlyArray<Readonly<Record<string, string>>> = [
  ACTION_LABELS,
  OTP_DESTINATION_LABELS,
  HRT_LABELS,
  SAFE_PATH_LABELS,
  TEAM_LABELS,
  DISCLOSABLE_LABELS,
  KNOWLEDGE_LABELS,
  ID_CHECK_LABELS,
  APPROACH_LABELS,
]

type JsonSchema = Record<string, unknown>

export function buildScenarioJsonSchema(): JsonSchema {
  const generated = z.toJSONSchema(Scenario, {
    io: 'input',
    target: 'draft-07',
    unrepresentable: 'throw',
    cycles: 'ref',
    reused: 'inline',
    override: ({ jsonSchema }) => {
      const values = jsonSchema.enum
      if (!Array.isArray(values) || !values.every((v): v is string => typeof v === 'string')) return
      const table = LABEL_TABLES.find((labels) => values.every((v) => Object.hasOwn(labels, v)))
      if (table) (jsonSchema as JsonSchema).enumDescriptions = values.map((v) => table[v])
    },
  }) as JsonSchema

  const { $schema, ...rest } = generated
  const schema: JsonSchema = {
    $schema,
    $id: SCENARIO_SCHEMA_ID,
    title: 'Pretext scenario',
    description: `A Pretext training call, scenario format version ${SCHEMA_VERSION}: the account as the console shows it, the caller's ground truth, and the beats of the conversation. Nothing in a scenario is ever run as code.`,
    ...rest,
  }
  return nameConditionDefinition(schema)
}

/**
 * zod names the one recursive definition (Condition) `__schema0`; give it its
 * real name so editors and readers see "Condition".
 */
function nameConditionDefinition(schema: JsonSchema): JsonSchema {
  const definitions = schema.definitions as Record<string, JsonSchema> | undefined
  if (!definitions) return schema
  const generatedName = Object.keys(definitions).find((name) => {
    const options = definitions[name]?.anyOf
    return Array.isArray(options) && options.some((o) => typeof o === 'object' && o !== null && 'verified' in (((o as JsonSchema).properties ?? {}) as object))
  })
  if (!generatedName || generatedName === 'Condition') return schema
  const text = JSON.stringify(schema)
    .split(JSON.stringify(`#/definitions/${generatedName}`))
    .join(JSON.stringify('#/definitions/Condition'))
  const renamed = JSON.parse(text) as JsonSchema
  const defs = renamed.definitions as Record<string, JsonSchema>
  const condition = defs[generatedName]!
  delete defs[generatedName]
  defs.Condition = { description: 'one test on the call so far; combine with all, any and not', ...condition }
  return renamed
}

/** The file as committed: two-space JSON with a trailing newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(buildScenarioJsonSchema(), null, 2)}\n`
}
