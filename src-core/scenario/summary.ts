import type { ScenarioSummary } from '../api/contract'
import type { Scenario } from './schema'

/** What the picker lists: the trainee's briefing, never the author's summary (which may give the answer away). */
export function scenarioSummaryOf(scenario: Scenario): ScenarioSummary {
  return {
    id: scenario.id,
    title: scenario.title,
    briefing: scenario.briefing ?? `Inbound call: “${scenario.request.summary}”`,
    tier: scenario.tier,
  }
}
