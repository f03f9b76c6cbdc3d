import type { Scenario } from './schema'

/**
 * What the picker lists: the trainee's briefing, never the author's summary
 * (which may give the answer away). The format sits below the API, so the
 * shape is checked where it meets the contract's ScenarioSummary (the library
 * service), not named here.
 */
export function scenarioSummaryOf(scenario: Scenario, file: string) {
  return {
    id: scenario.id,
    title: scenario.title,
    summary: scenario.briefing ?? `Inbound call: “${scenario.request.summary}”`,
    tier: scenario.tier,
    caller: scenario.caller,
    tactics: [...scenario.tactics] as string[],
    file,
  }
}
