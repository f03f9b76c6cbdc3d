import type { ChooserAction, ChooserOption } from '@core/session/consoleView'
import { CHOOSER_PARAMS } from '@core/session/consoleView'
import type { AgentAction } from '@core/session/events'

export type { ChooserAction, ChooserOption }

/** Each chooser's question; its options come from main's console view. */
export const CHOOSER_TITLES: Record<ChooserAction, string> = {
  'send-otp': 'Send a one-time code to…',
  'ask-knowledge': 'Ask the caller for…',
  'confirm-detail': 'Confirm to the caller: read out the…',
  escalate: 'Escalate to…',
  'offer-safe-path': 'Offer the caller…',
  'perform-hrt': 'High-risk transaction',
  'check-id': 'The customer hands you a photo ID…',
}

export function isChooserAction(action: string): action is ChooserAction {
  return action in CHOOSER_PARAMS
}

/** The action a chooser's pick stands for (all but the high-risk one, which asks for confirmation first). */
export function actionForChoice(kind: Exclude<ChooserAction, 'perform-hrt'>, id: string): AgentAction {
  return { type: kind, [CHOOSER_PARAMS[kind]]: id } as AgentAction
}

/** What the high-risk confirmation adds to the transaction the chooser picked. */
export interface HrtConfirmation {
  notify: boolean
  hold: boolean
  /** Absent when the kind has no target, or when a QR or SIM goes to the contact of record. */
  target?: string
}
