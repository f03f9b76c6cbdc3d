import { channelOffers, type AgentActionType, type Channel } from '@core/scenario/vocabulary'

/**
 * The console's toolbox: every action the trainee can take, its group on
 * screen and its single-key shortcut. One table drives the buttons, their
 * shortcut labels and the keyboard handler, so they cannot disagree.
 */

export type ToolGroup = 'verify' | 'account' | 'decide'

export interface Tool {
  action: AgentActionType
  /** Upper-case letter shown on the button and pressed to use it. */
  key: string
  label: string
  group: ToolGroup
}

export const TOOL_GROUP_LABELS: Record<ToolGroup, string> = {
  verify: 'Verify',
  account: 'Account',
  decide: 'Decide',
}

export const TOOLS: readonly Tool[] = [
  { action: 'ask-pin', key: 'P', label: 'Ask for PIN', group: 'verify' },
  { action: 'send-otp', key: 'O', label: 'Send one-time code…', group: 'verify' },
  { action: 'ask-knowledge', key: 'K', label: 'Knowledge question…', group: 'verify' },
  { action: 'confirm-detail', key: 'C', label: 'Confirm a detail…', group: 'verify' },
  { action: 'use-caller-id', key: 'I', label: 'Use caller ID as factor', group: 'verify' },
  { action: 'callback-verify', key: 'B', label: 'Call back to verify', group: 'verify' },
  { action: 'ask-for-holder', key: 'W', label: 'Ask for the account holder', group: 'verify' },
  // Offered at a store counter only (vocabulary.ts, CHANNEL_ONLY_ACTIONS): the toolbox shows what the channel offers.
  { action: 'check-id', key: 'V', label: 'Check photo ID…', group: 'verify' },
  { action: 'check-account', key: 'N', label: 'Notes, locks & history', group: 'account' },
  { action: 'suspend-line', key: 'S', label: 'Suspend line', group: 'account' },
  { action: 'flag-account', key: 'F', label: 'Flag account', group: 'account' },
  { action: 'notify-customer', key: 'M', label: 'Notify customer', group: 'account' },
  { action: 'cancel-order', key: 'X', label: 'Cancel pending orders', group: 'account' },
  { action: 'escalate', key: 'E', label: 'Escalate…', group: 'decide' },
  { action: 'offer-safe-path', key: 'A', label: 'Offer safe path…', group: 'decide' },
  { action: 'deny', key: 'D', label: 'Deny request', group: 'decide' },
  { action: 'perform-hrt', key: 'H', label: 'High-risk transaction…', group: 'decide' },
  { action: 'accept-offer', key: 'Y', label: "Accept caller's offer", group: 'decide' },
]

/** Not an action: moves the keyboard into "Notes for this call" (Esc comes back). */
export const NOTE_FIELD_KEY = 'T'

const BY_KEY = new Map(TOOLS.map((t) => [t.key, t]))

/** The tool a key press means, if any (case-insensitive single letters only). */
export function toolForKey(key: string): Tool | undefined {
  return key.length === 1 ? BY_KEY.get(key.toUpperCase()) : undefined
}

/** "1".."9" → 0..8; anything else → null. */
export function choiceIndexForKey(key: string): number | null {
  return /^[1-9]$/.test(key) ? Number(key) - 1 : null
}

/**
 * The key of a chooser's option: 1-9, then A-Z (a chooser is a dialog, so
 * letters are free there). Every option has one, shown on its row.
 */
const OPTION_KEYS = [...'123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ']
export function optionKey(index: number): string | null {
  return OPTION_KEYS[index] ?? null
}

/** The option index a key press means in a chooser, if any (letters case-insensitive). */
export function optionIndexForKey(key: string): number | null {
  if (key.length !== 1) return null
  const index = OPTION_KEYS.indexOf(key.toUpperCase())
  return index >= 0 ? index : null
}

/** The tools of a group that the contact's channel offers (a photo ID is checked at a store counter only). */
export function toolsIn(group: ToolGroup, channel: Channel): Tool[] {
  return TOOLS.filter((t) => t.group === group && channelOffers(channel, t.action))
}
