import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadScenarioText, stringifyScenario } from './loader'
import { scenarioArb } from './loader.fixtures'
import { Scenario } from './schema'

describe('stringifyScenario -> loadScenarioText', () => {
  it('the generator only makes scenarios the schema accepts', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        expect(Scenario.safeParse(scenario).success).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  it('generated valid scenarios survive serialise -> load unchanged', () => {
    fc.assert(
      fc.property(scenarioArb, (written) => {
        const scenario = Scenario.parse(written)
        const text = stringifyScenario(scenario)
        expect(text.split('\n', 1)[0]).toBe('# yaml-language-server: $schema=./scenario.schema.json')
        expect(loadScenarioText(text, 'roundtrip.yaml')).toStrictEqual(scenario)
      }),
      { numRuns: 500 },
    )
  }, 30_000)
})
