import type { Scenario } from '@core/scenario/schema'
import { describeAction } from '@core/session/describe'
import { actionOf, type SessionEvent } from '@core/session/events'

/** The heading of a step in the report's transcript: what the trainee did, with its parameter. */
export function describeEvent(event: SessionEvent, scenario: Scenario | null): string {
  if (event.type === 'say') {
    // The words follow in the transcript itself; the heading only names the move.
    const offered = scenario ? [...Object.values(scenario.beats).flatMap((b) => b.choices), ...scenario.choices].some((c) => c.id === event.choice) : true
    return offered ? 'Said a phrasing' : `Said: ${event.choice} (not on offer)`
  }
  return describeAction(actionOf(event), scenario ?? undefined)
}
