import type { Scenario } from '../scenario/schema'
import {
  ACTION_LABELS,
  DISCLOSABLE_LABELS,
  HRT_LABELS,
  ID_CHECK_LABELS,
  KNOWLEDGE_LABELS,
  NOTE_ITEM_LABELS,
  OTP_DESTINATION_LABELS,
  SAFE_PATH_LABELS,
  TEAM_LABELS,
} from '../scenario/vocabulary'
import { hrtNeedsHold, lowerFirst } from '../engine/world'
import type { AgentAction } from './events'

/** One line a trainee reads: "Send a one-time code: line of record". Shared by the report, the CLI and review. */
export function describeAction(action: AgentAction, scenario?: Scenario): string {
  switch (action.type) {
    case 'send-otp':
      return `${ACTION_LABELS['send-otp']} to: ${lowerFirst(OTP_DESTINATION_LABELS[action.to])}`
    case 'ask-knowledge':
      return `${ACTION_LABELS['ask-knowledge']}: ${lowerFirst(KNOWLEDGE_LABELS[action.question])}`
    case 'confirm-detail':
      return `${ACTION_LABELS['confirm-detail']}: ${lowerFirst(DISCLOSABLE_LABELS[action.field])}`
    case 'check-id':
      return `${ACTION_LABELS['check-id']}: ${lowerFirst(ID_CHECK_LABELS[action.method])}`
    case 'escalate':
      return `Escalate to the ${TEAM_LABELS[action.team].toLowerCase()}`
    case 'offer-safe-path':
      return `Offer a safe path: ${SAFE_PATH_LABELS[action.path]}`
    case 'perform-hrt': {
      // A hold exists only for changes that move the number to a new SIM (R12).
      const extras = [action.notify ? 'notice sent' : 'no notice', ...(hrtNeedsHold(action.kind) ? [action.hold ? 'hold applied' : 'no hold'] : [])]
      return `${HRT_LABELS[action.kind]} (${extras.join(', ')})`
    }
    case 'say': {
      const text = scenario
        ? [...Object.values(scenario.beats).flatMap((b) => b.choices), ...scenario.choices].find((c) => c.id === action.choice)?.text
        : undefined
      return text ? `Say: “${text}”` : `Say: ${action.choice}`
    }
    case 'note':
      return action.items.length
        ? `Note: ${action.items.map((i) => lowerFirst(NOTE_ITEM_LABELS[i])).join(', ')}`
        : ACTION_LABELS.note
    default:
      return ACTION_LABELS[action.type]
  }
}
