import type { Scenario } from './schema'

/**
 * What the picker lists: the title, the tier and the trainee's briefing, never
 * the author's summary, the caller type or the tactics (which may give the
 * answer away). The format sits below the API, so the shape is checked where
 * it meets the contract's ScenarioSummary (the library service), not named here.
 */
export function scenarioSummaryOf(scenario: Scenario) {
  return {
    id: scenario.id,
    title: scenario.title,
    briefing: scenario.briefing ?? `Inbound call: “${scenario.request.summary}”`,
    tier: scenario.tier,
  }
}
