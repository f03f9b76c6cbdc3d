import {
  ACTION_LABELS,
  DISCLOSABLE_LABELS,
  HRT_LABELS,
  KNOWLEDGE_LABELS,
  NOTE_ITEM_LABELS,
  OTP_DESTINATION_LABELS,
  SAFE_PATH_LABELS,
  TEAM_LABELS,
} from '@core/scenario/vocabulary'
import type { Scenario } from '@core/scenario/schema'
import type { SessionEvent } from '@core/session/events'

/** One line for a step of the call: what the trainee did, with its parameter. */
export function describeEvent(event: SessionEvent, scenario: Scenario | null): string {
  const label = ACTION_LABELS[event.type]
  switch (event.type) {
    case 'send-otp':
      return `${label}: ${OTP_DESTINATION_LABELS[event.to]}`
    case 'ask-knowledge':
      return `${label}: ${KNOWLEDGE_LABELS[event.question]}`
    case 'confirm-detail':
      return `${label}: ${DISCLOSABLE_LABELS[event.field]}`
    case 'escalate':
      return `${label}: ${TEAM_LABELS[event.team]}`
    case 'offer-safe-path':
      return `${label}: ${SAFE_PATH_LABELS[event.path]}`
    case 'perform-hrt': {
      const extras = [event.notify ? 'notice sent' : 'no notice', event.hold ? 'hold applied' : 'no hold']
      return `${HRT_LABELS[event.kind]} (${extras.join(', ')})`
    }
    case 'say': {
      // The words themselves follow in the transcript; the step names only the choice.
      const known = scenario ? [...Object.values(scenario.beats).flatMap((b) => b.choices), ...scenario.choices].some((c) => c.id === event.choice) : true
      return known ? 'Said a phrasing' : `Said: ${event.choice} (not on offer)`
    }
    case 'note':
      return `${label}${event.items.length ? `: ${event.items.map((i) => NOTE_ITEM_LABELS[i]).join(', ')}` : ''}`
    default:
      return label
  }
}
